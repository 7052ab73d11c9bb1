from django.core.management.base import BaseCommand

from recognition.ledger import recount_reputation


class Command(BaseCommand):
    help = "Rebuild every member's reputation from the points ledger (community's `recount` rebuilds the rest)."

    def handle(self, *args, **options):
        corrected = recount_reputation()
        self.stdout.write(self.style.SUCCESS(f"Reputation rebuilt; {corrected} member(s) corrected."))
