"""Recognition's periodic work: thin tasks over the ledger and the badges, each safe to run twice."""

import logging

from celery import shared_task

from recognition import awarding, serial_voting

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def reverse_serial_votes() -> int:
    """Take back the points of last day's serial votes (settings.RECOGNITION_SERIAL_*)."""
    pairs = serial_voting.reverse_serial_votes()
    if pairs:
        logger.info("reversed serial votes for %s voter-author pairs", pairs)
    return pairs


@shared_task(autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=600, max_retries=3)
def award_badges_nightly() -> int:
    """Check every automatic badge for every member; how many were awarded. Harmless to repeat."""
    return awarding.backfill()
