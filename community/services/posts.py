from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from community import counters, events, permissions, search
from community.models import Post, PostRevision, Review, Thread
from community.services._common import (
    clean_title,
    lock_thread,
    now,
    refuse_if_moved,
    render_body,
    screen,
    thread_slug,
)
from community.services.subscriptions import auto_follow
from moderation import screening

NOT_THERE = "That post isn't there any more."


def refuse_if_unseen(actor, post: Post, thread: Thread) -> None:
    """Nobody acts on a post they can't see; to them it doesn't exist."""
    if not permissions.can_view_post(actor, post, thread):
        raise PermissionDenied(NOT_THERE)


def reply(author, *, parent: Post, body: str) -> Post:
    """Answer `parent`, nesting the reply under it in the thread's tree.

    Locks the thread row (select_for_update) before touching the tree, because
    mptt rewrites lft/rght across the tree and is unsafe with concurrent writers.
    Moderation screens the text first: it may refuse it, censor it, or hold
    the reply for review, in which case only its author and moderators see it
    until it is approved, and the counters wait too.
    """
    body, rendered = render_body(body)
    moment = now()
    with transaction.atomic():
        thread = lock_thread(parent.thread_id)
        refusal = permissions.reply_refusal(author, thread)
        if refusal:
            raise PermissionDenied(refusal)
        # Re-read the parent under the lock: its lft/rght, or even its thread, may have changed.
        parent = Post.objects.get(pk=parent.pk)
        refuse_if_moved(parent, thread)
        refuse_if_unseen(author, parent, thread)
        if parent.is_deleted:
            raise ValidationError({"body": "That post was removed, so it can't be replied to."})
        verdict = screen(author, thread.category, body, action="post")
        if verdict.text != body:
            body, rendered = render_body(verdict.text)
        post = Post.objects.create(
            thread=thread,
            parent=parent,
            branch_id=None if parent.level == 0 else (parent.branch_id or parent.pk),
            author=author,
            body=body,
            body_html=rendered.html,
            body_text=rendered.text,
            is_official=author.is_staff_member,
            review=Review.PENDING if verdict.held else Review.PUBLISHED,
            created_at=moment,
        )
        search.index_post(post)
        auto_follow(author, thread)
        if verdict.held:
            events.publish(
                events.PostHeld(
                    thread_id=thread.pk,
                    post_id=post.pk,
                    author_id=author.pk,
                    category_id=thread.category_id,
                    reason=verdict.hold,
                )
            )
            return post
        counters.reply_became_visible(thread, moment=moment, poster_id=author.pk)
        events.publish(
            events.ReplyPosted(
                thread_id=thread.pk,
                post_id=post.pk,
                parent_id=parent.pk,
                author_id=author.pk,
                parent_author_id=parent.author_id,
                mentioned_user_ids=rendered.mention_ids,
            )
        )
    return post


def edit_post(editor, *, post: Post, body: str, title: str | None = None) -> Post:
    """The author changes their post's body (and, for an opening post, the thread title), keeping a revision.

    Someone else's post is edited through moderation's `edit_post`, which audits the edit.
    Locks the thread row, then the post (select_for_update).
    """
    body, rendered = render_body(body)
    with transaction.atomic():
        thread, post = lock_post(post)
        refuse_if_unseen(editor, post, thread)
        if not permissions.can_edit_post(editor, post, thread):
            raise PermissionDenied("You can't edit this post.")
        return do_edit_post(editor, post=post, thread=thread, body=body, rendered=rendered, title=title)


def lock_post(post: Post) -> tuple[Thread, Post]:
    """The post's thread and the post itself, locked in that order and re-read."""
    thread = lock_thread(post.thread_id)
    post = Post.objects.select_for_update().get(pk=post.pk)
    refuse_if_moved(post, thread)
    return thread, post


def do_edit_post(editor, *, post: Post, thread: Thread, body: str, rendered, title: str | None = None) -> Post:
    """Edit `post` as `editor` without asking whether they may: the caller decided, under `lock_post`'s locks.

    `body` and `rendered` come from `render_body`.
    """
    if not permissions.is_moderator(editor, thread.category):
        # Edits meet the same blocked and censored words as new posts.
        screened = screening.screen_text(text=body).text
        if screened != body:
            body, rendered = render_body(screened)
    new_title = clean_title(title) if (title is not None and post.is_opening) else thread.title
    if body == post.body and new_title == thread.title:
        return post
    number = post.revision_count + 1
    PostRevision.objects.create(
        post=post,
        number=number,
        title=thread.title if post.is_opening else "",
        body=post.body,
        edited_by=editor,
    )
    post.body, post.body_html, post.body_text = body, rendered.html, rendered.text
    post.edited_at, post.revision_count = now(), number
    post.save(update_fields=["body", "body_html", "body_text", "edited_at", "revision_count"])
    if new_title != thread.title:
        Thread.objects.filter(pk=thread.pk).update(title=new_title, slug=thread_slug(new_title))
    search.index_post(post, title=new_title)
    events.publish(events.PostEdited(thread_id=thread.pk, post_id=post.pk, editor_id=editor.pk, revision=number))
    return post


def delete_post(actor, *, post: Post) -> Post:
    """The author removes their post: it stays in the tree as "post removed", so replies keep their place.

    Removing the opening post removes the whole thread. Someone else's post is
    removed through moderation's `remove_post`, which audits it and tells the
    author. Locks the thread row, then the post (select_for_update).
    """
    with transaction.atomic():
        thread, post = lock_post(post)
        refuse_if_unseen(actor, post, thread)
        if not permissions.can_delete_post(actor, post, thread):
            raise PermissionDenied("You can't remove this post.")
        return do_delete_post(actor, post=post, thread=thread)


def do_delete_post(actor, *, post: Post, thread: Thread, reason: str = "") -> Post:
    """Remove `post` as `actor` without asking whether they may: the caller decided, under `lock_post`'s locks."""
    post.is_deleted, post.deleted_at, post.deleted_by = True, now(), actor
    post.save(update_fields=["is_deleted", "deleted_at", "deleted_by"])
    if post.is_opening:
        counters.thread_removed(thread)
    elif post.review == Review.PUBLISHED:
        # A held or hidden reply was never counted.
        counters.reply_left_view(thread)
    thread_changes: dict[str, Any] = {}
    if thread.accepted_answer_id == post.pk:
        thread_changes["accepted_answer"] = None
    if thread.solving_post_id == post.pk:
        thread_changes["solving_post"] = None
        thread_changes["problem_status"] = Thread.ProblemStatus.OPEN
    if thread_changes:
        Thread.objects.filter(pk=thread.pk).update(**thread_changes)
    if post.is_verified:
        post.is_verified = False
        post.save(update_fields=["is_verified"])
        counters.verified_changed(thread)
    events.publish(
        events.PostDeleted(
            thread_id=thread.pk, post_id=post.pk, author_id=post.author_id, actor_id=actor.pk, reason=reason
        )
    )
    return post


def _answer_for(actor, post: Post, *, check) -> tuple[Thread, Post]:
    thread = lock_thread(post.thread_id)
    post = Post.objects.get(pk=post.pk)
    refuse_if_moved(post, thread)
    if thread.kind != Thread.Kind.QUESTION and check is permissions.can_accept_answer:
        raise ValidationError("Only questions have an accepted answer.")
    if not check(actor, thread):
        raise PermissionDenied("You can't do that in this thread.")
    refuse_if_unseen(actor, post, thread)
    if refusal := permissions.answer_refusal(post):
        raise ValidationError(refusal)
    return thread, post


def accept_answer(actor, *, post: Post) -> Thread:
    """The asker (or staff) picks the answer that solved the question; picking another replaces it."""
    with transaction.atomic():
        thread, post = _answer_for(actor, post, check=permissions.can_accept_answer)
        previous = thread.accepted_answer_id
        if previous == post.pk:
            return thread
        thread.accepted_answer = post
        Thread.objects.filter(pk=thread.pk).update(accepted_answer=post)
        events.publish(
            events.AnswerAccepted(
                thread_id=thread.pk,
                post_id=post.pk,
                answer_author_id=post.author_id,
                actor_id=actor.pk,
                previous_post_id=previous,
            )
        )
    return thread


def unaccept_answer(actor, *, thread: Thread) -> Thread:
    with transaction.atomic():
        thread = lock_thread(thread.pk)
        if not permissions.can_accept_answer(actor, thread):
            raise PermissionDenied("You can't change the accepted answer here.")
        if thread.accepted_answer_id is None:
            raise ValidationError("No answer is accepted.")
        post = Post.objects.get(pk=thread.accepted_answer_id)
        thread.accepted_answer = None
        Thread.objects.filter(pk=thread.pk).update(accepted_answer=None)
        events.publish(
            events.AnswerUnaccepted(
                thread_id=thread.pk, post_id=post.pk, answer_author_id=post.author_id, actor_id=actor.pk
            )
        )
    return thread


def verify_answer(actor, *, post: Post, verified: bool = True) -> Post:
    """Staff endorse an answer as correct, independently of the asker's choice."""
    with transaction.atomic():
        thread, post = _answer_for(actor, post, check=permissions.can_verify_answer)
        if post.is_verified == verified:
            return post
        post.is_verified = verified
        post.verified_by = actor if verified else None
        post.save(update_fields=["is_verified", "verified_by"])
        counters.verified_changed(thread)
        events.publish(
            events.AnswerVerified(
                thread_id=thread.pk,
                post_id=post.pk,
                answer_author_id=post.author_id,
                actor_id=actor.pk,
                verified=verified,
            )
        )
    return post
