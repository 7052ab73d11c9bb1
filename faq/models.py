"""The knowledge base: articles promoted from the community's answers, with their history and how well they work."""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from config.paths import reverse

QUESTION_MAX = 200
SUMMARY_MAX = 300
BODY_MAX = 40_000
COMMENT_MAX = 1_000


class Visibility(models.TextChoices):
    """Who may read an article; decided in faq.permissions, never restated elsewhere."""

    PUBLIC = "public", "Everyone"
    MEMBERS = "members", "Signed-in members"
    STAFF = "staff", "Staff only (internal)"


# The first path segments of the FAQ's own pages (faq/urls.py): a section with one of these
# slugs would have a page nobody could reach.
RESERVED_SECTION_SLUGS = frozenset(
    {"articles", "candidates", "deflection", "drafts", "feedback", "promote", "source-changes", "suggest"}
)


class Section(models.Model):
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("faq:section", kwargs={"slug": self.slug})

    def clean(self):
        if self.slug in RESERVED_SECTION_SLUGS:
            raise ValidationError({"slug": f"“{self.slug}” is the address of one of the FAQ's own pages."})


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        UNPUBLISHED = "unpublished", "Unpublished"
        ARCHIVED = "archived", "Archived"

    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="articles")
    slug = models.SlugField(max_length=120, unique=True)
    question = models.CharField(max_length=QUESTION_MAX)
    summary = models.CharField(
        max_length=SUMMARY_MAX, blank=True, help_text="One or two sentences; the meta description."
    )
    body = models.TextField(max_length=BODY_MAX, help_text="The answer, in Markdown.")
    body_html = models.TextField(editable=False)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    source_thread = models.ForeignKey(
        "community.Thread", null=True, blank=True, on_delete=models.SET_NULL, related_name="faq_articles"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    revision_count = models.PositiveIntegerField(default=0, editable=False)
    # Gathered in the cache and flushed by beat, like thread views: a page view never writes a row.
    view_count = models.PositiveIntegerField(default=0, editable=False)
    helpful_yes = models.PositiveIntegerField(default=0, editable=False)
    helpful_no = models.PositiveIntegerField(default=0, editable=False)
    # Bumped by the caching module's subscriber to faq's events: part of the article page's key.
    version = models.PositiveBigIntegerField(default=0, editable=False)
    # Kept by faq.search on PostgreSQL; stays empty on SQLite, which searches differently.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["question"]
        permissions = [
            ("promote_article", "Can promote community posts into the FAQ"),
            ("review_faq", "Can see FAQ feedback, candidates and deflection figures"),
        ]
        indexes = [
            models.Index(fields=["status", "visibility", "section"], name="faq_article_listing"),
            models.Index(fields=["-updated_at"], name="faq_article_recent"),
            GinIndex(fields=["search_vector"], name="faq_article_search"),
        ]

    def __str__(self):
        return self.question

    def get_absolute_url(self):
        return reverse("faq:article", kwargs={"section": self.section.slug, "slug": self.slug})

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Revision(models.Model):
    """An article as it was saved; every edit adds one and none is ever changed or deleted."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    question = models.CharField(max_length=QUESTION_MAX)
    summary = models.CharField(max_length=SUMMARY_MAX, blank=True)
    body = models.TextField()
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["article", "number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="faq_revision_number_unique")]

    def __str__(self):
        return f"Revision {self.number} of {self.article_id}"


class SourcePost(models.Model):
    """A community post an article was built from: its author is credited, and an edit to it is noticed."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="sources")
    post = models.ForeignKey("community.Post", null=True, on_delete=models.SET_NULL, related_name="faq_sources")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The post's body when it was promoted, or when staff last took in or dismissed a change to it.
    body_seen = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["article", "position"]
        constraints = [models.UniqueConstraint(fields=["article", "post"], name="faq_source_once")]

    def __str__(self):
        return f"Post {self.post_id} in article {self.article_id}"


class SourceChange(models.Model):
    """A source post was edited after promotion; staff take the change in or dismiss it."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        TAKEN = "taken", "Taken into the article"
        DISMISSED = "dismissed", "Dismissed"

    source = models.ForeignKey(SourcePost, on_delete=models.CASCADE, related_name="changes")
    body_before = models.TextField()
    body_after = models.TextField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    detected_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-detected_at"]
        constraints = [
            # One open review per source post: a second edit updates it rather than queueing another.
            models.UniqueConstraint(fields=["source"], condition=Q(state="pending"), name="faq_one_pending_change")
        ]

    def __str__(self):
        return f"Change to source {self.source_id} ({self.state})"


class HelpfulVote(models.Model):
    """'Was this helpful?': once per member, or once per browser session for visitors."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="helpful_votes")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    session_key = models.CharField(max_length=64, blank=True)
    helpful = models.BooleanField()
    comment = models.TextField(max_length=COMMENT_MAX, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["article", "member"], condition=Q(member__isnull=False), name="faq_helpful_once_per_member"
            ),
            models.UniqueConstraint(
                fields=["article", "session_key"],
                condition=Q(member__isnull=True),
                name="faq_helpful_once_per_session",
            ),
            models.CheckConstraint(
                condition=Q(member__isnull=False) | ~Q(session_key=""), name="faq_helpful_has_voter"
            ),
        ]

    def __str__(self):
        return f"{'Helpful' if self.helpful else 'Not helpful'}: {self.article_id}"


class Suggestion(models.Model):
    """A trusted member thinks a thread belongs in the FAQ."""

    thread = models.ForeignKey("community.Thread", on_delete=models.CASCADE, related_name="faq_suggestions")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "member"], name="faq_suggest_once")]

    def __str__(self):
        return f"{self.member_id} suggests {self.thread_id}"


class Deflection(models.Model):
    """An article suggested to someone starting a question, and what they did next.

    Written in batches from what the ask page gathered in the cache; `posted`
    stays empty until 30 minutes have passed or the person posted.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="deflections")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    session_key = models.CharField(max_length=64, blank=True)
    # One ask-page visit: the same article shown again while typing counts once.
    visit = models.CharField(max_length=64)
    shown_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(null=True, blank=True)
    posted = models.BooleanField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["visit", "article"], name="faq_deflection_once_per_visit")]
        indexes = [models.Index(fields=["article", "shown_at"], name="faq_deflection_article")]

    def __str__(self):
        return f"Article {self.article_id} shown in {self.visit}"


class Candidate(models.Model):
    """Why a thread might belong in the FAQ: its signals, gathered by beat (faq.signal_tasks) and by suggestions.

    Views and search hits arrive in batches from the cache; an accepted answer
    and helpful votes are read from the thread when the signals are refreshed.
    """

    thread = models.OneToOneField(
        "community.Thread", primary_key=True, on_delete=models.CASCADE, related_name="faq_candidate"
    )
    views = models.PositiveIntegerField(default=0)
    search_hits = models.PositiveIntegerField(default=0)
    # Questions started later whose titles resemble this thread's.
    similar_asked = models.PositiveIntegerField(default=0)
    suggestions = models.PositiveIntegerField(default=0)
    has_accepted_answer = models.BooleanField(default=False)
    helpful_votes = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["dismissed_at"], name="faq_candidate_open")]

    def __str__(self):
        return f"Candidate thread {self.thread_id}"
