"""The badge pages, and staff giving the thank-you badge: who may, and what a refusal leaves unchanged."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import User
from accounts.services import update_profile
from moderation.models import AuditEntry
from moderation.services import sanctions
from outbox.models import Event
from recognition import awarding, badge_selectors, badges, permissions
from recognition.models import Award
from recognition.services.badges import CITATION_MAX, give_badge
from tests.builders import build_category, build_member, build_moderator

pytestmark = pytest.mark.django_db

CITATION = "Walked three newcomers through pairing their hubs over a weekend."


def badge_url(slug):
    return reverse("recognition:badge", kwargs={"slug": slug})


def give_url(slug="thank-you"):
    return reverse("recognition:give_badge", kwargs={"slug": slug})


def holders_of(slug, n, *, prefix="holder"):
    """`n` members holding an automatic badge, awarded as the engine awards them."""
    awarded = []
    for i in range(n):
        member = build_member(username=f"{prefix}{i}")
        awarding.award(slug, member.pk)
        awarded.append(member)
    return awarded


def changes():
    """What giving a badge writes; a refusal must leave every count as it was."""
    return (Award.objects.count(), AuditEntry.objects.count(), Event.objects.filter(type="BadgeAwarded").count())


# The list of badges --------------------------------------------------------------------


def test_badge_list_shows_every_badge_by_tier_with_its_holder_count(client):
    holders_of("first-answer", 3)

    response = client.get(reverse("recognition:badges"))

    assert response.status_code == 200
    html = response.content.decode()
    for badge in badges.CATALOGUE:
        assert escape(badge.name) in html
        assert badge_url(badge.slug) in html
    assert html.index("Gold badges") < html.index("Silver badges") < html.index("Bronze badges")
    assert "Held by 3 members" in html


def test_badge_list_counts_a_member_thanked_twice_once(client, staff, member):
    give_badge(staff, member=member, badge="thank-you", citation=CITATION)
    give_badge(staff, member=member, badge="thank-you", citation="And again, for the migration guide.")

    response = client.get(reverse("recognition:badges"))

    assert "Held by 1 member" in response.content.decode()


def test_badge_list_query_count_is_constant_as_holders_grow(client, django_assert_max_num_queries, a_minute_later):
    holders_of("first-answer", 2, prefix="early")
    with django_assert_max_num_queries(1):
        client.get(reverse("recognition:badges"))
    holders_of("first-answer", 20, prefix="late")
    holders_of("welcomer", 5, prefix="welcoming")
    a_minute_later()

    with django_assert_max_num_queries(1):
        response = client.get(reverse("recognition:badges"))

    assert "Held by 20" not in response.content.decode()
    assert "Held by 22 members" in response.content.decode()


# One badge's page ----------------------------------------------------------------------


def test_badge_page_shows_its_rule_tier_and_holders_newest_first(client):
    older, newer = holders_of("welcomer", 2)
    Award.objects.filter(member=older).update(awarded_at=timezone.now() - timedelta(days=2))

    response = client.get(badge_url("welcomer"))

    html = response.content.decode()
    assert response.status_code == 200
    assert escape(badges.get("welcomer").rule) in html
    assert "Bronze badge" in html
    assert "Held by 2 members." in html
    assert html.index(f"@{newer.username}") < html.index(f"@{older.username}")


def test_badge_page_shows_the_category_of_a_per_category_award(client, member, category):
    awarding.award("category-expert", member.pk, category_id=category.pk)

    html = client.get(badge_url("category-expert")).content.decode()

    assert f'href="{category.get_absolute_url()}"' in html


def test_thank_you_page_shows_each_citation_and_who_gave_it(client, staff, member):
    give_badge(staff, member=member, badge="thank-you", citation="Wrote <b>the</b> guide to scenes.")

    html = client.get(badge_url("thank-you")).content.decode()

    assert "Wrote &lt;b&gt;the&lt;/b&gt; guide to scenes." in html
    assert f"from {staff.name}" in html


def test_badge_page_never_shows_private_data_or_banned_holders(client, member, other_member):
    awarding.award("one-year", member.pk)
    awarding.award("one-year", other_member.pk)
    User.objects.filter(pk=other_member.pk).update(is_active=False)

    html = client.get(badge_url("one-year")).content.decode()

    assert f"@{member.username}" in html
    assert member.email not in html
    assert f"@{other_member.username}" not in html
    assert "Held by 1 member." in html


def test_badge_page_is_paginated(client):
    holders_of("first-answer", 31)

    first = client.get(badge_url("first-answer")).content.decode()
    second = client.get(badge_url("first-answer"), {"page": 2}).content.decode()

    assert "Page 1 of 2" in first
    assert first.count('class="badge-holder"') == 30
    assert second.count('class="badge-holder"') == 1


def test_unknown_badge_is_not_found(client):
    assert client.get(badge_url("no-such-badge")).status_code == 404


@pytest.mark.parametrize("signed_in", [False, True])
def test_badge_page_query_count_is_constant_as_holders_grow(
    client, member, signed_in, django_assert_max_num_queries, a_minute_later
):
    if signed_in:
        client.force_login(member)
    holders_of("first-answer", 2, prefix="early")
    with django_assert_max_num_queries(6) as few:
        client.get(badge_url("first-answer"))
    holders_of("first-answer", 25, prefix="late")
    a_minute_later()

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(badge_url("first-answer"))

    assert response.content.decode().count('class="badge-holder"') == 27


def test_give_button_shows_on_the_thank_you_page_for_staff_only(client, staff, member):
    assert give_url() not in client.get(badge_url("thank-you")).content.decode()
    client.force_login(member)
    assert give_url() not in client.get(badge_url("thank-you")).content.decode()
    client.force_login(staff)
    assert give_url() in client.get(badge_url("thank-you")).content.decode()
    assert give_url("first-answer") not in client.get(badge_url("first-answer")).content.decode()


def test_badge_chip_carries_its_tier_name_and_link():
    html = render_to_string("recognition/partials/badge_chip.html", {"badge": badges.get("helpful-250"), "times": 1})

    assert 'class="badge-chip badge-chip-gold"' in html
    assert f'href="{badge_url("helpful-250")}"' in html
    assert "Pillar of the community" in html
    assert "gold badge" in html
    assert "badge-chip-times" not in html


# Giving the thank-you badge --------------------------------------------------------------


@pytest.fixture
def suspended(staff):
    member = build_member(username="sam")
    sanctions.suspend(staff, member=member, until=timezone.now() + timedelta(days=3), reason="Cooling off.")
    member.refresh_from_db()
    return member


@pytest.fixture
def target(db):
    return build_member(username="tara", display_name="Tara Quinn")


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("visitor", 302),
        ("member", 403),
        ("target", 403),
        ("moderator", 403),
        ("suspended", 403),
        ("staff", 302),
    ],
)
def test_giving_a_badge_is_for_staff_only(client, request, target, actor, status):
    user = None if actor == "visitor" else request.getfixturevalue(actor)
    if user is not None:
        client.force_login(user)
    before = changes()

    response = client.post(give_url(), {"member": target.username, "citation": CITATION})

    assert response.status_code == status
    if actor == "staff":
        assert response["Location"] == badge_url("thank-you")
        award = Award.objects.get()
        assert (award.member, award.badge, award.citation, award.awarded_by) == (target, "thank-you", CITATION, user)
        entry = AuditEntry.objects.get()
        assert (entry.actor, entry.action, entry.target_id, entry.reason) == (user, "badge_given", target.pk, CITATION)
    else:
        assert changes() == before
        if actor == "visitor":
            assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("actor", ["member", "moderator", "suspended"])
def test_the_give_form_is_refused_to_non_staff(client, request, actor):
    client.force_login(request.getfixturevalue(actor))

    assert client.get(give_url()).status_code == 403


def test_a_too_long_citation_is_refused_on_its_field_and_nothing_changes(client, staff, target):
    client.force_login(staff)
    before = changes()

    response = client.post(give_url(), {"member": target.username, "citation": "x" * (CITATION_MAX + 1)})

    assert response.status_code == 400
    assert response.context["form"].errors["citation"]
    assert 'id="id_citation_error"' in response.content.decode()
    assert changes() == before


def test_a_citation_of_exactly_the_limit_is_accepted(client, staff, target):
    client.force_login(staff)

    client.post(give_url(), {"member": target.username, "citation": "x" * CITATION_MAX})

    assert Award.objects.get().citation == "x" * CITATION_MAX


@pytest.mark.parametrize(
    ("member", "citation", "field"),
    [("tara", "   ", "citation"), ("nobody-here", CITATION, "member"), ("tess", CITATION, "member")],
    ids=["blank citation", "unknown member", "yourself"],
)
def test_a_bad_gift_is_refused_on_its_field_and_nothing_changes(client, staff, target, member, citation, field):
    client.force_login(staff)
    before = changes()

    response = client.post(give_url(), {"member": member, "citation": citation})

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert changes() == before


def test_an_earned_badge_cannot_be_given_by_hand(client, staff, target):
    client.force_login(staff)

    response = client.post(give_url("first-answer"), {"member": target.username, "citation": CITATION})

    assert response.status_code == 404
    assert not Award.objects.exists()
    with pytest.raises(ValidationError):
        give_badge(staff, member=target, badge="first-answer", citation=CITATION)


def test_the_give_form_is_prefilled_from_the_profile_link(client, staff, target):
    client.force_login(staff)

    response = client.get(give_url(), {"member": target.username})

    assert response.status_code == 200
    assert response.context["form"]["member"].value() == target.username


def test_a_member_can_be_thanked_more_than_once_each_with_its_own_citation(staff, target):
    give_badge(staff, member=target, badge="thank-you", citation=CITATION)
    give_badge(staff, member=target, badge="thank-you", citation="For the firmware notes.")

    assert Award.objects.filter(member=target, badge="thank-you").count() == 2
    assert Event.objects.filter(type="BadgeAwarded").count() == 2


def test_give_badge_refuses_non_staff_and_banned_members(member, staff, target):
    with pytest.raises(PermissionDenied):
        give_badge(member, member=target, badge="thank-you", citation=CITATION)
    User.objects.filter(pk=target.pk).update(is_active=False)
    target.refresh_from_db()
    with pytest.raises(ValidationError):
        give_badge(staff, member=target, badge="thank-you", citation=CITATION)
    assert not Award.objects.exists()


def test_only_active_unsuspended_staff_may_give_badges(member, moderator, staff, suspended):
    from django.contrib.auth.models import AnonymousUser

    assert permissions.can_give_badge(staff)
    assert not permissions.can_give_badge(member)
    assert not permissions.can_give_badge(moderator)
    assert not permissions.can_give_badge(suspended)
    assert not permissions.can_give_badge(AnonymousUser())
    User.objects.filter(pk=staff.pk).update(suspended_until=timezone.now() + timedelta(days=1))
    staff.refresh_from_db()
    assert not permissions.can_give_badge(staff)


def test_a_category_moderator_may_not_give_badges_either(client, target):
    scoped = build_moderator(username="cami", category=build_category(name="Billing"))
    client.force_login(scoped)

    assert client.post(give_url(), {"member": target.username, "citation": CITATION}).status_code == 403
    assert not Award.objects.exists()


def test_a_members_badges_come_gold_first_with_how_often_they_were_given(
    staff, member, category, django_assert_num_queries
):
    awarding.award("first-answer", member.pk)
    awarding.award("category-expert", member.pk, category_id=category.pk)
    give_badge(staff, member=member, badge="thank-you", citation=CITATION)
    give_badge(staff, member=member, badge="thank-you", citation="For the firmware notes.")
    awarding.award("one-year", staff.pk)

    with django_assert_num_queries(1):
        held = badge_selectors.member_badges(member.pk)

    assert [(h.badge.slug, h.times) for h in held] == [("thank-you", 2), ("category-expert", 1), ("first-answer", 1)]


@pytest.mark.parametrize("signed_in", [False, True])
def test_badge_pages_are_shared_for_a_minute_then_show_new_holders(
    client, member, signed_in, django_assert_max_num_queries, a_minute_later
):
    if signed_in:
        client.force_login(member)
    holders_of("first-answer", 2, prefix="early")
    client.get(reverse("recognition:badges"))
    client.get(badge_url("first-answer"))
    holders_of("first-answer", 3, prefix="late")

    # Within the minute, the shared copies: no badge or holder query; a member's row and bell, no more.
    with django_assert_max_num_queries(2 if signed_in else 0):
        listing = client.get(reverse("recognition:badges")).content.decode()
    with django_assert_max_num_queries(2 if signed_in else 0):
        holders = client.get(badge_url("first-answer")).content.decode()
    assert "Held by 2 members" in listing
    assert holders.count('class="badge-holder"') == 2

    a_minute_later()
    assert "Held by 5 members" in client.get(reverse("recognition:badges")).content.decode()
    assert client.get(badge_url("first-answer")).content.decode().count('class="badge-holder"') == 5


def test_made_up_badge_page_numbers_share_one_copy(client):
    holders_of("first-answer", 2, prefix="early")
    for page in ("2", "999999", "x"):
        response = client.get(badge_url("first-answer") + f"?page={page}")
        assert response.status_code == 200
        assert response.content.decode().count('class="badge-holder"') == 2


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_holders_new_name_shows_on_the_cached_badge_pages_at_once(
    client, member, signed_in, django_capture_on_commit_callbacks
):
    holder = build_member(username="olaf", display_name="Olaf Jensen")
    awarding.award("first-answer", holder.pk)
    if signed_in:
        client.force_login(member)
    assert "Olaf Jensen" in client.get(badge_url("first-answer")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        update_profile(holder, display_name="Olaf the Helpful", bio="")

    html = client.get(badge_url("first-answer")).content.decode()
    assert "Olaf the Helpful" in html
    assert "Olaf Jensen" not in html
