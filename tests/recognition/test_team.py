"""Meet the team: who works here, what they look after, and how staff describe themselves."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import User
from accounts.services import update_profile
from tests.builders import build_member, build_reply

pytestmark = pytest.mark.django_db


def on_the_team(member, *, role="", focus="", bio=""):
    User.objects.filter(pk=member.pk).update(staff_role=role, team_focus=focus, bio=bio)
    member.refresh_from_db()
    return member


def card(html: str, username: str) -> str:
    start = html.index(f'id="member-{username}"')
    return html[start : html.index("</li>", start)]


def test_team_page_shows_each_staff_member_with_role_focus_and_bio(client, staff, member):
    on_the_team(staff, role="Support engineer", focus="Hubs, bulbs and pairing", bio="Ten years of fixing Wi-Fi.")

    response = client.get(reverse("recognition:team"))

    assert response.status_code == 200
    html = response.content.decode()
    tess = card(html, "tess")
    assert "Tess Nakamura" in tess and "Support engineer" in tess
    assert "Hubs, bulbs and pairing" in tess and "Ten years of fixing Wi-Fi." in tess
    assert 'class="avatar avatar-lg avatar-initials' in tess  # no photo: initials
    assert 'id="member-maria"' not in html


def test_team_page_leaves_out_closed_accounts(client, staff, moderator):
    gone = build_member(username="gone", is_staff_member=True)
    User.objects.filter(pk=gone.pk).update(is_active=False)

    html = client.get(reverse("recognition:team")).content.decode()

    assert 'id="member-tess"' in html and 'id="member-gone"' not in html
    assert 'id="member-mona"' not in html  # moderators are members, not the team


def test_team_page_escapes_what_staff_wrote(client, staff):
    on_the_team(staff, role="<b>Boss</b>", focus="<script>alert(1)</script>")

    html = client.get(reverse("recognition:team")).content.decode()

    assert "<script>alert(1)</script>" not in html and "&lt;b&gt;Boss&lt;/b&gt;" in html


def test_team_page_costs_the_same_queries_however_large_the_team(
    client, django_assert_max_num_queries, a_minute_later
):
    build_member(is_staff_member=True)
    with django_assert_max_num_queries(1) as few:
        client.get(reverse("recognition:team"))
    for _ in range(8):
        on_the_team(build_member(is_staff_member=True), role="Engineer", focus="Everything", bio="Hello")
    a_minute_later()
    with django_assert_max_num_queries(1):
        response = client.get(reverse("recognition:team"))
    assert response.content.decode().count('class="card team-card"') == 9
    assert len(few) == 1
    # Within the minute, the shared copy.
    with django_assert_max_num_queries(0):
        client.get(reverse("recognition:team"))


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_cached_team_page_shows_a_new_role_on_the_next_request(
    client, member, signed_in, django_capture_on_commit_callbacks
):
    if signed_in:
        client.force_login(member)
    person = on_the_team(build_member(is_staff_member=True), role="Engineer", focus="Hubs", bio="Hello")
    assert "Engineer" in client.get(reverse("recognition:team")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        update_profile(person, display_name=person.display_name, bio="Hello", staff_role="Head of support")

    html = client.get(reverse("recognition:team")).content.decode()
    assert "Head of support" in html
    assert "Engineer" not in html


def test_header_links_to_the_team_page_for_visitors_and_members(client, member):
    link = f'<a class="nav-link" href="{reverse("recognition:team")}">Team</a>'
    assert link in client.get(reverse("home")).content.decode()
    client.force_login(member)
    assert link in client.get(reverse("home")).content.decode()
    current = f'<a class="nav-link" href="{reverse("recognition:team")}" aria-current="page">Team</a>'
    assert current in client.get(reverse("recognition:team")).content.decode()


def test_every_staff_marker_leads_to_that_members_card(client, staff, question):
    on_the_team(staff, role="Support engineer")
    build_reply(staff, question.opening_post, body="We shipped a fix.")
    thread_page = client.get(question.get_absolute_url()).content.decode()
    home = client.get(reverse("home")).content.decode()

    for html in (thread_page, home):
        assert 'href="/team/#member-tess"' in html
    assert 'id="member-tess"' in client.get(reverse("recognition:team")).content.decode()


# Staff describe themselves -----------------------------------------------------------------------


def settings_post(**fields):
    return {"display_name": "", "bio": "", **fields}


def test_staff_edit_their_role_and_focus_in_their_settings(client, staff):
    client.force_login(staff)
    form = client.get(reverse("accounts:settings")).content.decode()
    assert 'name="staff_role"' in form and 'name="team_focus"' in form

    response = client.post(
        reverse("accounts:settings"), settings_post(staff_role="  Community manager ", team_focus="Events")
    )

    assert response.status_code == 302
    staff.refresh_from_db()
    assert (staff.staff_role, staff.team_focus) == ("Community manager", "Events")


def test_members_are_not_offered_the_team_fields_and_what_they_post_for_them_is_ignored(client, member):
    client.force_login(member)
    form = client.get(reverse("accounts:settings")).content.decode()
    assert 'name="staff_role"' not in form and 'name="team_focus"' not in form

    response = client.post(
        reverse("accounts:settings"),
        settings_post(display_name="Maria", staff_role="Head of support", team_focus="Refunds"),
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.display_name == "Maria"
    assert (member.staff_role, member.team_focus) == ("", "")


def test_the_profile_service_refuses_a_role_from_a_member(member):
    with pytest.raises(PermissionDenied):
        update_profile(member, display_name="", bio="", staff_role="Head of support")
    member.refresh_from_db()
    assert member.staff_role == ""


def test_a_role_that_is_too_long_is_a_field_error(client, staff):
    client.force_login(staff)

    response = client.post(reverse("accounts:settings"), settings_post(staff_role="x" * 61))

    assert response.status_code == 200
    assert "staff_role" in response.context["form"].errors
    staff.refresh_from_db()
    assert staff.staff_role == ""


def test_the_admin_shows_and_saves_the_team_fields(admin_client, staff):
    on_the_team(staff, role="Support engineer", focus="Hubs")
    url = reverse("admin:accounts_user_change", args=[staff.pk])

    html = admin_client.get(url).content.decode()

    assert 'name="staff_role"' in html and 'value="Support engineer"' in html
    assert 'name="team_focus"' in html and "Hubs" in html
    assert "Support engineer" in admin_client.get(reverse("admin:accounts_user_changelist")).content.decode()
