"""Moderation's periodic work: thin tasks over the services, each safe to run twice."""

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from moderation.services import sanctions, trust

logger = logging.getLogger(__name__)

# The trust sweep runs daily; an hour of overlap covers a late or slow run.
TRUST_LOOKBACK = timedelta(hours=25)


@shared_task(acks_late=True)
def expire_sanctions() -> int:
    """End the suspensions and bans that have run out."""
    ended = sanctions.expire_due_sanctions()
    if ended:
        logger.info("ended %s sanctions", ended)
    return ended


@shared_task(acks_late=True)
def recalculate_trust_levels() -> int:
    """Recalculate the trust level of everyone active since the last sweep."""
    return trust.recalculate_recent(since=timezone.now() - TRUST_LOOKBACK)
