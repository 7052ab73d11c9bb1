"""The staff's worklist of unanswered questions: reached from the menu, and each question's owner given by hand
or by the ladder, always audited."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community.models import Thread
from moderation.models import AuditEntry
from notifications import escalation
from notifications.models import EscalationStep
from tests.builders import build_member, build_reply, build_thread
from tests.helpers import parse_html

pytestmark = pytest.mark.django_db

WORKLIST = reverse("notifications:unanswered")


def ask(author, category, *, hours_ago: float, title="How do I pair a new bulb?") -> Thread:
    thread = build_thread(author, category=category, title=title)
    Thread.objects.filter(pk=thread.pk).update(created_at=timezone.now() - timedelta(hours=hours_ago))
    thread.refresh_from_db()
    return thread


def owner_of(thread):
    return EscalationStep.objects.filter(thread=thread, step="escalated").values_list("owner_id", flat=True).first()


def owner_entries():
    return list(
        AuditEntry.objects.filter(action=AuditEntry.Action.QUESTION_OWNER)
        .order_by("pk")
        .values_list("actor_id", "target_id", "before", "after")
    )


@pytest.fixture
def teammate(db):
    return build_member(username="theo", display_name="Theo Park", is_staff_member=True)


def assign(client, user, thread, owner):
    client.force_login(user)
    return client.post(reverse("notifications:assign_owner", args=[thread.pk]), {"owner": owner.pk})


def test_the_menu_links_staff_to_the_worklist(client, staff):
    client.force_login(staff)

    page = parse_html(client.get(reverse("home")).content)

    assert page.find("a", href=WORKLIST) is not None


@pytest.mark.parametrize("who", ["member", "moderator"])
def test_the_menu_does_not_link_others_to_the_worklist(client, who, member, moderator):
    client.force_login({"member": member, "moderator": moderator}[who])

    page = parse_html(client.get(reverse("home")).content)

    assert page.find("a", href=WORKLIST) is None


def test_the_ladders_own_assignment_is_audited_without_an_actor(after_commit, member, category, staff):
    question = ask(member, category, hours_ago=30)

    after_commit(escalation.run)

    assert owner_of(question) == staff.pk
    [(actor, target, before, after)] = owner_entries()
    assert (actor, target, before, after) == (None, question.pk, {"owner": None}, {"owner": staff.username})


def test_staff_reassign_an_escalated_question_from_the_worklist(
    after_commit, client, member, category, staff, teammate
):
    question = ask(member, category, hours_ago=30)
    after_commit(escalation.run)
    assert owner_of(question) == staff.pk

    response = assign(client, staff, question, teammate)

    assert response.status_code == 302
    assert owner_of(question) == teammate.pk
    assert owner_entries()[-1] == (staff.pk, question.pk, {"owner": staff.username}, {"owner": teammate.username})
    row = parse_html(client.get(WORKLIST).content).find("tbody").find("tr")
    [chosen] = [option for option in row.find_all("option") if "selected" in option.attrs]
    assert chosen.text == "Theo Park"


def test_staff_take_a_question_before_the_ladder_hands_it_over(
    after_commit, client, member, category, staff, teammate
):
    question = ask(member, category, hours_ago=2)

    assign(client, staff, question, teammate)

    assert owner_of(question) == teammate.pk
    assert owner_entries() == [(staff.pk, question.pk, {"owner": None}, {"owner": teammate.username})]
    # The team has it, so the ladder doesn't hand it on again later.
    after_commit(escalation.run, now=timezone.now() + timedelta(hours=30))
    assert owner_of(question) == teammate.pk
    assert len(owner_entries()) == 1


def test_giving_a_question_to_someone_outside_the_team_shows_a_field_error(
    client, member, other_member, category, staff
):
    question = ask(member, category, hours_ago=30)

    response = assign(client, staff, question, other_member)

    assert response.status_code == 400
    error = parse_html(response.content).find(id=f"owner-{question.pk}-error")
    assert "member of the team" in error.text
    assert owner_of(question) is None
    assert owner_entries() == []


@pytest.mark.parametrize("who", ["member", "moderator"])
def test_only_staff_give_questions_an_owner(client, who, member, moderator, category, staff):
    question = ask(member, category, hours_ago=30)

    response = assign(client, {"member": member, "moderator": moderator}[who], question, staff)

    assert response.status_code == 403
    assert owner_of(question) is None
    assert owner_entries() == []


def test_an_answered_question_has_no_owner_to_give(client, member, other_member, category, staff):
    question = ask(member, category, hours_ago=30)
    build_reply(other_member, question.opening_post)

    response = assign(client, staff, question, staff)

    assert response.status_code == 404
    assert owner_of(question) is None
    assert owner_entries() == []
