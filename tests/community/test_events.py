import json

import pytest

from community import events
from community.services import posts, votes
from outbox import bus
from outbox.models import Event
from tests.builders import build_reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    seen = []
    types = (events.ReplyPosted, events.PostVoted, events.AnswerAccepted)
    for event_type in types:
        bus.subscribe(event_type, seen.append, in_transaction=True, name="test.published")
    yield seen
    for event_type in types:
        bus.unsubscribe(event_type, seen.append)


def test_actions_publish_events_that_round_trip_through_json(member, other_member, question, published):
    answer = build_reply(other_member, question.opening_post, body="Ask @maria")
    votes.mark_helpful(member, post=answer)
    posts.accept_answer(member, post=answer)

    kinds = [type(e).__name__ for e in published]
    assert kinds == ["ReplyPosted", "PostVoted", "AnswerAccepted"]
    reply_event = published[0]
    assert reply_event.parent_author_id == member.pk
    assert reply_event.mentioned_user_ids == (member.pk,)
    for event in published:
        payload = json.loads(json.dumps(event.as_dict()))
        assert payload["event_id"] == event.event_id
    assert len({e.event_id for e in published}) == 3
    # Each one is in the outbox too, written in the action's transaction.
    # (Other apps' reactions publish events of their own, such as recognition's new rank.)
    in_outbox = Event.objects.filter(type__in=kinds).values_list("pk", "type")
    assert sorted((pk.hex, kind) for pk, kind in in_outbox) == sorted(
        (e.event_id, type(e).__name__) for e in published
    )


def test_failed_action_publishes_nothing(other_member, answer, published):
    with pytest.raises(Exception, match="own post"):
        votes.mark_helpful(other_member, post=answer)

    assert published == []
    assert not Event.objects.filter(type="PostVoted").exists()
