import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("concierge")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The FAQ's signals keep their periodic tasks apart from the FAQ's own tasks module.
app.autodiscover_tasks(related_name="signal_tasks")

# Every periodic schedule lives here, so beat has one place to read.
app.conf.beat_schedule = {
    # Events committed while the broker was away are handed over within a minute of its return.
    "outbox-sweep": {"task": "outbox.tasks.sweep", "schedule": 30},
    # A delivery the broker lost, or whose retries ran out, is handed over again (outbox.tasks.redrive).
    "outbox-redrive": {"task": "outbox.tasks.redrive", "schedule": 15 * 60},
    "outbox-prune": {"task": "outbox.tasks.prune", "schedule": crontab(hour=4, minute=10)},
    # Suspensions and bans end within five minutes of their time.
    "moderation-expire-sanctions": {"task": "moderation.tasks.expire_sanctions", "schedule": 5 * 60},
    "moderation-recalculate-trust": {
        "task": "moderation.tasks.recalculate_trust_levels",
        "schedule": crontab(hour=3, minute=30),
    },
    # Before the trust sweep, so levels read reputation without the reversed serial votes.
    "recognition-reverse-serial-votes": {
        "task": "recognition.tasks.reverse_serial_votes",
        "schedule": crontab(hour=3, minute=0),
    },
    # Members' read positions gathered in the cache become rows; until then their pages read the cache.
    "community-flush-read-positions": {"task": "community.tasks.flush_read_positions", "schedule": 2 * 60},
    # Views and search hits gathered in the cache become FAQ candidates' signals.
    "faq-refresh-candidates": {"task": "faq.signal_tasks.refresh_candidates", "schedule": 10 * 60},
    # Ask-page suggestions gathered in the cache become rows; those 30 minutes old are settled.
    "faq-record-deflections": {"task": "faq.signal_tasks.record_deflections", "schedule": 5 * 60},
    # Badges no event announces (a year of membership, an FAQ promotion), and any an event missed.
    # FAQ article views gathered in the cache; the "most viewed" list is at most this old.
    "faq-flush-article-views": {"task": "faq.tasks.flush_article_views", "schedule": 5 * 60},
    "recognition-award-badges": {
        "task": "recognition.tasks.award_badges_nightly",
        "schedule": crontab(hour=4, minute=40),
    },
    # Summaries go out in the morning (UTC): every day, and on Mondays for the week before.
    "notifications-daily-digests": {
        "task": "notifications.tasks.send_digests",
        "schedule": crontab(hour=7, minute=0),
        "args": ("daily",),
    },
    "notifications-weekly-digests": {
        "task": "notifications.tasks.send_digests",
        "schedule": crontab(hour=7, minute=15, day_of_week=1),
        "args": ("weekly",),
    },
    # The same periods again in the afternoon, as of the morning's run: the digests a lost batch
    # (or one whose retries ran out) never sent go now, and nobody gets a second or a later one.
    "notifications-daily-digests-catch-up": {
        "task": "notifications.tasks.send_digests",
        "schedule": crontab(hour=15, minute=0),
        "args": ("daily", "07:00"),
    },
    "notifications-weekly-digests-catch-up": {
        "task": "notifications.tasks.send_digests",
        "schedule": crontab(hour=15, minute=15, day_of_week=1),
        "args": ("weekly", "07:15"),
    },
    # Unanswered questions climb their ladder (experts, then staff, then a reminder) within ten minutes of a step.
    "notifications-escalate-unanswered": {"task": "notifications.tasks.escalate_unanswered", "schedule": 10 * 60},
}
