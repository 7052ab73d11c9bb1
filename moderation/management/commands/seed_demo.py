from django.db import transaction

from accounts.models import User
from community.management.commands import seed_demo
from moderation.models import ModeratorRole
from moderation.services.roles import sync_scope


class Command(seed_demo.Command):
    """The community's demo data, plus its moderators and a review queue with work in it."""

    @transaction.atomic
    def handle(self, *args, **options):
        super().handle(*args, **options)
        self._moderators()

    def _moderators(self):
        for spec in seed_demo.DEMO_ACCOUNTS:
            if spec["role"] == "moderator":
                user = User.objects.get(username=spec["username"])
                ModeratorRole.objects.get_or_create(user=user, category=None)
                sync_scope(user)
