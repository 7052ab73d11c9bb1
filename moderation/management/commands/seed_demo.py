from datetime import timedelta

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import User
from accounts.services import create_member
from community.management.commands import seed_demo
from community.models import Thread
from community.services import posts
from moderation import screening
from moderation.models import ContentFilter, Conversation, Flag, MemberNote, ModeratorRole
from moderation.services import feedback, flags, sanctions
from moderation.services import threads as moderation_threads
from moderation.services.roles import sync_scope

NEWCOMER = "jonas"
SPAMMER = "bestdeals"


class Command(seed_demo.Command):
    """The community's demo data, plus its moderators and a review queue with work in it."""

    def handle(self, *args, **options):
        # Demo data is written in a burst that the posting limits exist to stop.
        with override_settings(MODERATION_RATE_LIMITS={}, MODERATION_DUPLICATE_SECONDS=0), transaction.atomic():
            super().handle(*args, **options)
            self._moderators()
            self._pins()
            if not User.objects.filter(username=NEWCOMER).exists():
                self._queue()
        self.stdout.write("  and a review queue with held, filtered and flagged posts for the moderator.")

    def _moderators(self):
        for spec in seed_demo.DEMO_ACCOUNTS:
            if spec["role"] == "moderator":
                user = User.objects.get(username=spec["username"])
                ModeratorRole.objects.get_or_create(user=user, category=None)
                sync_scope(user)

    def _pins(self):
        """Pinning is a moderator's action, so it is audited like any other."""
        staff = User.objects.get(username="tess")
        for thread in Thread.objects.filter(title__in=seed_demo.pinned_titles(), is_pinned=False):
            moderation_threads.pin_thread(staff, thread=thread, reason="Release notes stay on top.")

    def _queue(self):
        users = {u.username: u for u in User.objects.all()}
        threads = list(Thread.objects.filter(opening_post__isnull=False).order_by("pk")[:4])
        newcomer = create_member(
            username=NEWCOMER, email=f"{NEWCOMER}@example.com", display_name="Jonas Weber", trust_level=0
        )
        spammer = create_member(username=SPAMMER, email=f"{SPAMMER}@example.com", trust_level=1)

        # A new member's first reply waits for approval.
        posts.reply(
            newcomer,
            parent=threads[0].opening_post,
            body="Same here! I fixed it by moving the hub away from the microwave.",
        )

        # A staff filter holds a pattern that spammers use.
        ContentFilter.objects.get_or_create(
            pattern=r"crypto\s+giveaway", defaults={"is_regex": True, "action": ContentFilter.Action.HOLD}
        )
        ContentFilter.objects.get_or_create(
            pattern="cheap-bulbs.example",
            defaults={"action": ContentFilter.Action.BLOCK, "message": "Links to that shop aren't allowed."},
        )
        screening.forget_filters()
        posts.reply(users["kofi"], parent=threads[1].opening_post, body="Is the crypto giveaway in the app real?")

        # Members flag an off-topic reply; trusted members' flags hide spam at once.
        off_topic = posts.reply(
            users["diego"], parent=threads[2].opening_post, body="Anyone watching the match tonight?"
        )
        flags.flag_post(users["lena"], post=off_topic, reason=Flag.Reason.OFF_TOPIC)
        flags.flag_post(users["arjun"], post=off_topic, reason=Flag.Reason.OTHER, text="Not about Lumen at all.")
        spam = posts.reply(
            spammer, parent=threads[3].opening_post, body="Best prices on smart plugs, visit my shop today!"
        )
        flags.flag_post(users["sam"], post=spam, reason=Flag.Reason.SPAM)
        flags.flag_post(users["lena"], post=spam, reason=Flag.Reason.SPAM)

        # A past warning, a note, and a member who wrote to the team.
        mona = users["mona"]
        sanctions.warn(mona, member=users["diego"], reason="Please keep threads on topic.")
        MemberNote.objects.create(
            member=users["diego"], author=mona, body="Friendly, but drifts off topic in busy threads."
        )
        conversation = feedback.start_conversation(
            users["maria"],
            subject="Can I merge my two accounts?",
            body="I signed up twice by mistake, once with my shop email. Can you merge them?",
        )
        Conversation.objects.filter(pk=conversation.pk).update(last_message_at=timezone.now() - timedelta(hours=2))
