import json

import pytest

from community import events
from community.services import posts, votes
from tests.builders import build_reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    seen = []

    def receiver(sender, event, **kwargs):
        seen.append(event)

    events.event_published.connect(receiver)
    yield seen
    events.event_published.disconnect(receiver)


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


def test_failed_action_publishes_nothing(other_member, answer, published):
    with pytest.raises(Exception, match="own post"):
        votes.mark_helpful(other_member, post=answer)

    assert published == []
