from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils import timezone


class PointsQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied("The points ledger is append-only.")

    def delete(self):
        raise PermissionDenied("The points ledger is append-only: append a reversal instead.")

    def live(self):
        """Entries that count and have not been undone."""
        return self.filter(reverses__isnull=True, reversal__isnull=True)


class PointsEntry(models.Model):
    """One line of the points ledger: rows are only ever added, never changed or deleted.

    An entry earns points for one reason from one source; undoing it (an unvote,
    an unaccept, a removed post, serial voting, a ban) appends a reversal that
    names it. A member's reputation (accounts.User.reputation) is the sum of
    their entries' amounts.
    """

    class Reason(models.TextChoices):
        ANSWER_ACCEPTED = "answer_accepted", "Answer accepted"
        ACCEPTED_AN_ANSWER = "accepted_an_answer", "Accepted an answer"
        HELPFUL_ANSWER = "helpful_answer", "Helpful vote on an answer"
        HELPFUL_QUESTION = "helpful_question", "Helpful vote on a question"
        IDEA_VOTE = "idea_vote", "Vote on an idea"
        IDEA_SHIPPED = "idea_shipped", "Idea shipped"
        FAQ_PROMOTED = "faq_promoted", "Answer promoted into the FAQ"
        FLAG_UPHELD = "flag_upheld", "Flag upheld"

    class Source(models.TextChoices):
        POST = "post", "Post"
        THREAD = "thread", "Thread"
        FLAG = "flag", "Flag"
        ARTICLE = "article", "FAQ article"

    class Cause(models.TextChoices):
        """Why a reversal undid an entry, or why an entry was earned again."""

        NONE = "", "Earned"
        UNDONE = "undone", "The action was undone"
        POST_REMOVED = "post_removed", "The post was removed"
        POST_RESTORED = "post_restored", "The post was restored"
        SERIAL_VOTING = "serial_voting", "Serial voting"
        VOTER_BANNED = "voter_banned", "The member who gave them was banned"

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="points")
    # What was granted after the caps; a capped entry may hold 0 and still records the event.
    amount = models.IntegerField()
    reason = models.CharField(max_length=24, choices=Reason.choices)
    source_type = models.CharField(max_length=10, choices=Source.choices)
    source_id = models.PositiveBigIntegerField()
    # The member whose action earned the points (the voter, the accepter); None for the system.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    category = models.ForeignKey(
        "community.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_event_id = models.CharField(max_length=32)
    # Set on a reversal: the entry it undoes. One-to-one, so nothing is undone twice. RESTRICT
    # rather than PROTECT: deleting an account takes its entries and their reversals together.
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.RESTRICT, related_name="reversal")
    cause = models.CharField(max_length=16, choices=Cause.choices, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = PointsQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "points entries"
        ordering = ["-created_at", "-pk"]
        constraints = [
            # The same event never counts twice for the same member and reason.
            models.UniqueConstraint(
                fields=["source_event_id", "member", "reason"],
                condition=Q(reverses__isnull=True),
                name="points_entry_once_per_event",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "created_at"], name="points_member_time"),
            models.Index(fields=["source_type", "source_id"], name="points_source"),
            models.Index(fields=["actor", "created_at"], name="points_actor_time"),
        ]

    def __str__(self):
        return f"{self.amount:+d} to {self.member_id} for {self.reason}"

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise PermissionDenied("The points ledger is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("The points ledger is append-only: append a reversal instead.")


class Award(models.Model):
    """A badge a member holds (recognition.badges names them). Automatic badges are held once
    (once per category for per-category badges); staff's thank-you badges may be given many times."""

    badge = models.CharField(max_length=40)
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="awards")
    category = models.ForeignKey(
        "community.Category", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # What makes an award unique: "<badge>:<member>[:<category>]" for automatic badges,
    # a fresh value for each manual one. Awarding twice is then a no-op, whatever the race.
    key = models.CharField(max_length=80, unique=True)
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    citation = models.TextField(blank=True)
    awarded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-awarded_at", "-pk"]
        indexes = [
            models.Index(fields=["badge", "awarded_at"], name="award_badge_time"),
            models.Index(fields=["member", "awarded_at"], name="award_member_time"),
        ]

    def __str__(self):
        return f"{self.badge} to {self.member_id}"


class SuperUserChange(models.Model):
    """Each time a member became or stopped being a super user, and who decided: rows are only added."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="super_user_changes")
    status = models.CharField(max_length=10)  # accounts.User.SuperUser
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.member_id} {self.status or 'none'}"
