import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from mptt.models import MPTTModel, TreeForeignKey

from config.paths import reverse

validate_colour = RegexValidator(r"^#[0-9a-fA-F]{6}\Z", "Use a colour like #3b5bdb.")

TITLE_MIN, TITLE_MAX = 8, 150
BODY_MAX = 30_000


class Category(models.Model):
    class StartPolicy(models.TextChoices):
        MEMBERS = "members", "Any member"
        TRUSTED = "trusted", "Trusted members (trust level 2 and up)"
        STAFF = "staff", "Staff and moderators only"

    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(max_length=500, blank=True)
    colour = models.CharField(max_length=7, default="#3b5bdb", validators=[validate_colour])
    position = models.PositiveIntegerField(default=0)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="Sub-categories go one level deep.",
    )
    who_can_start = models.CharField(max_length=10, choices=StartPolicy.choices, default=StartPolicy.MEMBERS)
    answer_within_hours = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="The public promise for questions here (“We answer within 24 hours”); empty for none.",
    )
    thread_count = models.PositiveIntegerField(default=0, editable=False)
    post_count = models.PositiveIntegerField(default=0, editable=False)
    last_activity_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("community:category", kwargs={"slug": self.slug})

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.parent_id and (self.parent.parent_id or self.parent_id == self.pk):
            raise ValidationError({"parent": "A sub-category cannot have sub-categories of its own."})
        if self.pk and self.parent_id and self.children.exists():
            raise ValidationError({"parent": "This category has sub-categories, so it cannot become one."})


class Tag(models.Model):
    name = models.CharField(max_length=40, unique=True)
    slug = models.SlugField(max_length=40, unique=True)
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("community:tag", kwargs={"slug": self.slug})


class Review(models.TextChoices):
    """Whether a post or thread is public. Moderation decides; the author and moderators always see it."""

    PUBLISHED = "published", "Published"
    PENDING = "pending", "Awaiting review"
    HIDDEN = "hidden", "Hidden"


class Thread(models.Model):
    class Kind(models.TextChoices):
        QUESTION = "question", "Question"
        PROBLEM = "problem", "Problem"
        IDEA = "idea", "Idea"
        PRAISE = "praise", "Praise"
        DISCUSSION = "discussion", "Discussion"

    class State(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        LOCKED = "locked", "Locked"

    class ProblemStatus(models.TextChoices):
        OPEN = "open", "Open"
        KNOWN_ISSUE = "known_issue", "Known issue"
        SOLVED = "solved", "Solved"

    class IdeaStatus(models.TextChoices):
        NEW = "new", "New"
        UNDER_REVIEW = "under_review", "Under review"
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        SHIPPED = "shipped", "Shipped"
        DECLINED = "declined", "Declined"

    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="threads")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="threads")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.QUESTION)
    title = models.CharField(max_length=TITLE_MAX)
    slug = models.SlugField(max_length=80, allow_unicode=False)
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    is_pinned = models.BooleanField(default=False)
    tags = models.ManyToManyField(Tag, blank=True, related_name="threads")
    opening_post = models.OneToOneField(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    accepted_answer = models.ForeignKey(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    problem_status = models.CharField(max_length=12, choices=ProblemStatus.choices, blank=True)
    solving_post = models.ForeignKey(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    idea_status = models.CharField(max_length=12, choices=IdeaStatus.choices, blank=True)
    is_deleted = models.BooleanField(default=False)
    review = models.CharField(max_length=10, choices=Review.choices, default=Review.PUBLISHED, editable=False)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates", editable=False
    )
    # A thread merged into another keeps its row, so old links redirect to where its posts went.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    reply_count = models.PositiveIntegerField(default=0, editable=False)
    vote_count = models.PositiveIntegerField(default=0, editable=False, help_text="Idea votes.")
    me_too_count = models.PositiveIntegerField(default=0, editable=False)
    has_team_verified = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_activity_at = models.DateTimeField(default=timezone.now)
    last_poster = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    # Bumped with F() by every write to the thread; page fragments key on it.
    version = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-last_activity_at"]
        indexes = [
            models.Index(fields=["category", "-is_pinned", "-last_activity_at"], name="thread_category_activity"),
            models.Index(fields=["-last_activity_at"], name="thread_activity"),
            models.Index(fields=["kind", "created_at"], name="thread_kind_created"),
            models.Index(fields=["kind", "-vote_count"], name="thread_kind_votes"),
            models.Index(fields=["kind", "-me_too_count"], name="thread_kind_metoo"),
            models.Index(fields=["author", "-last_activity_at"], name="thread_author_activity"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("community:thread", kwargs={"pk": self.pk, "slug": self.slug})

    @property
    def is_answered(self):
        return self.accepted_answer_id is not None

    @property
    def is_solved(self):
        return self.is_answered or self.problem_status == self.ProblemStatus.SOLVED


class Post(MPTTModel):
    """One message. The opening post is the root of its thread's tree."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    parent = TreeForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    # The top-level reply a deeper reply sits under (empty for the opening post
    # and top-level replies), so a page of top-level replies loads their
    # subtrees in one indexed query.
    branch = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts")
    body = models.TextField(max_length=BODY_MAX)
    body_html = models.TextField(editable=False)
    # The words a reader sees, without the Markdown: what search cuts its snippets from.
    body_text = models.TextField(default="", editable=False)
    is_official = models.BooleanField(default=False, help_text="Written by a staff member.", editable=False)
    is_verified = models.BooleanField(default=False, help_text="Endorsed by the team.", editable=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    helpful_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True, editable=False)
    revision_count = models.PositiveIntegerField(default=0, editable=False)
    is_deleted = models.BooleanField(default=False, editable=False)
    review = models.CharField(max_length=10, choices=Review.choices, default=Review.PUBLISHED, editable=False)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    # Kept by community.search; stays empty on SQLite, which searches differently.
    search_vector = SearchVectorField(null=True, editable=False)

    class MPTTMeta:
        order_insertion_by = []

    class Meta:
        indexes = [
            models.Index(fields=["tree_id", "lft"], name="post_tree_order"),
            models.Index(fields=["thread", "level", "created_at"], name="post_thread_level"),
            models.Index(fields=["branch", "lft"], name="post_branch_order"),
            models.Index(fields=["author", "-created_at"], name="post_author_recent"),
            # A member's own posts in one thread, read on every member's thread page (selectors.thread_state).
            models.Index(fields=["author", "thread"], name="post_author_thread"),
        ]

    def __str__(self):
        return f"Post {self.pk} in {self.thread_id}"

    def get_absolute_url(self):
        return f"{self.thread.get_absolute_url()}#post-{self.pk}"

    @property
    def is_opening(self):
        return self.parent_id is None


class PostRevision(models.Model):
    """The body as it was before an edit; the current body lives on the post."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=TITLE_MAX, blank=True, help_text="The thread title, for opening posts.")
    body = models.TextField()
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["post", "number"]
        constraints = [models.UniqueConstraint(fields=["post", "number"], name="revision_number_unique")]

    def __str__(self):
        return f"Revision {self.number} of post {self.post_id}"


class HelpfulVote(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="helpful_votes")
    # The post's thread, kept with the vote (and moved with the post by services.thread_actions), so a
    # member's votes in one thread are one index read, whether they cast ten votes or ten thousand.
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="helpful_votes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["voter", "post"], name="helpful_vote_once")]
        indexes = [models.Index(fields=["voter", "thread"], name="helpful_vote_thread")]

    def __str__(self):
        return f"{self.voter_id} found {self.post_id} helpful"


class IdeaVote(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="idea_votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idea_votes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["voter", "thread"], name="idea_vote_once")]

    def __str__(self):
        return f"{self.voter_id} voted for {self.thread_id}"


class MeToo(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="me_toos")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="me_toos")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "me too"
        constraints = [models.UniqueConstraint(fields=["member", "thread"], name="me_too_once")]

    def __str__(self):
        return f"{self.member_id} has problem {self.thread_id} too"


class StatusChange(models.Model):
    """A public step in an idea's or a problem's life, with the team's note."""

    class Field(models.TextChoices):
        IDEA = "idea", "Idea status"
        PROBLEM = "problem", "Problem status"

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="status_changes")
    field = models.CharField(max_length=8, choices=Field.choices)
    old_status = models.CharField(max_length=12, blank=True)
    new_status = models.CharField(max_length=12)
    note = models.TextField(max_length=5000, blank=True)
    note_html = models.TextField(blank=True, editable=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.field} {self.old_status} -> {self.new_status}"


class Subscription(models.Model):
    """A member follows a thread or a whole category, at a watch level.

    Watching a thread tells of every reply and watching a category of every new
    thread; tracking tells only of what is addressed to the member (replies to
    their posts, mentions); muted tells nothing about it at all.
    """

    class Level(models.TextChoices):
        WATCHING = "watching", "Watching"
        TRACKING = "tracking", "Tracking"
        MUTED = "muted", "Muted"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions")
    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions")
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions"
    )
    level = models.CharField(max_length=8, choices=Level.choices, default=Level.WATCHING)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(thread__isnull=False, category__isnull=True)
                | Q(thread__isnull=True, category__isnull=False),
                name="subscription_one_target",
            ),
            models.UniqueConstraint(fields=["user", "thread"], name="subscription_thread_once"),
            models.UniqueConstraint(fields=["user", "category"], name="subscription_category_once"),
        ]

    def __str__(self):
        return f"{self.user_id} follows {self.thread_id or self.category_id}"


def attachment_upload_to(instance, filename):
    # The stored name never comes from the uploader.
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.webp"


class Attachment(models.Model):
    uploader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attachments")
    file = models.ImageField(upload_to=attachment_upload_to)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.file.name


class Synonym(models.Model):
    """Words customers use for a product term; search expands queries with them."""

    term = models.CharField(max_length=60, unique=True, help_text="The product's own word, e.g. 'hub'.")
    alternatives = models.CharField(
        max_length=500, help_text="Comma-separated words customers use instead, e.g. 'bridge, base station'."
    )

    class Meta:
        ordering = ["term"]

    def __str__(self):
        return self.term

    @property
    def words(self):
        return [self.term.lower(), *(w.strip().lower() for w in self.alternatives.split(",") if w.strip())]


class ReadPosition(models.Model):
    """How far a member has read a thread: every reply up to the post `read_through` is read.

    Only community.reading's flush writes these rows, in batches, and only
    ever moves a position forward; page views gather positions in the cache.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="read_positions")
    # A post id: replies are numbered in the order they are written, and a removed post keeps its place.
    read_through = models.PositiveBigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "thread"], name="read_position_once")]

    def __str__(self):
        return f"{self.user_id} read {self.thread_id} through {self.read_through}"
