import pytest
from django.core.management import call_command

from community.models import Review
from moderation.models import Conversation, ReviewItem, Sanction

pytestmark = pytest.mark.django_db


def test_demo_queue_has_every_kind_of_item_and_seeding_twice_adds_nothing(settings):
    settings.MODERATION_RATE_LIMITS = {"post": {2: [(1, 5)]}}  # the real limits must not stop the seed

    call_command("seed_demo", stdout=None)
    call_command("seed_demo", stdout=None)

    items = ReviewItem.objects.filter(status=ReviewItem.Status.OPEN)
    assert items.count() == 4
    assert items.filter(is_pending=True, held_by="").exists()  # a new member's post
    assert items.filter(is_pending=True).exclude(held_by="").exists()  # caught by a filter
    assert items.filter(flag_weight__gt=0, auto_hidden=False).exists()  # flagged
    hidden = items.get(auto_hidden=True)  # hidden by trusted members' flags
    assert hidden.post.review == Review.HIDDEN
    assert Sanction.objects.filter(kind=Sanction.Kind.WARNING).count() == 1
    assert Conversation.objects.filter(member__username="maria").exists()
