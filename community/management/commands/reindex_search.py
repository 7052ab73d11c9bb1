from django.core.management.base import BaseCommand

from community.search import reindex_all


class Command(BaseCommand):
    help = "Rebuild every post's full-text search vector (PostgreSQL)."

    def handle(self, *args, **options):
        count = reindex_all()
        self.stdout.write(self.style.SUCCESS(f"Reindexed {count} posts."))
