"""FAQ candidates: public threads ranked by their signals, gathered in the cache and refreshed by beat."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community import tallies
from community.models import Thread
from community.services import posts, votes
from faq import candidates
from faq.models import Candidate, Suggestion
from faq.services.signals import suggest_for_faq
from moderation.models import AuditEntry
from tests.builders import build_member, build_reply, build_thread
from tests.faq.builders import build_article, build_editor
from tests.helpers import parse_html

pytestmark = pytest.mark.django_db


def later(minutes=3):
    """A moment after the cache's current counting window has closed."""
    return timezone.now() + timedelta(minutes=minutes)


def queue_titles():
    return [candidate.thread.title for candidate in candidates.candidate_queue()]


@pytest.fixture
def answered(member, other_member, category):
    thread = build_thread(member, category=category, title="How do I reset the hub?", body="It is stuck.")
    answer = build_reply(other_member, thread.opening_post, body="Hold reset for ten seconds.")
    posts.accept_answer(member, post=answer)
    votes.mark_helpful(build_member(), post=answer)
    return thread


def test_an_accepted_answer_and_its_helpful_votes_make_a_candidate(answered):
    candidates.refresh_candidates(later())

    candidate = Candidate.objects.get(thread=answered)
    assert candidate.has_accepted_answer
    assert candidate.helpful_votes == 1
    assert queue_titles() == [answered.title]


def test_thread_views_are_counted_in_the_cache_and_never_write_a_row(client, answered, member, category):
    other = build_thread(member, category=category, title="Which bulbs work outdoors?", body="Garden.")
    client.get(other.get_absolute_url())
    client.get(other.get_absolute_url())

    assert not Candidate.objects.exists()

    candidates.refresh_candidates(later())

    assert Candidate.objects.get(thread=other).views == 2


def test_search_hits_and_similar_questions_raise_a_thread(client, answered, member, category):
    quiet = build_thread(member, category=category, title="Colour temperature of the bulbs", body="Warm?")
    for _ in range(3):
        client.get(reverse("search"), {"q": "colour"})
    build_thread(build_member(), category=category, title="Bulbs colour temperature too cold", body="Blue.")
    candidates.refresh_candidates(later())

    candidate = Candidate.objects.get(thread=quiet)
    assert candidate.search_hits == 1  # one rendering of the results page; the repeats came from the cache
    assert candidate.similar_asked == 1


def test_the_queue_ranks_by_signals(answered, member, category):
    weaker = build_thread(member, category=category, title="Does the hub need Wi-Fi?", body="Or Ethernet?")
    candidates.add_counts("views", {weaker.pk: 20})
    candidates.refresh_candidates(later())

    assert queue_titles() == [answered.title, weaker.title]


def test_promoted_dismissed_and_removed_threads_leave_the_queue(answered, member, category, staff):
    promoted = build_thread(member, category=category, title="Pairing a bulb", body="How?")
    removed = build_thread(member, category=category, title="Removed question", body="Gone.")
    candidates.add_counts("views", {answered.pk: 1, promoted.pk: 5, removed.pk: 5})
    build_article(staff, source=promoted.opening_post)
    posts.delete_post(member, post=removed.opening_post)

    assert queue_titles() == [answered.title]


def test_a_reviewer_dismisses_a_candidate_and_it_is_audited(client, answered):
    candidates.refresh_candidates(later())
    editor = build_editor()
    client.force_login(editor)

    page = client.get(reverse("faq:candidates"))
    assert answered.title in page.content.decode()

    response = client.post(reverse("faq:dismiss_candidate", args=[answered.pk]))

    assert response.status_code == 302
    assert queue_titles() == []
    entry = AuditEntry.objects.get(action=AuditEntry.Action.FAQ_CANDIDATE_DISMISSED)
    assert (entry.actor, entry.target_id) == (editor, answered.pk)
    assert Candidate.objects.get(thread=answered).dismissed_by == editor


@pytest.mark.parametrize("actor", ["member", "staff"])
def test_only_reviewers_see_and_dismiss_candidates(client, answered, actor, request):
    candidates.refresh_candidates(later())
    client.force_login(request.getfixturevalue(actor))

    assert client.get(reverse("faq:candidates")).status_code == 403
    assert client.post(reverse("faq:dismiss_candidate", args=[answered.pk])).status_code == 403
    assert queue_titles() == [answered.title]
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.FAQ_CANDIDATE_DISMISSED).exists()


def test_a_trusted_member_suggests_a_thread_and_it_counts(client, member, category):
    thread = build_thread(member, category=category, title="Schedules across time zones", body="Travel.")
    trusted = build_member(trust_level=2)
    client.force_login(trusted)

    html = client.get(thread.get_absolute_url()).content.decode()
    form = parse_html(html).find("form", action=reverse("faq:suggest", args=[thread.pk]))
    assert form is not None

    response = client.post(reverse("faq:suggest", args=[thread.pk]))

    assert response.status_code == 302
    assert Candidate.objects.get(thread=thread).suggestions == 1
    assert queue_titles() == [thread.title]

    client.post(reverse("faq:suggest", args=[thread.pk]))
    assert Suggestion.objects.count() == 1
    assert Candidate.objects.get(thread=thread).suggestions == 1


def test_a_member_below_the_trust_level_has_no_button_and_is_refused(client, member, other_member, category):
    thread = build_thread(member, category=category, title="Schedules across time zones", body="Travel.")
    client.force_login(other_member)

    assert "Suggest for the FAQ" not in client.get(thread.get_absolute_url()).content.decode()
    assert client.post(reverse("faq:suggest", args=[thread.pk])).status_code == 403
    assert not Suggestion.objects.exists() and not Candidate.objects.exists()


def test_a_thread_that_is_not_public_cannot_be_suggested(member, category):
    thread = build_thread(member, category=category, title="Schedules across time zones", body="Travel.")
    posts.delete_post(member, post=thread.opening_post)
    trusted = build_member(trust_level=2)

    with pytest.raises(Exception, match="everyone can read"):
        suggest_for_faq(trusted, thread=thread)
    assert not Suggestion.objects.exists()


def test_hostile_thread_titles_are_escaped_in_the_queue(client, member, category):
    thread = build_thread(member, category=category, title="<script>alert(1)</script> hub reset", body="x")
    candidates.add_counts("views", {thread.pk: 3})
    client.force_login(build_editor())

    html = client.get(reverse("faq:candidates")).content.decode()

    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; hub reset" in html


def test_a_drained_tally_is_never_counted_twice(client, member, category):
    thread = build_thread(member, category=category, title="Which bulbs work outdoors?", body="Garden.")
    client.get(thread.get_absolute_url())
    candidates.refresh_candidates(later())
    candidates.refresh_candidates(later(4))

    assert Candidate.objects.get(thread=thread).views == 1
    assert tallies.drain(tallies.THREAD_VIEWS, later(5).timestamp()) == {}


def test_the_signal_tasks_are_discovered_and_scheduled():
    from config.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}

    for name in ("faq.signal_tasks.refresh_candidates", "faq.signal_tasks.record_deflections"):
        assert name in app.tasks
        assert name in scheduled


def test_the_refresh_task_runs_the_refresh(answered):
    from faq.signal_tasks import refresh_candidates

    refresh_candidates.delay()

    assert Candidate.objects.filter(thread=answered, has_accepted_answer=True).exists()


def test_a_burst_of_questions_is_caught_up_over_several_runs(member, category, monkeypatch):
    older = build_thread(member, category=category, title="Colour temperature of the bulbs", body="Warm?")
    Thread.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(hours=2))
    for n in range(3):
        build_thread(build_member(), category=category, title=f"Bulbs colour temperature too cold {n}", body="Blue.")
    monkeypatch.setattr(candidates, "SIMILAR_BATCH", 2)

    candidates.refresh_candidates(later())
    assert Candidate.objects.get(thread=older).similar_asked == 2

    candidates.refresh_candidates(later(4))
    assert Candidate.objects.get(thread=older).similar_asked == 3


class UnreachableCache:
    """What config.cache answers while Redis is away: misses, and nothing stored."""

    def incr(self, key, delta=1):
        raise ValueError(key)

    def add(self, *args, **kwargs):
        return False

    def get_many(self, keys):
        return {}

    def get(self, key, default=None):
        return default

    def set(self, *args, **kwargs):
        return None


def test_a_thread_page_is_served_while_the_counts_cannot_be_kept(client, member, category, monkeypatch):
    thread = build_thread(member, category=category, title="Which bulbs work outdoors?", body="Garden.")
    monkeypatch.setattr(tallies, "cache", UnreachableCache())

    assert client.get(thread.get_absolute_url()).status_code == 200
    assert tallies.drain(tallies.THREAD_VIEWS, later().timestamp()) == {}
