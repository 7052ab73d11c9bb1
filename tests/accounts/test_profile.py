import io
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

pytestmark = pytest.mark.django_db


def image_upload(fmt="PNG", size=(600, 400), name="me.png", colour=(200, 80, 40), trailer=b""):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue() + trailer, content_type=f"image/{fmt.lower()}")


def save_profile(client, **data):
    return client.post(reverse("accounts:settings"), {"display_name": "", "bio": "", **data})


def test_settings_requires_login(client):
    response = client.get(reverse("accounts:settings"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_member_updates_own_profile_and_avatar_is_reencoded(client, member):
    client.force_login(member)

    response = save_profile(
        client, display_name="  Maria L.  ", bio="Bakery owner", avatar=image_upload(trailer=b"<script>x</script>")
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.display_name == "Maria L."
    assert member.bio == "Bakery owner"
    assert member.avatar.name.endswith(".webp")
    with member.avatar.open("rb") as stored:
        data = stored.read()
    assert b"<script>" not in data
    with Image.open(io.BytesIO(data)) as stored_image:
        assert stored_image.format == "WEBP"
        assert stored_image.size == (256, 256)


def test_member_removes_avatar_and_old_file_is_deleted(client, member, django_capture_on_commit_callbacks):
    client.force_login(member)
    save_profile(client, avatar=image_upload())
    member.refresh_from_db()
    old_name = member.avatar.name
    storage = member.avatar.storage

    with django_capture_on_commit_callbacks(execute=True):
        save_profile(client, remove_avatar="on")

    member.refresh_from_db()
    assert not member.avatar
    assert not storage.exists(old_name)


def test_profile_form_only_changes_the_signed_in_member(client, member, other_member):
    client.force_login(member)

    save_profile(client, display_name="Changed", username="olaf", pk=other_member.pk)

    other_member.refresh_from_db()
    member.refresh_from_db()
    assert other_member.display_name == "Olaf Jensen"
    assert member.display_name == "Changed"
    assert member.username == "maria"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("notes.png", b"just some text", content_type="image/png"), "valid image"),
        (
            SimpleUploadedFile(
                "vector.svg",
                b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>',
                content_type="image/svg+xml",
            ),
            "valid image",
        ),
        (image_upload(fmt="BMP", name="old.bmp"), "JPEG, PNG, GIF or WebP"),
        (image_upload(fmt="TIFF", name="scan.tiff"), "JPEG, PNG, GIF or WebP"),
    ],
)
def test_non_image_or_unsupported_avatar_is_refused(client, member, upload, message):
    client.force_login(member)

    response = save_profile(client, display_name="Keep me out", avatar=upload)

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["avatar"])
    member.refresh_from_db()
    assert not member.avatar
    assert member.display_name == "Maria Lopez"


def test_oversized_avatar_is_refused_with_its_size(client, member):
    client.force_login(member)
    noise = Image.frombytes("RGB", (1100, 1100), random.Random(7).randbytes(1100 * 1100 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, format="PNG", compress_level=0)
    assert buffer.tell() > 2 * 1024 * 1024

    response = save_profile(client, avatar=SimpleUploadedFile("big.png", buffer.getvalue(), "image/png"))

    errors = " ".join(response.context["form"].errors["avatar"])
    assert "the limit is 2.0\xa0MB" in errors
    member.refresh_from_db()
    assert not member.avatar


def test_overlong_display_name_is_refused(client, member):
    client.force_login(member)

    response = save_profile(client, display_name="x" * 61)

    assert "at most 60 characters" in " ".join(response.context["form"].errors["display_name"])


@pytest.mark.parametrize(
    ("display_name", "username", "initials"),
    [("Ada Lovelace", "ada", "AL"), ("ada byron lovelace", "ada", "AB"), ("", "zoë", "Z"), ("  ", "x", "?")],
)
def test_initials_are_the_first_letters_of_the_first_two_words_of_the_name(display_name, username, initials):
    from accounts.models import User

    assert User(display_name=display_name, username=username).initials == initials
