from django.core.management.base import BaseCommand

from community.counters import recount


class Command(BaseCommand):
    help = "Recompute reply counts, vote counts and other denormalised counters from their source rows."

    def handle(self, *args, **options):
        recount()
        self.stdout.write(self.style.SUCCESS("Counters rebuilt."))
