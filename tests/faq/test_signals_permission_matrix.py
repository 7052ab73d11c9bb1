"""Every unsafe route of the FAQ's signals, for every kind of actor: the answer, and that nothing else changed.

The expected answers come from faq.permissions: anyone who may read a
published article rates it (a suspended member writes nothing; a banned one
is a visitor again), trusted members suggest threads, and only the FAQ's
editors work the candidates and source changes (a member who reviews without
editing is covered in test_staleness).
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community.services import posts
from faq import candidates
from faq.models import Article, Candidate, HelpfulVote, Revision, SourceChange, Suggestion
from moderation.models import AuditEntry
from moderation.services import sanctions
from tests.builders import build_member, build_moderator, build_reply, build_thread
from tests.faq.builders import build_article, build_editor

pytestmark = pytest.mark.django_db

VISITOR, MEMBER, TRUSTED, MODERATOR = "visitor", "member", "trusted", "moderator"
STAFF, EDITOR, SUSPENDED, BANNED = "staff_without_perm", "editor", "suspended", "banned"
ACTORS = (VISITOR, MEMBER, TRUSTED, MODERATOR, STAFF, EDITOR, SUSPENDED, BANNED)
SIGNED_OUT = {VISITOR, BANNED}

# Who may act on each route; everyone else gets 403, or is sent to sign in when signed out.
ALLOWED = {
    "helpful": {VISITOR, MEMBER, TRUSTED, MODERATOR, STAFF, EDITOR, BANNED},
    "suggest": {TRUSTED},
    "dismiss_candidate": {EDITOR},
    "take_source_change": {EDITOR},
    "dismiss_source_change": {EDITOR},
}
# Routes that a visitor may use without signing in.
OPEN_TO_VISITORS = {"helpful"}


@pytest.fixture
def world(member, other_member, category, django_capture_on_commit_callbacks):
    staff = build_member(is_staff_member=True)
    thread = build_thread(member, category=category, title="How do I reset the hub?", body="Stuck.")
    answer = build_reply(other_member, thread.opening_post, body="Hold reset.")
    article = build_article(staff, body="Hold reset.", source=answer)
    candidate_thread = build_thread(member, category=category, title="Which bulbs work outdoors?", body="Garden.")
    candidates.add_counts("views", {candidate_thread.pk: 5})
    with django_capture_on_commit_callbacks(execute=True):
        posts.edit_post(other_member, post=answer, body="Hold reset for ten seconds.")
    actors = {
        MEMBER: build_member(),
        TRUSTED: build_member(trust_level=2),
        MODERATOR: build_moderator(),
        STAFF: build_member(is_staff_member=True),
        EDITOR: build_editor(),
        SUSPENDED: build_member(),
        BANNED: build_member(),
    }
    sanctions.suspend(staff, member=actors[SUSPENDED], until=timezone.now() + timedelta(days=1), reason="Cool off.")
    sanctions.ban(staff, member=actors[BANNED], reason="Fraud.")
    change = SourceChange.objects.get()
    routes = {
        "helpful": (reverse("faq:helpful", args=[article.pk]), {"helpful": "yes", "comment": "Thanks"}),
        "suggest": (reverse("faq:suggest", args=[candidate_thread.pk]), {}),
        "dismiss_candidate": (reverse("faq:dismiss_candidate", args=[candidate_thread.pk]), {}),
        "take_source_change": (reverse("faq:source_change", args=[change.pk]), {"body": "Ten seconds."}),
        "dismiss_source_change": (reverse("faq:dismiss_source_change", args=[change.pk]), {}),
    }
    return {"actors": actors, "routes": routes, "article": article}


def snapshot():
    return {
        "votes": list(HelpfulVote.objects.values_list("article", "member", "helpful")),
        "tallies": list(Article.objects.values_list("pk", "helpful_yes", "helpful_no", "body", "revision_count")),
        "suggestions": list(Suggestion.objects.values_list("thread", "member")),
        "candidates": list(Candidate.objects.values_list("thread", "suggestions", "dismissed_at")),
        "changes": list(SourceChange.objects.values_list("pk", "state")),
        "revisions": Revision.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


@pytest.mark.parametrize("route", sorted(ALLOWED))
@pytest.mark.parametrize("actor", ACTORS)
def test_unsafe_route(client, world, actor, route):
    if actor != VISITOR:
        client.force_login(world["actors"][actor])
    url, data = world["routes"][route]
    before = snapshot()

    response = client.post(url, data)

    if actor in ALLOWED[route]:
        assert response.status_code == 302, response.content[:300]
        assert snapshot() != before
        return
    if actor in SIGNED_OUT and route not in OPEN_TO_VISITORS:
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    else:
        assert response.status_code == 403
    assert snapshot() == before
