"""Workers checking the same member's badges at once award each badge once (PostgreSQL)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from outbox.models import Event
from recognition import awarding, ledger
from recognition.models import Award
from tests.builders import build_member
from tests.integration.test_queue_races import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_checks_of_one_member_award_each_badge_once():
    assert connection.vendor == "postgresql"
    # Badges no event announces, so only the racers below award them.
    member = build_member(username="ada")
    User.objects.filter(pk=member.pk).update(date_joined=timezone.now() - timedelta(days=400))
    ledger.faq_promoted(member.pk, article_id=1, event_id="promotion-1")

    results = run_concurrently([lambda: awarding.check_badges([member.pk]) for _ in range(8)])

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(Award.objects.filter(member=member).values_list("badge", flat=True)) == ["faq-promoted", "one-year"]
    assert sum(len(r) for r in results) == 2
    assert Event.objects.filter(type="BadgeAwarded", payload__member_id=member.pk).count() == 2
