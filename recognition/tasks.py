"""Recognition's periodic work: thin tasks over the ledger, each safe to run twice."""

import logging

from celery import shared_task

from recognition import serial_voting

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def reverse_serial_votes() -> int:
    """Take back the points of last day's serial votes (settings.RECOGNITION_SERIAL_*)."""
    pairs = serial_voting.reverse_serial_votes()
    if pairs:
        logger.info("reversed serial votes for %s voter-author pairs", pairs)
    return pairs
