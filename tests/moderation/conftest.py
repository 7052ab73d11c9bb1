import pytest

from moderation.models import Flag, ReviewItem
from moderation.services.flags import flag_post
from tests.builders import build_member, build_thread


@pytest.fixture
def flagged(question, answer):
    """The answer, flagged by two members; returns its open item."""
    flag_post(build_member(), post=answer, reason=Flag.Reason.SPAM)
    flag_post(build_member(), post=answer, reason=Flag.Reason.OTHER, text="Links to a shop")
    return ReviewItem.objects.get(post=answer)


@pytest.fixture
def pending(category):
    """A new member's thread, held for approval; returns its open item."""
    thread = build_thread(build_member(trust_level=0), category=category, title="My first question here")
    return ReviewItem.objects.get(post=thread.opening_post)
