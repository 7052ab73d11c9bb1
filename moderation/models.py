from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class ModeratorRole(models.Model):
    """Moderator rights everywhere (no category) or in one category and its sub-categories."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderator_roles")
    category = models.ForeignKey(
        "community.Category", null=True, blank=True, on_delete=models.CASCADE, related_name="moderator_roles"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "category"], name="moderator_role_once"),
            models.UniqueConstraint(
                fields=["user"], condition=Q(category__isnull=True), name="moderator_role_global_once"
            ),
        ]

    def __str__(self):
        return f"{self.user} moderates {self.category or 'everywhere'}"


class ReviewItem(models.Model):
    """Everything waiting on a moderator about one post: its flags, its pre-moderation or a filter's hold."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    class Resolution(models.TextChoices):
        APPROVED = "approved", "Approved"
        DISMISSED = "dismissed", "Flags dismissed"
        HIDDEN = "hidden", "Hidden"
        DELETED = "deleted", "Removed"

    post = models.ForeignKey("community.Post", on_delete=models.CASCADE, related_name="review_items")
    # Copied from the post's thread (and kept when a thread moves) so the queue filters without joins.
    category = models.ForeignKey("community.Category", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    is_pending = models.BooleanField(default=False, help_text="A new post held for approval.")
    held_by = models.CharField(max_length=200, blank=True, help_text="The content filter that held it.")
    flag_weight = models.PositiveIntegerField(default=0)
    auto_hidden = models.BooleanField(default=False)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=10, choices=Resolution.choices, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["post"], condition=Q(status="open"), name="review_item_open_once"),
        ]
        indexes = [models.Index(fields=["status", "category", "created_at"], name="review_queue")]

    def __str__(self):
        return f"Review of post {self.post_id} ({self.status})"

    def get_absolute_url(self):
        return reverse("moderation:item", kwargs={"pk": self.pk})


class Flag(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        ABUSE = "abuse", "Rude or abusive"
        OFF_TOPIC = "off_topic", "Off-topic"
        MODERATOR = "moderator", "Needs a moderator"
        OTHER = "other", "Something else"

    class Outcome(models.TextChoices):
        PENDING = "pending", "Waiting for a moderator"
        HELPFUL = "helpful", "Helpful"
        DECLINED = "declined", "Declined"

    NEEDS_TEXT = (Reason.MODERATOR, Reason.OTHER)

    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="flags")
    post = models.ForeignKey("community.Post", on_delete=models.CASCADE, related_name="flags")
    flagger = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags_raised")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    text = models.CharField(max_length=500, blank=True)
    weight = models.PositiveSmallIntegerField(default=1)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["post", "flagger"], name="flag_once_per_member")]
        indexes = [models.Index(fields=["flagger", "outcome"], name="flag_accuracy")]

    def __str__(self):
        return f"{self.get_reason_display()} flag on post {self.post_id}"


class ContentFilter(models.Model):
    """A word or pattern that staff want blocked, held for review, or censored."""

    class Action(models.TextChoices):
        BLOCK = "block", "Block, with a message"
        HOLD = "hold", "Hold for review"
        CENSOR = "censor", "Censor"

    pattern = models.CharField(max_length=200)
    is_regex = models.BooleanField("regular expression", default=False)
    action = models.CharField(max_length=8, choices=Action.choices, default=Action.HOLD)
    message = models.CharField(
        max_length=200, blank=True, help_text="Shown to the author when the filter blocks a post."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pattern"]
        constraints = [models.UniqueConstraint(fields=["pattern", "is_regex"], name="content_filter_once")]

    def __str__(self):
        return self.pattern


class Sanction(models.Model):
    class Kind(models.TextChoices):
        WARNING = "warning", "Warning"
        SUSPENSION = "suspension", "Suspension"
        BAN = "ban", "Ban"

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sanctions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.TextField(max_length=2000)
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Empty for a permanent ban.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set once the sanction has run out and the member has been let back in.
    expired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "ends_at"], name="sanction_expiry")]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.member}"

    @property
    def is_active(self):
        if self.kind == self.Kind.WARNING or self.lifted_at or self.expired_at:
            return False
        return self.ends_at is None or self.ends_at > timezone.now()


class MemberNote(models.Model):
    """A moderator's private note about a member."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderator_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Note on {self.member}"


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied("The audit log is append-only.")

    def delete(self):
        raise PermissionDenied("The audit log is append-only.")


class AuditEntry(models.Model):
    """One moderator or staff action. Rows are only ever added; a database trigger refuses the rest."""

    class Action(models.TextChoices):
        FLAGS_DISMISSED = "flags_dismissed", "Dismissed flags"
        POST_APPROVED = "post_approved", "Approved a post"
        POST_HIDDEN = "post_hidden", "Hid a post"
        POST_AUTO_HIDDEN = "post_auto_hidden", "Post hidden by members' flags"
        POST_RESTORED = "post_restored", "Restored a post"
        POST_EDITED = "post_edited", "Edited a post"
        POST_DELETED = "post_deleted", "Removed a post"
        ITEM_CLAIMED = "item_claimed", "Claimed a queue item"
        THREAD_STATE = "thread_state", "Changed a thread's state"
        THREAD_PINNED = "thread_pinned", "Pinned or unpinned a thread"
        THREAD_MOVED = "thread_moved", "Moved a thread"
        THREAD_RENAMED = "thread_renamed", "Renamed a thread"
        THREAD_MERGED = "thread_merged", "Merged threads"
        THREAD_SPLIT = "thread_split", "Split a thread"
        THREAD_DUPLICATE = "thread_duplicate", "Marked a duplicate"
        MEMBER_WARNED = "member_warned", "Warned a member"
        MEMBER_SUSPENDED = "member_suspended", "Suspended a member"
        MEMBER_BANNED = "member_banned", "Banned a member"
        SANCTION_LIFTED = "sanction_lifted", "Lifted a sanction"
        SANCTION_EXPIRED = "sanction_expired", "A sanction ran out"
        SPAMMER_PURGED = "spammer_purged", "Removed a spam account"
        SPAMMER_RESTORED = "spammer_restored", "Undid a spam removal"
        NOTE_ADDED = "note_added", "Noted on a member"
        TRUST_CHANGED = "trust_changed", "Trust level changed"
        VOTES_REVERSED = "votes_reversed", "Serial votes reversed"
        FILTER_CHANGED = "filter_changed", "Changed a content filter"
        ROLE_GRANTED = "role_granted", "Made a moderator"
        ROLE_REVOKED = "role_revoked", "Removed a moderator"
        CONVERSATION_ASSIGNED = "conversation_assigned", "Assigned a conversation"
        CONVERSATION_STATUS = "conversation_status", "Opened or closed a conversation"
        BADGE_GIVEN = "badge_given", "Gave a badge"
        SUPER_USER_NOMINATED = "super_user_nominated", "Made a super user"
        SUPER_USER_REMOVED = "super_user_removed", "Removed a super user"
        FAQ_PROMOTED = "faq_promoted", "Promoted posts into the FAQ"
        FAQ_EDITED = "faq_edited", "Edited an FAQ article"
        FAQ_PUBLISHED = "faq_published", "Published an FAQ article"
        FAQ_UNPUBLISHED = "faq_unpublished", "Unpublished an FAQ article"
        FAQ_ARCHIVED = "faq_archived", "Archived an FAQ article"
        FAQ_SOURCE_TAKEN = "faq_source_taken", "Took a source edit into the FAQ"
        FAQ_SOURCE_DISMISSED = "faq_source_dismissed", "Dismissed a source edit"
        FAQ_CANDIDATE_DISMISSED = "faq_candidate_dismissed", "Dismissed an FAQ candidate"
        QUESTION_OWNER = "question_owner", "Gave a question to a staff owner"

    # PROTECT keeps every actor an entry names; an account is never deleted from under its record.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=24, choices=Action.choices)
    target_type = models.CharField(max_length=20)
    target_id = models.PositiveBigIntegerField()
    target_label = models.CharField(max_length=300)
    # A plain number, not a key: the entry must outlive any category it mentions.
    category_id = models.PositiveBigIntegerField(null=True, blank=True)
    reason = models.TextField(blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
            models.Index(fields=["action", "-created_at"], name="audit_action"),
        ]

    def __str__(self):
        return f"{self.get_action_display()}: {self.target_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise PermissionDenied("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("The audit log is append-only.")


class Conversation(models.Model):
    """A private conversation between one member and the staff: "contact the team", and appeals."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations")
    subject = models.CharField(max_length=150)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sanction = models.ForeignKey(
        Sanction,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appeals",
        help_text="The sanction this conversation appeals, if any.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_message_at"]
        indexes = [models.Index(fields=["status", "-last_message_at"], name="conversation_inbox")]

    def __str__(self):
        return self.subject

    def get_absolute_url(self):
        return reverse("moderation:conversation", kwargs={"pk": self.pk})


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=10_000)
    body_html = models.TextField(editable=False)
    from_staff = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Message in {self.conversation_id}"
