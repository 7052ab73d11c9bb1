"""A form post whose text is not valid UTF-8 is refused with a clear 400, and nothing is saved."""

import pytest
from django.urls import reverse

from community.models import Thread

pytestmark = pytest.mark.django_db

BOUNDARY = "concierge-form-boundary"


def urlencoded(category, title: bytes) -> bytes:
    return b"category=%d&kind=question&title=%s&body=It%%27s+stuck." % (category.pk, title)


def multipart(category, title: bytes) -> bytes:
    fields = {"category": str(category.pk).encode(), "kind": b"question", "title": title, "body": b"It's stuck."}
    parts = [
        b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (BOUNDARY.encode(), name.encode(), value)
        for name, value in fields.items()
    ]
    return b"".join(parts) + b"--%s--\r\n" % BOUNDARY.encode()


def post_urlencoded(client, body: bytes):
    return client.post(reverse("community:start_thread"), body, content_type="application/x-www-form-urlencoded")


def post_multipart(client, body: bytes):
    return client.post(
        reverse("community:start_thread"), body, content_type=f"multipart/form-data; boundary={BOUNDARY}"
    )


@pytest.mark.parametrize(
    "title",
    [b"How+do+I+reset+%FF%FE+my+hub%3F", b"How do I reset \xff\xfe my hub?", b"Caf%C3+hub+goes+offline"],
    ids=["percent-encoded", "raw bytes", "truncated sequence"],
)
def test_urlencoded_post_with_invalid_utf8_is_refused(client, member, category, title):
    client.force_login(member)

    response = post_urlencoded(client, urlencoded(category, title))

    assert response.status_code == 400
    assert "not valid UTF-8" in response.content.decode()
    assert not Thread.objects.exists()


def test_multipart_post_with_invalid_utf8_is_refused(client, member, category):
    client.force_login(member)

    response = post_multipart(client, multipart(category, b"How do I reset \xff\xfe my hub?"))

    assert response.status_code == 400
    assert "not valid UTF-8" in response.content.decode()
    assert not Thread.objects.exists()


@pytest.mark.parametrize(
    ("post", "body"),
    [
        (post_urlencoded, lambda category: urlencoded(category, b"Caf%C3%A9+hub+goes+offline")),
        (post_urlencoded, lambda category: urlencoded(category, "Café hub goes offline".encode())),
        (post_multipart, lambda category: multipart(category, "Café hub goes offline".encode())),
    ],
    ids=["percent-encoded", "raw", "multipart"],
)
def test_valid_utf8_post_is_saved_as_written(client, member, category, post, body):
    client.force_login(member)

    response = post(client, body(category))

    assert response.status_code == 302
    assert Thread.objects.get().title == "Café hub goes offline"
