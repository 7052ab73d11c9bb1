from celery import shared_task

from recognition import awarding

# Badges -------------------------------------------------------------------------------


@shared_task(autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=600, max_retries=3)
def award_badges_nightly() -> int:
    """Check every automatic badge for every member; how many were awarded. Harmless to repeat."""
    return awarding.backfill()
