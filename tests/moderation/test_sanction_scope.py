"""Who may sanction whom: a moderator acts only below their own role, and a scoped one only in their categories."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from community.models import Thread
from moderation.models import AuditEntry, Flag, ReviewItem, Sanction
from moderation.services import sanctions, spam
from moderation.services.flags import flag_post
from tests.builders import build_category, build_member, build_moderator, build_reply, build_thread

pytestmark = pytest.mark.django_db


def fresh(user):
    return User.objects.get(pk=user.pk)


def soon(days=3):
    return timezone.now() + timedelta(days=days)


def sanction_rows():
    return list(Sanction.objects.order_by("pk").values_list("pk", "kind", "lifted_at"))


def user_rows():
    return list(User.objects.order_by("pk").values_list("pk", "is_active", "suspended_until"))


@pytest.fixture
def ideas():
    return build_category(name="Ideas")


@pytest.fixture
def ideas_moderator(ideas):
    return build_moderator(category=ideas, username="iris")


@pytest.fixture
def global_moderator():
    return build_moderator(username="gus")


@pytest.fixture
def poster(ideas):
    """A member with one thread in the ideas category."""
    author = build_member(username="pia")
    build_thread(author, category=ideas, kind="idea", title="Dark mode for the app")
    return author


# Scoped moderators act inside their categories -------------------------------------------------


def test_scoped_moderator_cannot_suspend_the_global_moderator(client, ideas, ideas_moderator, global_moderator):
    build_thread(global_moderator, category=ideas, kind="idea", title="Roadmap for next year")
    before = (sanction_rows(), user_rows())

    with pytest.raises(PermissionDenied):
        sanctions.suspend(ideas_moderator, member=global_moderator, until=soon(), reason="Because I can.")

    assert (sanction_rows(), user_rows()) == before
    client.force_login(global_moderator)
    assert client.get(reverse("moderation:queue")).status_code == 200


def test_scoped_moderator_cannot_lift_a_suspension_staff_imposed(ideas_moderator, poster, staff):
    suspension = sanctions.suspend(staff, member=poster, until=soon(), reason="Repeated spam.")

    with pytest.raises(PermissionDenied):
        sanctions.lift(ideas_moderator, sanction=suspension, reason="Let them back.")

    assert Sanction.objects.get(pk=suspension.pk).lifted_at is None
    assert fresh(poster).suspended_until == suspension.ends_at


def test_scoped_moderator_cannot_lift_a_warning_a_global_moderator_gave(ideas_moderator, poster, global_moderator):
    warning = sanctions.warn(global_moderator, member=poster, reason="Keep it civil.")

    with pytest.raises(PermissionDenied):
        sanctions.lift(ideas_moderator, sanction=warning, reason="Withdrawn.")

    assert Sanction.objects.get(pk=warning.pk).lifted_at is None


def test_scoped_moderator_cannot_sanction_a_member_with_no_content_in_their_categories(ideas_moderator, member):
    elsewhere = build_category(name="Billing")
    build_thread(member, category=elsewhere, title="Invoice is wrong")

    with pytest.raises(PermissionDenied, match="categories you moderate"):
        sanctions.warn(ideas_moderator, member=member, reason="Off topic.")
    with pytest.raises(PermissionDenied, match="categories you moderate"):
        sanctions.suspend(ideas_moderator, member=member, until=soon(), reason="Off topic.")

    assert not Sanction.objects.exists()
    assert not AuditEntry.objects.filter(target_type="member").exists()


def test_scoped_moderator_sanctions_a_member_who_posted_in_their_category(ideas_moderator, poster):
    sanctions.warn(ideas_moderator, member=poster, reason="Please stay on topic.")
    sanctions.suspend(ideas_moderator, member=poster, until=soon(), reason="Cooling off.")

    assert [kind for _, kind, _ in sanction_rows()] == [Sanction.Kind.WARNING, Sanction.Kind.SUSPENSION]
    assert fresh(poster).suspended_until is not None


def test_scoped_moderator_sanctions_for_a_reply_in_a_sub_category(ideas, ideas_moderator, member, other_member):
    mobile = build_category(name="Mobile ideas", parent=ideas)
    thread = build_thread(other_member, category=mobile, kind="idea", title="Widgets on the lock screen")
    build_reply(member, thread.opening_post, body="Rubbish idea.")

    sanctions.warn(ideas_moderator, member=member, reason="Be kind.")

    assert Sanction.objects.get().member == member


@pytest.mark.parametrize("role", ["scoped", "global", "staff"])
def test_scoped_moderator_never_sanctions_another_moderator_or_staff(ideas, ideas_moderator, role):
    target = {
        "scoped": lambda: build_moderator(category=ideas),
        "global": lambda: build_moderator(),
        "staff": lambda: build_member(is_staff_member=True),
    }[role]()
    build_thread(target, category=ideas, kind="idea", title="Something to vote on")

    with pytest.raises(PermissionDenied):
        sanctions.warn(ideas_moderator, member=target, reason="x")
    with pytest.raises(PermissionDenied):
        sanctions.suspend(ideas_moderator, member=target, until=soon(), reason="x")

    assert not Sanction.objects.exists()


def test_scoped_moderator_lifts_a_suspension_a_fellow_scoped_moderator_gave(ideas, ideas_moderator, poster):
    suspension = sanctions.suspend(build_moderator(category=ideas), member=poster, until=soon(), reason="x")

    sanctions.lift(ideas_moderator, sanction=suspension, reason="Appeal granted.")

    assert fresh(poster).suspended_until is None


# Global moderators act below their role ----------------------------------------------------------


def test_global_moderator_cannot_sanction_another_global_moderator(global_moderator):
    other = build_moderator()

    with pytest.raises(PermissionDenied):
        sanctions.warn(global_moderator, member=other, reason="x")
    with pytest.raises(PermissionDenied):
        sanctions.suspend(global_moderator, member=other, until=soon(), reason="x")
    with pytest.raises(PermissionDenied):
        sanctions.ban(global_moderator, member=other, reason="x")
    with pytest.raises(PermissionDenied):
        spam.purge_spammer(global_moderator, member=other, reason="x")

    assert fresh(other).is_active and fresh(other).suspended_until is None
    assert not Sanction.objects.exists()


def test_global_moderator_sanctions_a_scoped_moderator_anywhere(ideas, ideas_moderator, global_moderator):
    sanctions.suspend(global_moderator, member=ideas_moderator, until=soon(), reason="Abused the role.")

    assert fresh(ideas_moderator).suspended_until is not None


def test_staff_sanction_a_global_moderator(staff, global_moderator):
    sanctions.suspend(staff, member=global_moderator, until=soon(), reason="Abused the role.")

    assert fresh(global_moderator).suspended_until is not None


def test_global_moderator_cannot_lift_what_staff_imposed(staff, global_moderator, member):
    suspension = sanctions.suspend(staff, member=member, until=soon(), reason="x")
    ban = sanctions.ban(staff, member=build_member(), reason="x")

    with pytest.raises(PermissionDenied):
        sanctions.lift(global_moderator, sanction=suspension, reason="y")
    with pytest.raises(PermissionDenied):
        sanctions.lift(global_moderator, sanction=ban, reason="y")

    assert not Sanction.objects.exclude(lifted_at=None).exists()


def test_global_moderator_cannot_undo_a_spam_clean_up_staff_ran(staff, global_moderator, poster):
    spam.purge_spammer(staff, member=poster, reason="Spam account.")

    with pytest.raises(PermissionDenied):
        spam.unpurge_spammer(global_moderator, member=poster, reason="Not spam.")

    assert fresh(poster).is_active is False


def test_suspended_global_moderator_cannot_ban(global_moderator, member):
    User.objects.filter(pk=global_moderator.pk).update(suspended_until=soon())

    with pytest.raises(PermissionDenied):
        sanctions.ban(fresh(global_moderator), member=member, reason="x")
    with pytest.raises(PermissionDenied):
        spam.purge_spammer(fresh(global_moderator), member=member, reason="x")

    assert fresh(member).is_active


# Pages offer only what is allowed ----------------------------------------------------------------


def sanction_url(member):
    return reverse("moderation:sanction", kwargs={"username": member.username})


def test_member_page_offers_a_scoped_moderator_no_sanction_outside_their_categories(client, ideas_moderator, member):
    client.force_login(ideas_moderator)

    page = client.get(reverse("moderation:member", kwargs={"username": member.username})).content.decode()
    response = client.post(sanction_url(member), {"kind": "warning", "warning-reason": "x"})

    assert "Send the warning" not in page and 'value="suspension"' not in page
    assert "categories you moderate" in page
    assert response.status_code == 403 and not Sanction.objects.exists()


def test_member_page_offers_a_scoped_moderator_sanctions_in_their_categories(client, ideas_moderator, poster):
    client.force_login(ideas_moderator)

    page = client.get(reverse("moderation:member", kwargs={"username": poster.username})).content.decode()
    response = client.post(sanction_url(poster), {"kind": "warning", "warning-reason": "Stay on topic."})

    assert "Send the warning" in page and 'value="suspension"' in page and 'value="ban"' not in page
    assert response.status_code == 302 and Sanction.objects.get().member == poster


def test_member_page_offers_no_lift_of_a_higher_roles_sanction(client, ideas, ideas_moderator, poster, staff):
    by_staff = sanctions.suspend(staff, member=poster, until=soon(), reason="x")
    by_peer = sanctions.warn(build_moderator(category=ideas), member=poster, reason="y")
    client.force_login(ideas_moderator)

    page = client.get(reverse("moderation:member", kwargs={"username": poster.username})).content.decode()
    refused = client.post(
        reverse("moderation:lift", kwargs={"pk": by_staff.pk}), {f"lift-{by_staff.pk}-reason": "Let them back."}
    )

    assert reverse("moderation:lift", kwargs={"pk": by_staff.pk}) not in page
    assert reverse("moderation:lift", kwargs={"pk": by_peer.pk}) in page
    assert refused.status_code == 403
    assert Sanction.objects.get(pk=by_staff.pk).lifted_at is None


def test_queue_offers_warn_or_suspend_only_for_authors_the_moderator_may_sanction(
    client, ideas, ideas_moderator, poster
):
    colleague = build_moderator(category=ideas)
    thread = Thread.objects.get(author=poster)
    by_poster = build_reply(poster, thread.opening_post, body="Buy cheap watches here.")
    by_colleague = build_reply(colleague, thread.opening_post, body="Please keep this on topic.")
    for post in (by_poster, by_colleague):
        flag_post(build_member(), post=post, reason=Flag.Reason.SPAM)
    client.force_login(ideas_moderator)

    page = client.get(reverse("moderation:queue")).content.decode()

    poster_item = ReviewItem.objects.get(post=by_poster)
    colleague_item = ReviewItem.objects.get(post=by_colleague)
    assert _item_html(page, poster_item).count("Warn or suspend") == 1
    assert "Warn or suspend" not in _item_html(page, colleague_item)


def _item_html(page: str, item: ReviewItem) -> str:
    start = page.index(f'id="item-{item.pk}"')
    end = page.find("</article>", start)
    return page[start:end]


def test_member_page_offers_no_undo_of_a_clean_up_staff_ran(client, staff, global_moderator, poster):
    spam.purge_spammer(staff, member=poster, reason="Spam account.")
    client.force_login(global_moderator)

    page = client.get(reverse("moderation:member", kwargs={"username": poster.username})).content.decode()

    assert "Cleaned up" in page and reverse("moderation:unpurge", kwargs={"username": poster.username}) not in page
    client.force_login(staff)
    page = client.get(reverse("moderation:member", kwargs={"username": poster.username})).content.decode()
    assert reverse("moderation:unpurge", kwargs={"username": poster.username}) in page
