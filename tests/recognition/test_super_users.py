"""Super users: staff nominate and remove them, the page that lists them, and the trust their flags carry."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from community.services import posts
from moderation.models import AuditEntry
from moderation.services import sanctions, trust
from recognition.models import SuperUserChange
from recognition.services import super_users as services
from recognition.standing import set_super_user
from tests.builders import build_category, build_member, build_reply, build_thread

pytestmark = pytest.mark.django_db

VISITOR, MEMBER, TARGET, MODERATOR, SUSPENDED, STAFF = "visitor", "member", "target", "moderator", "suspended", "staff"
REFUSED = (VISITOR, MEMBER, TARGET, MODERATOR, SUSPENDED)


@pytest.fixture
def target(db):
    return build_member(username="sam", display_name="Sam Helper")


@pytest.fixture
def actors(member, target, moderator, staff):
    suspended = build_member(username="sid")
    sanctions.suspend(staff, member=suspended, until=timezone.now() + timedelta(days=3), reason="Cool off")
    return {VISITOR: None, MEMBER: member, TARGET: target, MODERATOR: moderator, SUSPENDED: suspended, STAFF: staff}


def nothing_changed(target, status=User.SuperUser.NONE, *, changes=0):
    """`target` still has `status`, with `changes` recorded changes and no audit entry about it."""
    target.refresh_from_db()
    return (
        target.super_user == status
        and SuperUserChange.objects.filter(member=target).count() == changes
        and not AuditEntry.objects.filter(target_type="member", target_id=target.pk, action__startswith="super_user")
    )


def as_actor(client, actors, who):
    if actors[who] is not None:
        client.force_login(actors[who])
    return client


@pytest.mark.parametrize("who", REFUSED)
def test_nominating_by_anyone_but_staff_is_refused_and_changes_nothing(client, actors, target, who):
    response = as_actor(client, actors, who).post(
        reverse("recognition:nominate_super_user"), {"username": target.username, "note": "Great"}
    )

    assert response.status_code == 403
    assert nothing_changed(target)


@pytest.mark.parametrize("who", REFUSED)
def test_removing_by_anyone_but_staff_is_refused_and_changes_nothing(client, actors, target, who):
    set_super_user(target, User.SuperUser.EARNED)

    response = as_actor(client, actors, who).post(reverse("recognition:remove_super_user", args=[target.username]))

    assert response.status_code == 403
    assert nothing_changed(target, User.SuperUser.EARNED, changes=1)


@pytest.mark.parametrize("who", [MEMBER, TARGET, MODERATOR, SUSPENDED])
def test_the_services_refuse_anyone_but_staff(actors, target, who):
    with pytest.raises(PermissionDenied):
        services.nominate_super_user(actors[who], member=target)
    with pytest.raises(PermissionDenied):
        services.remove_super_user(actors[who], member=target)
    assert nothing_changed(target)


@pytest.mark.parametrize("who", REFUSED)
def test_only_staff_see_the_nominate_form(client, actors, who):
    html = as_actor(client, actors, who).get(reverse("recognition:super_users")).content.decode()

    assert "Nominate a super user" not in html


def test_staff_nominate_a_super_user_on_the_record(client, staff, target):
    client.force_login(staff)

    response = client.post(
        reverse("recognition:nominate_super_user"), {"username": "@SAM", "note": "Answers every night"}
    )

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.is_super_user and target.super_user == User.SuperUser.NOMINATED
    change = SuperUserChange.objects.get(member=target)
    assert (change.decided_by, change.note) == (staff, "Answers every night")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SUPER_USER_NOMINATED)
    assert (entry.actor, entry.target_id, entry.reason) == (staff, target.pk, "Answers every night")
    assert (entry.before, entry.after) == ({"super_user": ""}, {"super_user": "nominated"})
    assert "Sam Helper" in client.get(reverse("recognition:super_users")).content.decode()


def test_staff_remove_a_super_user_on_the_record(client, staff, target):
    services.nominate_super_user(staff, member=target)
    client.force_login(staff)

    response = client.post(reverse("recognition:remove_super_user", args=["sam"]), {"note": "Rude to members"})

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.super_user == User.SuperUser.REMOVED and not target.is_super_user
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SUPER_USER_REMOVED)
    assert (entry.actor, entry.reason, entry.after) == (staff, "Rude to members", {"super_user": "removed"})
    assert "Sam Helper" not in client.get(reverse("recognition:super_users")).content.decode()


@pytest.mark.counters_unchecked  # reputation set by hand
def test_removed_stays_removed_past_the_reputation_threshold(client, settings, staff, target):
    set_super_user(target, User.SuperUser.EARNED)
    services.remove_super_user(staff, member=target, note="Rude to members")
    User.objects.filter(pk=target.pk).update(reputation=settings.RECOGNITION_SUPER_USER_REPUTATION * 3)

    target.refresh_from_db()
    assert target.super_user == User.SuperUser.REMOVED and not target.is_super_user
    assert trust.recalculate_trust(target) < trust.TOP_LEVEL
    assert "Sam Helper" not in client.get(reverse("recognition:super_users")).content.decode()
    # Only the team gives it back.
    services.nominate_super_user(staff, member=target)
    target.refresh_from_db()
    assert target.is_super_user


def test_nominating_someone_who_earned_it_changes_nothing(staff, target):
    set_super_user(target, User.SuperUser.EARNED)

    services.nominate_super_user(staff, member=target, note="Already is")

    target.refresh_from_db()
    assert target.super_user == User.SuperUser.EARNED
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.SUPER_USER_NOMINATED).exists()


def test_a_note_that_is_too_long_is_refused_with_a_field_error(client, staff, target):
    client.force_login(staff)

    response = client.post(
        reverse("recognition:nominate_super_user"), {"username": "sam", "note": "x" * (services.NOTE_MAX_LENGTH + 1)}
    )

    assert response.status_code == 400
    assert "note" in response.context["form"].errors
    assert nothing_changed(target)
    with pytest.raises(ValidationError):
        services.nominate_super_user(staff, member=target, note="x" * (services.NOTE_MAX_LENGTH + 1))
    assert nothing_changed(target)


def test_a_removal_note_that_is_too_long_is_refused(client, staff, target):
    set_super_user(target, User.SuperUser.NOMINATED)
    client.force_login(staff)

    response = client.post(
        reverse("recognition:remove_super_user", args=["sam"]), {"note": "x" * (services.NOTE_MAX_LENGTH + 1)}
    )

    assert response.status_code == 400
    assert nothing_changed(target, User.SuperUser.NOMINATED, changes=1)


@pytest.mark.parametrize(("username", "error"), [("nobody", "No member is called @nobody"), ("banned", "is banned")])
def test_nominating_a_missing_or_banned_member_shows_why(client, staff, username, error):
    banned = build_member(username="banned")
    sanctions.ban(staff, member=banned, reason="Spam")
    client.force_login(staff)

    response = client.post(reverse("recognition:nominate_super_user"), {"username": username})

    assert response.status_code == 400
    assert error in str(response.context["form"].errors["username"])
    assert not SuperUserChange.objects.exists()


def test_removing_an_unknown_member_is_not_found(client, staff):
    client.force_login(staff)

    assert client.post(reverse("recognition:remove_super_user", args=["nobody"])).status_code == 404


# Trust --------------------------------------------------------------------------------------------


def test_a_super_user_stands_at_the_top_trust_level(staff, target):
    assert trust.recalculate_trust(target) < trust.TOP_LEVEL

    services.nominate_super_user(staff, member=target)

    target.refresh_from_db()
    assert target.trust_level == trust.TOP_LEVEL
    assert AuditEntry.objects.filter(action=AuditEntry.Action.TRUST_CHANGED, target_id=target.pk).exists()


def test_removing_a_super_user_takes_the_trust_it_gave_away(staff, target):
    services.nominate_super_user(staff, member=target)

    services.remove_super_user(staff, member=target)

    target.refresh_from_db()
    assert target.trust_level == trust.level_for(trust.member_activity(target))


@pytest.mark.parametrize(
    ("sanction", "cap"),
    [
        (lambda staff, member: sanctions.warn(staff, member=member, reason="Be kind"), 1),
        (
            lambda staff, member: sanctions.suspend(
                staff, member=member, until=timezone.now() + timedelta(days=2), reason="Cool off"
            ),
            0,
        ),
    ],
    ids=["warning", "suspension"],
)
def test_a_sanction_still_caps_a_super_users_trust(staff, target, sanction, cap):
    set_super_user(target, User.SuperUser.NOMINATED)
    sanction(staff, target)

    assert trust.recalculate_trust(target) == cap


def test_a_super_users_flag_weighs_the_most_a_members_can(staff, target, settings):
    services.nominate_super_user(staff, member=target)

    target.refresh_from_db()
    assert settings.MODERATION_FLAG_WEIGHTS[target.trust_level] == max(settings.MODERATION_FLAG_WEIGHTS.values())


# The page -----------------------------------------------------------------------------------------


def helper_in(member, categories, asker, *, accepted=0, replies=0):
    """`replies` replies (the first `accepted` of them accepted) by `member` in each of `categories`."""
    for category in categories:
        for n in range(replies):
            thread = build_thread(asker, category=category, title=f"Question {n} in {category.name}")
            answer = build_reply(member, thread.opening_post, body=f"Answer {n}")
            if n < accepted:
                posts.accept_answer(asker, post=answer)


@pytest.mark.counters_unchecked  # reputation set by hand
def test_the_page_lists_super_users_by_reputation_with_where_they_help_most(client, member, target):
    lighting, heating, cameras, locks = (build_category(name=n) for n in ("Lighting", "Heating", "Cameras", "Locks"))
    helper_in(target, [lighting], member, replies=4)
    helper_in(target, [heating], member, replies=2, accepted=2)  # 2 accepted outweigh 4 replies
    helper_in(target, [cameras], member, replies=1)
    helper_in(target, [locks], member, replies=1)
    top = build_member(username="tia", display_name="Tia Top")
    User.objects.filter(pk=top.pk).update(reputation=2000)
    User.objects.filter(pk=target.pk).update(reputation=1200)
    for person in (top, target):
        set_super_user(person, User.SuperUser.EARNED)
    build_member(username="notsuper", display_name="Not Super")

    html = client.get(reverse("recognition:super_users")).content.decode()

    assert html.index("Tia Top") < html.index("Sam Helper") and "Not Super" not in html
    helps = html[html.index("Sam Helper") :]
    helps = helps[: helps.index("</li>")]
    assert helps.index("Heating") < helps.index("Lighting") < helps.index("Cameras")
    assert "Locks" not in helps  # the top three only
    assert "Expert" in helps and "1,200 reputation" in helps


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "staff"])
def test_the_page_costs_the_same_queries_however_many_super_users(
    client, signed_in, staff, member, django_assert_max_num_queries
):
    if signed_in:
        client.force_login(staff)
    categories = [build_category(name=f"Category {n}") for n in range(4)]

    def add_super_users(count):
        for _ in range(count):
            helper = build_member()
            helper_in(helper, categories, member, replies=1)
            set_super_user(helper, User.SuperUser.EARNED)

    add_super_users(1)
    client.get(reverse("recognition:super_users"))  # a member's bell is counted once, then cached
    with django_assert_max_num_queries(5 if signed_in else 2) as few:
        client.get(reverse("recognition:super_users"))
    add_super_users(6)
    with django_assert_max_num_queries(len(few)) as many:
        response = client.get(reverse("recognition:super_users"))
    assert response.content.decode().count("super-user-card") == 7
    assert len(few) == len(many)


def test_the_page_is_linked_from_every_page_footer(client):
    assert f'href="{reverse("recognition:super_users")}"' in client.get(reverse("home")).content.decode()
