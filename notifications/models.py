from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class Kind(models.TextChoices):
    """What a notification is about; each kind has its own in-app and email preference."""

    REPLY = "reply", "Replies to your posts"
    ANSWER = "answer", "Answers to your questions"
    ACCEPTED = "accepted", "Your answer accepted"
    VERIFIED = "verified", "Your answer verified by the team"
    MENTION = "mention", "Mentions of you"
    NEW_THREAD = "new_thread", "New threads in categories you watch"
    WATCHED_REPLY = "watched_reply", "New replies in threads you watch"
    STATUS = "status", "Status changes of ideas and problems you voted for or confirmed"
    MODERATION = "moderation", "Moderators' decisions about your posts"
    FLAG = "flag", "Outcomes of your flags"
    SANCTION = "sanction", "Warnings, suspensions and bans"
    PROMOTED = "promoted", "Your answers published in the FAQ"
    BADGE = "badge", "Badges you earn"
    RANK = "rank", "Ranks you reach"
    THREAD_MOVED = "thread_moved", "Threads you follow moved, merged or split"
    STAFF_REPLY = "staff_reply", "The team's replies in your conversations with them"
    CONVERSATION = "conversation", "Members' messages in conversations assigned to you"
    INVITED = "invited", "Invitations to answer questions you know about"
    ESCALATED = "escalated", "Questions left unanswered, handed to the team"
    REMINDER = "reminder", "Reminders to accept an answer to your question"


class Channel(models.TextChoices):
    IN_APP = "in_app", "In the community"
    EMAIL = "email", "By email"


class Notification(models.Model):
    """One thing one member is told about, in the community.

    Several about one thread share a `group_key`, so the list shows them as one
    line; `detail` and `reason` carry what the kind alone doesn't say (the new
    status, the moderator's decision and why).
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    thread = models.ForeignKey(
        "community.Thread", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    post = models.ForeignKey("community.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    group_key = models.CharField(max_length=64)
    detail = models.CharField(max_length=40, blank=True)
    reason = models.TextField(blank=True)
    event_id = models.CharField(max_length=32)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["event_id", "recipient"], name="notification_once")]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_list"),
            # The bell's count reads only this.
            models.Index(fields=["recipient"], condition=Q(read_at=None), name="notification_unread"),
        ]

    def __str__(self):
        return f"{self.kind} for {self.recipient_id}"


class Delivery(models.Model):
    """One event reached one member through one channel; the database refuses a second."""

    event_id = models.CharField(max_length=32)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event_id", "recipient", "channel"], name="notification_delivery_once")
        ]

    def __str__(self):
        return f"{self.event_id} → {self.recipient_id} ({self.channel})"


class Preference(models.Model):
    """A member's choice for one kind; without a row, settings.NOTIFICATION_DEFAULTS decides."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    in_app = models.BooleanField(default=True)
    email = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")]

    def __str__(self):
        return f"{self.user_id} {self.kind}"


class MutedMember(models.Model):
    """`user` hears nothing that `muted` does."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    muted = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "muted"], name="muted_member_once"),
            models.CheckConstraint(condition=~Q(user=F("muted")), name="muted_member_not_self"),
        ]

    def __str__(self):
        return f"{self.user_id} mutes {self.muted_id}"


class DigestChoice(models.Model):
    """How often a member wants a summary by email; without a row, none."""

    class Frequency(models.TextChoices):
        OFF = "off", "Never"
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    frequency = models.CharField(max_length=8, choices=Frequency.choices, default=Frequency.OFF)

    class Meta:
        indexes = [models.Index(fields=["frequency", "user"], name="digest_choice_due")]

    def __str__(self):
        return f"{self.user_id} {self.frequency}"


class EscalationStep(models.Model):
    """One rung of an unanswered question's ladder, climbed once: the database refuses a second."""

    class Step(models.TextChoices):
        INVITED = "invited", "Experts invited"
        ESCALATED = "escalated", "Handed to the team"
        REMINDED = "reminded", "Asker reminded to accept"

    thread = models.ForeignKey("community.Thread", on_delete=models.CASCADE, related_name="escalation_steps")
    step = models.CharField(max_length=10, choices=Step.choices)
    # The staff member who owns an escalated question.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "step"], name="escalation_step_once")]
        indexes = [models.Index(fields=["owner", "step"], name="escalation_owner")]

    def __str__(self):
        return f"{self.step} {self.thread_id}"


class Invitation(models.Model):
    """A member asked to answer a question; counted for the daily limit per member."""

    thread = models.ForeignKey("community.Thread", on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "member"], name="invitation_once")]
        indexes = [models.Index(fields=["member", "created_at"], name="invitation_daily")]

    def __str__(self):
        return f"{self.member_id} invited to {self.thread_id}"


class FirstAnswer(models.Model):
    """How a question was first answered: when, by whom (the community or the team), and against its promise."""

    thread = models.OneToOneField("community.Thread", on_delete=models.CASCADE, related_name="first_answer")
    post = models.ForeignKey("community.Post", null=True, on_delete=models.SET_NULL, related_name="+")
    answered_at = models.DateTimeField()
    seconds = models.PositiveIntegerField(help_text="From the question to its first answer.")
    by_staff = models.BooleanField()
    # Empty where the category promised nothing.
    promise_kept = models.BooleanField(null=True)

    def __str__(self):
        return f"{self.thread_id} in {self.seconds}s"
