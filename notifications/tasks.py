from datetime import UTC, datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from notifications import digests


@shared_task(
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=12,
    acks_late=True,
    reject_on_worker_lost=True,
)
def send_digest_batch(frequency: str, moment: str, user_ids: list[int]) -> int:
    """One batch of a period's digests; harmless to repeat, as each member's is sent once per period."""
    sent, failed = digests.send_batch(user_ids, frequency=frequency, moment=datetime.fromisoformat(moment))
    if failed:
        raise RuntimeError(f"{len(failed)} digests of {frequency} {moment} failed")
    return sent


@shared_task
def send_digests(frequency: str, as_of: str | None = None) -> int:
    """Beat's entry: queue the period's digests in batches, for the members still due; returns how many batches.

    `as_of` ("HH:MM" today, UTC) is the time of the period's first run, for a
    later run that sends what that one would have: the members whose batch was
    lost get the digest they missed, and those who had nothing to read then get none.
    """
    moment = timezone.now()
    if as_of is not None:
        hour, minute = (int(part) for part in as_of.split(":"))
        moment = moment.astimezone(UTC).replace(hour=hour, minute=minute, second=0, microsecond=0)
    due = digests.due_members(frequency, digests.period_key(frequency, moment))
    size = settings.DIGEST_BATCH_SIZE
    for start in range(0, len(due), size):
        send_digest_batch.delay(frequency, moment.isoformat(), due[start : start + size])
    return -(-len(due) // size)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def escalate_unanswered() -> dict[str, int]:
    """Climb the ladder of every unanswered question due a step; each step is recorded, so a rerun repeats none."""
    from notifications import escalation

    return escalation.run()
