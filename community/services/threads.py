from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from community import counters, events, permissions, search
from community.models import Category, Post, Review, StatusChange, Tag, Thread
from community.rendering import render_markdown
from community.services._common import (
    clean_title,
    lock_new_tree,
    lock_thread,
    now,
    render_body,
    screen,
    thread_slug,
)
from community.services.subscriptions import auto_follow

MAX_TAGS = 5


def start_thread(
    author,
    *,
    category: Category,
    kind: str,
    title: str,
    body: str,
    tags: Iterable[Tag] = (),
) -> Thread:
    """Open a thread: the Thread row plus its opening post, the root of a new tree."""
    if not permissions.can_start_thread(author, category):
        raise PermissionDenied(f"You can't start threads in {category.name}.")
    if kind not in Thread.Kind.values:
        raise ValidationError({"kind": "Choose what kind of thread this is."})
    title = clean_title(title)
    body, rendered = render_body(body)
    tags = list(tags)
    if len(tags) > MAX_TAGS:
        raise ValidationError({"tags": f"Pick at most {MAX_TAGS} tags."})
    verdict = screen(author, category, body, action="thread")
    if verdict.text != body:
        body, rendered = render_body(verdict.text)
    review = Review.PENDING if verdict.held else Review.PUBLISHED
    moment = now()
    with transaction.atomic():
        lock_new_tree()
        thread = Thread.objects.create(
            category=category,
            author=author,
            kind=kind,
            title=title,
            slug=thread_slug(title),
            problem_status=Thread.ProblemStatus.OPEN if kind == Thread.Kind.PROBLEM else "",
            idea_status=Thread.IdeaStatus.NEW if kind == Thread.Kind.IDEA else "",
            review=review,
            created_at=moment,
            last_activity_at=moment,
            last_poster=author,
        )
        post = Post.objects.create(
            thread=thread,
            parent=None,
            author=author,
            body=body,
            body_html=rendered.html,
            body_text=rendered.text,
            is_official=author.is_staff_member,
            review=review,
            created_at=moment,
        )
        Thread.objects.filter(pk=thread.pk).update(opening_post=post)
        search.index_post(post, title=title)
        thread.opening_post = post
        if tags:
            thread.tags.set(tags)
        auto_follow(author, thread)
        if verdict.held:
            events.publish(
                events.PostHeld(
                    thread_id=thread.pk,
                    post_id=post.pk,
                    author_id=author.pk,
                    category_id=category.pk,
                    reason=verdict.hold,
                )
            )
            return thread
        counters.thread_started(thread)
        events.publish(
            events.ThreadStarted(
                thread_id=thread.pk,
                post_id=post.pk,
                author_id=author.pk,
                category_id=category.pk,
                kind=kind,
                mentioned_user_ids=rendered.mention_ids,
            )
        )
    return thread


def _status_change(actor, thread, field, new_status, note):
    note = (note or "").strip()
    note_html = render_markdown(note).html if note else ""
    old_status = getattr(thread, f"{field}_status")
    StatusChange.objects.create(
        thread=thread,
        field=field,
        old_status=old_status,
        new_status=new_status,
        note=note,
        note_html=note_html,
        actor=actor,
    )
    setattr(thread, f"{field}_status", new_status)
    events.publish(
        events.StatusChanged(
            thread_id=thread.pk, field=field, old_status=old_status, new_status=new_status, actor_id=actor.pk
        )
    )


def set_idea_status(actor, *, thread: Thread, status: str, note: str = "") -> Thread:
    """Move an idea along its road (staff), with a public note."""
    if status not in Thread.IdeaStatus.values:
        raise ValidationError({"status": "Unknown idea status."})
    with transaction.atomic():
        thread = lock_thread(thread.pk)
        if thread.kind != Thread.Kind.IDEA:
            raise ValidationError({"status": "Only ideas have an idea status."})
        if not permissions.can_set_status(actor, thread):
            raise PermissionDenied("Only staff can change an idea's status.")
        if status == thread.idea_status:
            raise ValidationError({"status": "The idea already has that status."})
        _status_change(actor, thread, StatusChange.Field.IDEA, status, note)
        thread.save(update_fields=["idea_status"])
    return thread


def set_problem_status(
    actor, *, thread: Thread, status: str, note: str = "", solving_post: Post | None = None
) -> Thread:
    """Mark a problem open, a known issue, or solved by one of its posts (staff)."""
    if status not in Thread.ProblemStatus.values:
        raise ValidationError({"status": "Unknown problem status."})
    with transaction.atomic():
        thread = lock_thread(thread.pk)
        if thread.kind != Thread.Kind.PROBLEM:
            raise ValidationError({"status": "Only problems have a problem status."})
        if not permissions.can_set_status(actor, thread):
            raise PermissionDenied("Only staff can change a problem's status.")
        if status == Thread.ProblemStatus.SOLVED:
            if solving_post is None:
                raise ValidationError({"solving_post": "Say which post solves the problem."})
            if solving_post.thread_id != thread.pk or solving_post.is_deleted or solving_post.is_opening:
                raise ValidationError({"solving_post": "The solving post must be a reply in this thread."})
            # The problem panel shows the solution to every reader.
            if not permissions.is_public_post(solving_post):
                raise ValidationError({"solving_post": "Only a published reply can be the solution."})
        elif solving_post is not None:
            raise ValidationError({"solving_post": "Only a solved problem links to a solving post."})
        if status == thread.problem_status and solving_post is None:
            raise ValidationError({"status": "The problem already has that status."})
        _status_change(actor, thread, StatusChange.Field.PROBLEM, status, note)
        thread.solving_post = solving_post
        thread.save(update_fields=["problem_status", "solving_post"])
    return thread
