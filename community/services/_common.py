from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.text import slugify

from community import permissions
from community.models import BODY_MAX, TITLE_MAX, TITLE_MIN, Category, Thread
from community.rendering import Rendered, render_markdown
from moderation import screening

# Any constant will do; it names "creating a thread tree" for pg_advisory_xact_lock.
NEW_TREE_LOCK = 7_341_001


def lock_new_tree() -> None:
    """Serialise the creation of thread trees.

    mptt gives a new tree max(tree_id) + 1, which two concurrent writers would
    both compute alike. PostgreSQL takes a transaction-scoped advisory lock;
    SQLite already serialises writers (transactions BEGIN IMMEDIATE).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [NEW_TREE_LOCK])


def lock_thread(thread_id: int) -> Thread:
    """Lock the thread row; every write to its tree happens under this lock.

    Only the thread's row: the joined category is read, not locked, so writers
    in one category don't queue behind each other (or deadlock with a split).
    """
    return Thread.objects.select_for_update(of=("self",)).select_related("category").get(pk=thread_id)


def refuse_if_moved(post, thread: Thread) -> None:
    """A merge or split may move a post between reading it and locking its thread; then act on nothing."""
    if post.thread_id != thread.pk:
        raise ValidationError("That post was just moved to another thread. Reload the page and try again.")


def clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if len(title) < TITLE_MIN:
        raise ValidationError({"title": f"Write a title of at least {TITLE_MIN} characters."})
    if len(title) > TITLE_MAX:
        raise ValidationError({"title": f"Keep the title under {TITLE_MAX} characters (it has {len(title)})."})
    return title


def render_body(body: str, field: str = "body") -> tuple[str, Rendered]:
    body = (body or "").strip()
    if not body:
        raise ValidationError({field: "Write something first."})
    if len(body) > BODY_MAX:
        raise ValidationError({field: f"Keep it under {BODY_MAX:,} characters (it has {len(body):,})."})
    rendered = render_markdown(body)
    if rendered.unknown_mentions:
        names = ", ".join(f"@{name}" for name in rendered.unknown_mentions)
        raise ValidationError({field: f"No member is called {names}. Check the spelling, or remove the @."})
    return body, rendered


# Thread actions live at /t/<pk>/<action>/, so a slug must never equal one.
RESERVED_SLUGS = {"unaccept", "vote", "me-too", "status", "follow", "moderate"}


def thread_slug(title: str) -> str:
    slug = slugify(title)[:80].strip("-") or "thread"
    return f"{slug}-thread" if slug in RESERVED_SLUGS else slug


def now():
    return timezone.now()


def screen(author, category: Category, text: str, *, action: str, field: str = "body") -> screening.Verdict:
    """Moderation's verdict on a new thread or reply; raises ValidationError when it refuses."""
    return screening.screen_post(
        author_id=author.pk,
        trust_level=author.trust_level,
        exempt=permissions.is_moderator(author, category),
        text=text,
        action=action,
        field=field,
    )
