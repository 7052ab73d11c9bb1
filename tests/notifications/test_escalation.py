"""Every question gets an answer: the promise, the ladder, the staff's worklist and the first-answer figures."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from community.models import Tag, Thread
from community.services.posts import accept_answer
from community.services.votes import mark_helpful
from notifications import escalation
from notifications.models import EscalationStep, FirstAnswer, Invitation, Kind, Notification
from outbox.models import Event
from tests.builders import build_category, build_member, build_reply, build_thread
from tests.helpers import parse_html

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def ladder(settings):
    settings.ESCALATION_INVITE_AFTER_HOURS = 4
    settings.ESCALATION_STAFF_AFTER_HOURS = 24
    settings.ESCALATION_INVITES_PER_QUESTION = 3
    settings.ESCALATION_INVITES_PER_MEMBER_PER_DAY = 3
    settings.ESCALATION_REMIND_AFTER_DAYS = 3


def ask(author, category, *, hours_ago: float, title="How do I pair a new bulb?", **kw) -> Thread:
    thread = build_thread(author, category=category, title=title, **kw)
    Thread.objects.filter(pk=thread.pk).update(created_at=timezone.now() - timedelta(hours=hours_ago))
    thread.refresh_from_db()
    return thread


def make_expert(category, *, helpful_voters=0, accepted=True, username=None, **kw):
    """A member whose answer in `category` was accepted (and marked helpful by `helpful_voters` members)."""
    expert = build_member(username=username)
    asker = build_member()
    solved = build_thread(asker, category=category, title="An older question here", **kw)
    answer = build_reply(expert, solved.opening_post)
    if accepted:
        accept_answer(asker, post=answer)
    for _ in range(helpful_voters):
        mark_helpful(build_member(), post=answer)
    return expert


def told(user, kind) -> list[int]:
    return list(Notification.objects.filter(recipient=user, kind=kind).values_list("thread_id", flat=True))


def run(after_commit, *, hours_later: float = 0):
    return after_commit(escalation.run, now=timezone.now() + timedelta(hours=hours_later))


def world_state() -> list:
    return [
        sorted(Notification.objects.values_list("recipient_id", "kind", "thread_id")),
        sorted(Invitation.objects.values_list("thread_id", "member_id")),
        sorted(EscalationStep.objects.values_list("thread_id", "step", "owner_id")),
        Event.objects.count(),
    ]


# The promise -------------------------------------------------------------------------------


def test_the_category_page_states_its_promise(client):
    category = build_category(name="Billing", answer_within_hours=24)

    page = parse_html(client.get(category.get_absolute_url()).content)

    assert page.find("p", cls="answer-promise").text.strip() == "We answer within 24 hours."


def test_a_category_without_a_promise_states_none(client, category):
    page = parse_html(client.get(category.get_absolute_url()).content)

    assert page.find("p", cls="answer-promise") is None


def test_the_new_thread_page_states_the_chosen_categorys_promise(client, member):
    build_category(name="Billing", answer_within_hours=8)
    client.force_login(member)

    chosen = parse_html(client.get(reverse("community:start_thread") + "?category=billing").content)
    unchosen = parse_html(client.get(reverse("community:start_thread")).content)

    assert "within 8 hours" in chosen.find("p", id="answer-promise").text
    assert unchosen.find("p", id="answer-promise") is None


# Step one: the members who know the subject --------------------------------------------------


def test_after_n_hours_the_members_who_know_the_category_are_invited(after_commit, member, category):
    expert = make_expert(category)
    bystander = build_member()
    question = ask(member, category, hours_ago=5)

    run(after_commit)

    assert told(expert, Kind.INVITED) == [question.pk]
    assert told(bystander, Kind.INVITED) == []
    assert told(member, Kind.INVITED) == []


def test_nobody_is_invited_before_n_hours(after_commit, member, category):
    expert = make_expert(category)
    ask(member, category, hours_ago=3)

    run(after_commit)

    assert told(expert, Kind.INVITED) == []
    assert not EscalationStep.objects.exists()


def test_the_best_scored_members_are_invited_first(after_commit, settings, member, category):
    settings.ESCALATION_INVITES_PER_QUESTION = 1
    helpful = make_expert(category, helpful_voters=4)
    accepted_only = make_expert(category)

    question = ask(member, category, hours_ago=5)
    run(after_commit)

    assert told(helpful, Kind.INVITED) == [question.pk]
    assert told(accepted_only, Kind.INVITED) == []


def test_expertise_under_the_questions_tag_counts_from_another_category(after_commit, member, category):
    tag = Tag.objects.create(name="Zigbee", slug="zigbee")
    elsewhere = build_category(name="Hardware")
    expert = make_expert(elsewhere, tags=[tag])
    unrelated = make_expert(build_category(name="Billing"))

    question = ask(member, category, hours_ago=5, tags=[tag])
    run(after_commit)

    assert told(expert, Kind.INVITED) == [question.pk]
    assert told(unrelated, Kind.INVITED) == []


def test_the_asker_and_suspended_members_are_not_invited(after_commit, member, category):
    suspended = make_expert(category)
    suspended.__class__.objects.filter(pk=suspended.pk).update(suspended_until=timezone.now() + timedelta(days=3))
    make_expert_asker = make_expert(category)

    question = ask(make_expert_asker, category, hours_ago=5)
    run(after_commit)

    assert not Invitation.objects.filter(thread=question).exists()
    assert told(suspended, Kind.INVITED) == []
    assert told(make_expert_asker, Kind.INVITED) == []


def test_a_member_gets_no_more_than_the_daily_invitations(after_commit, settings, member, category):
    settings.ESCALATION_INVITES_PER_MEMBER_PER_DAY = 2
    expert = make_expert(category)
    for n in range(3):
        ask(member, category, hours_ago=5 + n, title=f"Question number {n}")

    run(after_commit)

    assert len(told(expert, Kind.INVITED)) == 2
    assert Invitation.objects.filter(member=expert).count() == 2


# Step two: the team -------------------------------------------------------------------------


def test_after_m_hours_the_question_goes_to_the_least_loaded_staff_member(after_commit, member, category):
    first_staff = build_member(username="tess", is_staff_member=True)
    second_staff = build_member(username="theo", is_staff_member=True)
    older = ask(member, category, hours_ago=30, title="The older question")
    newer = ask(member, category, hours_ago=26, title="The newer question")

    run(after_commit)

    owners = dict(EscalationStep.objects.filter(step="escalated").values_list("thread_id", "owner_id"))
    assert sorted(owners.values()) == [first_staff.pk, second_staff.pk]
    assert set(told(first_staff, Kind.ESCALATED)) == {older.pk, newer.pk}
    assert set(told(second_staff, Kind.ESCALATED)) == {older.pk, newer.pk}
    assert told(member, Kind.ESCALATED) == []


def test_an_escalation_is_published_for_a_help_desk(after_commit, member, staff):
    category = build_category(name="Billing", answer_within_hours=24)
    question = ask(member, category, hours_ago=30)

    run(after_commit)

    event = Event.objects.get(type="QuestionEscalated")
    assert event.payload["thread_id"] == question.pk
    assert event.payload["owner_id"] == staff.pk
    assert event.payload["answer_within_hours"] == 24
    assert event.payload["hours_waiting"] == 30


def test_no_staff_step_before_m_hours(after_commit, member, category, staff):
    ask(member, category, hours_ago=20)

    run(after_commit)

    assert not EscalationStep.objects.filter(step="escalated").exists()
    assert told(staff, Kind.ESCALATED) == []


def test_an_answered_question_climbs_no_ladder(after_commit, member, other_member, category, staff):
    make_expert(category)
    question = ask(member, category, hours_ago=30)
    build_reply(other_member, question.opening_post)

    run(after_commit)

    assert not EscalationStep.objects.exists()


def test_running_twice_repeats_no_step(after_commit, member, category, staff):
    make_expert(category)
    ask(member, category, hours_ago=30)
    run(after_commit)
    before = world_state()

    second = run(after_commit, hours_later=1)

    assert second["invited"] == second["escalated"] == 0
    assert world_state() == before


# Step three: the asker's reminder ---------------------------------------------------------------


def test_an_asker_with_answers_but_none_accepted_is_reminded_once(after_commit, member, other_member, category):
    question = ask(member, category, hours_ago=1)
    after_commit(build_reply, other_member, question.opening_post)

    run(after_commit, hours_later=24)
    assert told(member, Kind.REMINDER) == []

    run(after_commit, hours_later=4 * 24)
    run(after_commit, hours_later=5 * 24)
    assert told(member, Kind.REMINDER) == [question.pk]


def test_an_asker_who_accepted_is_not_reminded(after_commit, member, other_member, category):
    question = ask(member, category, hours_ago=1)
    answer = after_commit(build_reply, other_member, question.opening_post)
    accept_answer(member, post=answer)

    run(after_commit, hours_later=4 * 24)

    assert told(member, Kind.REMINDER) == []


# First answers ------------------------------------------------------------------------------------


def test_the_first_answer_is_recorded_when_it_arrives(after_commit, member, other_member, staff):
    category = build_category(name="Billing", answer_within_hours=24)
    question = ask(member, category, hours_ago=2)

    after_commit(build_reply, other_member, question.opening_post)
    after_commit(build_reply, staff, question.opening_post)

    record = FirstAnswer.objects.get(thread=question)
    assert record.by_staff is False
    assert record.promise_kept is True
    assert 2 * 3600 - 60 <= record.seconds <= 2 * 3600 + 60


def test_a_late_staff_answer_is_recorded_as_a_broken_promise(after_commit, member, staff):
    category = build_category(name="Billing", answer_within_hours=24)
    question = ask(member, category, hours_ago=30)

    after_commit(build_reply, staff, question.opening_post)

    record = FirstAnswer.objects.get(thread=question)
    assert (record.by_staff, record.promise_kept) == (True, False)


def test_the_askers_own_reply_is_not_an_answer(after_commit, member, category):
    question = ask(member, category, hours_ago=2)

    after_commit(build_reply, member, question.opening_post)

    assert not FirstAnswer.objects.filter(thread=question).exists()


def test_the_beat_task_fills_in_first_answers_the_event_missed(after_commit, member, other_member, category):
    question = ask(member, category, hours_ago=2)
    build_reply(other_member, question.opening_post)  # its after-commit subscriber never ran
    assert not FirstAnswer.objects.filter(thread=question).exists()

    done = run(after_commit)

    assert done["recorded"] == 1
    assert FirstAnswer.objects.get(thread=question).promise_kept is None


# The staff's worklist --------------------------------------------------------------------------------


def test_staff_see_unanswered_questions_oldest_first_with_age_promise_and_owner(
    after_commit, client, member, staff, django_assert_max_num_queries
):
    promised = build_category(name="Billing", answer_within_hours=24)
    overdue = ask(member, promised, hours_ago=30, title="Overdue question")
    fresh = ask(member, promised, hours_ago=2, title="Fresh question")
    run(after_commit)
    for n in range(5):
        ask(member, promised, hours_ago=1, title=f"Another question {n}")
    client.force_login(staff)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("notifications:unanswered"))

    page = parse_html(response.content)
    rows = page.find("tbody").find_all("tr")
    assert [row.find("a").text for row in rows][:2] == [overdue.title, fresh.title]
    assert "unanswered-overdue" in rows[0].classes
    assert "unanswered-overdue" not in rows[1].classes
    assert "Tess Nakamura" in rows[0].text
    assert "Nobody yet" in rows[1].text


def test_the_worklist_shows_first_answer_figures(after_commit, client, member, other_member, staff):
    category = build_category(name="Billing", answer_within_hours=24)
    after_commit(build_reply, other_member, ask(member, category, hours_ago=2, title="Quick one").opening_post)
    after_commit(build_reply, staff, ask(member, category, hours_ago=30, title="Slow one").opening_post)
    client.force_login(staff)

    figures = parse_html(client.get(reverse("notifications:unanswered")).content).find("dl", cls="answer-figures")

    values = {div.find("dt").text: " ".join(div.find("dd").text.split()) for div in figures.find_all("div")}
    assert values["Questions answered"] == "2"
    assert values["First answered by the community"] == "1"
    assert values["First answered by staff"] == "1"
    assert values["Promise kept"] == "50% (1 of 2)"


@pytest.mark.parametrize("who", ["visitor", "member", "moderator"])
def test_only_staff_see_the_worklist(client, who, member, moderator, category):
    ask(member, category, hours_ago=30)
    user = {"visitor": None, "member": member, "moderator": moderator}[who]
    if user:
        client.force_login(user)

    response = client.get(reverse("notifications:unanswered"))

    assert response.status_code == (302 if user is None else 403)
    assert b"How do I pair" not in response.content


def test_a_promise_of_no_hours_is_refused_with_a_field_error():
    category = build_category(name="Billing", answer_within_hours=0)

    with pytest.raises(ValidationError) as refused:
        category.full_clean()

    assert "answer_within_hours" in refused.value.message_dict
