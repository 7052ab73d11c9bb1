from datetime import timedelta

from django.core.management.base import BaseCommand

from outbox import bus


class Command(BaseCommand):
    help = (
        "Hand deliveries that never happened (a subscriber whose retries ran out, a task the broker lost) "
        "to Celery again. Each delivery runs once, so nothing already done is repeated."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-minutes",
            type=int,
            default=60,
            help="Only events handed over at least this long ago (default 60); newer ones may still be retrying.",
        )
        parser.add_argument("--dry-run", action="store_true", help="List what would be re-driven, and do nothing.")

    def handle(self, *args, older_than_minutes, dry_run, **options):
        older_than = timedelta(minutes=older_than_minutes)
        if dry_run:
            missing = bus.undelivered(older_than=older_than)
            for event_id, subscriber in missing:
                self.stdout.write(f"{event_id} {subscriber}")
            self.stdout.write(f"{len(missing)} deliveries would be re-driven.")
            return
        self.stdout.write(f"{bus.redrive(older_than=older_than)} deliveries re-driven.")
