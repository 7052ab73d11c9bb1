"""Changes made outside the discussion services (profiles, the admin, a deploy) reach cached pages through events."""

import pytest
from django.urls import reverse

from accounts.services import update_profile
from community import caching
from community.models import Category
from tests.builders import build_category, build_member, build_moderator, build_reply, build_thread

pytestmark = pytest.mark.django_db


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "member"])
def test_renamed_member_shows_under_the_new_name_on_cached_thread_and_list_pages(
    client, signed_in, member, other_member, question, answer, django_capture_on_commit_callbacks
):
    if signed_in:
        client.force_login(build_member(username="reader", display_name="Rita Reader"))
    url = question.get_absolute_url()
    assert "Olaf Jensen" in page(client, url)
    assert "Maria Lopez" in page(client, reverse("home"))

    with django_capture_on_commit_callbacks(execute=True):
        update_profile(other_member, display_name="Olaf the Helpful", bio="")
        update_profile(member, display_name="Maria the Asker", bio="")

    thread_page, home = page(client, url), page(client, reverse("home"))
    assert "Olaf the Helpful" in thread_page and "Olaf Jensen" not in thread_page
    assert "Maria the Asker" in home and "Maria Lopez" not in home


def test_a_bio_edit_leaves_cached_pages_alone(member, question):
    version = type(question).objects.get(pk=question.pk).version

    update_profile(member, display_name=member.display_name, bio="I like lamps.")

    assert type(question).objects.get(pk=question.pk).version == version


def test_category_renamed_in_the_admin_shows_on_its_cached_threads(
    client, admin_client, category, question, django_capture_on_commit_callbacks
):
    url = question.get_absolute_url()
    assert category.name in page(client, url)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:community_category_change", args=[category.pk]),
            {
                "name": "Setting up",
                "slug": category.slug,
                "description": "",
                "colour": category.colour,
                "position": 0,
                "parent": "",
                "who_can_start": category.who_can_start,
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]

    html = page(client, url)
    assert "Setting up" in html and "Getting started" not in html


def test_after_a_reparent_the_old_scopes_moderator_no_longer_gets_the_moderator_copy(
    client, admin_client, member, other_member, django_capture_on_commit_callbacks
):
    lighting, heating = build_category(name="Lighting"), build_category(name="Heating")
    bulbs = build_category(name="Bulbs", parent=lighting)
    thread = build_thread(member, category=bulbs, title="Which bulbs dim without flicker?")
    newcomer = build_member(username="newbie", trust_level=0)
    build_reply(newcomer, thread.opening_post, body="Held reply only moderators of bulbs see")
    lighting_moderator = build_moderator(category=lighting, username="lumen")
    client.force_login(lighting_moderator)
    assert "Held reply only moderators of bulbs see" in page(client, thread.get_absolute_url())

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:community_category_change", args=[bulbs.pk]),
            {
                "name": "Bulbs",
                "slug": bulbs.slug,
                "description": "",
                "colour": bulbs.colour,
                "position": 0,
                "parent": heating.pk,
                "who_can_start": bulbs.who_can_start,
            },
        )
    assert response.status_code == 302
    assert Category.objects.get(pk=bulbs.pk).parent_id == heating.pk

    assert "Held reply only moderators of bulbs see" not in page(client, thread.get_absolute_url())


def test_release_key_covers_code_as_well_as_templates(settings, tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text("<p>{{ thread.title }}</p>")
    (tmp_path / "community").mkdir()
    code = tmp_path / "community" / "selectors.py"
    code.write_text("FIELDS = ('title',)\n")
    settings.BASE_DIR = tmp_path
    before = caching._release()

    code.write_text("FIELDS = ('title', 'author')\n")

    assert caching._release() != before
