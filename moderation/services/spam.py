"""Spam clean-up: remove everything an account posted and ban it, in one step that can be undone.

purge_spammer records exactly what it removed (post ids, the threads it took
down, accepted answers and solutions it cleared, queue items it closed) in its
audit entry, and unpurge_spammer puts exactly that back.

Why not community.services.posts.delete_post once per post: removing a reply
in a thread that is already removed takes it off the category's count a
second time, and posts still held for review were never counted, so
delete_post would count them off too. community has no way to restore a post
either. Both directions therefore live here, as small data updates made under
community's thread lock (community.services.thread_actions.lock_thread), with every
counter moved through community.counters, as the community services move them.
"""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from community import counters, events
from community.models import Post, Review, Thread
from community.services.thread_actions import lock_thread
from moderation import audit, permissions
from moderation import events as moderation_events
from moderation.models import AuditEntry, Flag, ReviewItem, Sanction
from moderation.services.sanctions import clean_reason, do_ban, do_lift, lock_member, require_allowed

Action = AuditEntry.Action


@dataclass
class _Removed:
    post_ids: list[int]
    thread_ids: list[int]
    accepted: list[list]  # [thread id, post id] pairs
    solved: list[list]  # [thread id, post id, problem status] triples
    review_items: list[int]


def last_purge(member) -> AuditEntry | None:
    """The member's latest purge if it has not been undone yet: one query."""
    latest = (
        AuditEntry.objects.filter(
            target_type="member", target_id=member.pk, action__in=[Action.SPAMMER_PURGED, Action.SPAMMER_RESTORED]
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    return latest if latest and latest.action == Action.SPAMMER_PURGED else None


def purge_ban(purge: AuditEntry) -> Sanction | None:
    """The ban a purge gave, with who gave it."""
    ban_id = purge.after.get("ban")
    return Sanction.objects.select_related("created_by").filter(pk=ban_id).first() if ban_id else None


def purge_spammer(actor, *, member: User, reason: str) -> AuditEntry:
    """Remove every live post and thread of `member` and ban the account, in one transaction.

    Locks the member's row, then each affected thread's row in id order.
    """
    reason = clean_reason(reason)
    with transaction.atomic():
        member = lock_member(member)
        require_allowed(permissions.purge_refusal(actor, member))
        if last_purge(member) and not member.is_active:
            raise ValidationError("This account was already cleaned up. Undo that first to run it again.")
        removed = _Removed([], [], [], [], [])
        by_thread = defaultdict(list)
        for pk, thread_id in Post.objects.filter(author=member, is_deleted=False).values_list("pk", "thread_id"):
            by_thread[thread_id].append(pk)
        for thread_id in sorted(by_thread):
            _remove_from_thread(actor, thread_id, by_thread[thread_id], removed)
        ban = None
        if member.is_active:
            ban = do_ban(actor, member=member, reason=reason)
        entry = audit.member_sanctioned(
            actor,
            member,
            action=Action.SPAMMER_PURGED,
            reason=reason,
            before={"is_active": ban is not None},
            after={
                "post_ids": sorted(removed.post_ids),
                "thread_ids": sorted(removed.thread_ids),
                "accepted": removed.accepted,
                "solved": removed.solved,
                "review_items": sorted(removed.review_items),
                "ban": ban.pk if ban else None,
            },
        )
    return entry


def _remove_from_thread(actor, thread_id: int, post_ids: list[int], removed: _Removed) -> None:
    thread = lock_thread(thread_id)
    posts = list(Post.objects.select_for_update().filter(pk__in=post_ids, is_deleted=False))
    if not posts:
        return
    ids = [post.pk for post in posts]
    replies = sum(1 for post in posts if not post.is_opening and post.review == Review.PUBLISHED)
    Post.objects.filter(pk__in=ids).update(is_deleted=True, deleted_at=timezone.now(), deleted_by=actor)

    if any(post.is_opening for post in posts) and not thread.is_deleted:
        # First, so the thread leaves its category with every post it had counted there.
        counters.thread_removed(thread)
        removed.thread_ids.append(thread.pk)
    counters.reply_left_view(thread, replies=replies)
    changes: dict[str, Any] = {}
    if thread.accepted_answer_id in ids:
        removed.accepted.append([thread.pk, thread.accepted_answer_id])
        changes["accepted_answer"] = None
    if thread.solving_post_id in ids:
        removed.solved.append([thread.pk, thread.solving_post_id, thread.problem_status])
        changes.update(solving_post=None, problem_status=Thread.ProblemStatus.OPEN)
    if changes:
        Thread.objects.filter(pk=thread.pk).update(**changes)
    counters.verified_changed(thread)

    items = ReviewItem.objects.filter(post_id__in=ids, status=ReviewItem.Status.OPEN)
    removed.review_items += list(items.values_list("pk", flat=True))
    moment = timezone.now()
    # The flags on a spammer's posts were right.
    upheld = list(
        Flag.objects.filter(item__in=items, outcome=Flag.Outcome.PENDING).values_list("pk", "post_id", "flagger_id")
    )
    Flag.objects.filter(pk__in=[pk for pk, _, _ in upheld]).update(outcome=Flag.Outcome.HELPFUL, resolved_at=moment)
    for flag_id, post_id, flagger_id in upheld:
        moderation_events.publish(
            moderation_events.FlagResolved(
                flag_id=flag_id,
                post_id=post_id,
                thread_id=thread.pk,
                flagger_id=flagger_id,
                outcome=Flag.Outcome.HELPFUL,
                actor_id=actor.pk,
            )
        )
    moderation_events.queue_changed(*items.values_list("category_id", flat=True))
    items.update(
        status=ReviewItem.Status.RESOLVED,
        resolution=ReviewItem.Resolution.DELETED,
        resolved_by=actor,
        resolved_at=moment,
    )
    removed.post_ids += ids
    # The purge's own audit entry records every post, and the member hears once, about the ban.
    for post in posts:
        events.publish(
            events.PostDeleted(thread_id=thread.pk, post_id=post.pk, author_id=post.author_id, actor_id=actor.pk)
        )


def unpurge_spammer(actor, *, member: User, reason: str) -> AuditEntry:
    """Undo the member's last purge: restore exactly the posts it removed and lift the ban it gave.

    Locks the member's row, then each affected thread's row in id order. Posts
    someone moved to another thread since are restored where they are now.
    """
    reason = clean_reason(reason)
    with transaction.atomic():
        member = lock_member(member)
        require_allowed(permissions.purge_refusal(actor, member))
        purge = last_purge(member)
        if purge is None:
            raise ValidationError("There is no clean-up of this account to undo.")
        ban = purge_ban(purge)
        require_allowed(permissions.unpurge_refusal(actor, member, ban))
        record = purge.after
        purged_threads = set(record.get("thread_ids", []))
        by_thread = defaultdict(list)
        rows = Post.objects.filter(pk__in=record.get("post_ids", []), is_deleted=True).values_list("pk", "thread_id")
        for pk, thread_id in rows:
            by_thread[thread_id].append(pk)
        accepted = {thread_id: post_id for thread_id, post_id in record.get("accepted", [])}
        solved = {thread_id: (post_id, status) for thread_id, post_id, status in record.get("solved", [])}
        restored = []
        for thread_id in sorted(by_thread):
            restored += _restore_to_thread(
                actor,
                thread_id,
                by_thread[thread_id],
                reopen=thread_id in purged_threads,
                accepted=accepted.get(thread_id),
                solved=solved.get(thread_id),
            )
        _reopen_items(record.get("review_items", []))
        lifted = None
        if ban is not None and ban.lifted_at is None and ban.expired_at is None:
            lifted = do_lift(actor, sanction=ban, member=member, reason=reason)
        entry = audit.member_sanctioned(
            actor,
            member,
            action=Action.SPAMMER_RESTORED,
            reason=reason,
            before={"purge": purge.pk},
            after={"post_ids": sorted(restored), "lifted_ban": lifted.pk if lifted else None},
        )
    return entry


def _restore_to_thread(actor, thread_id: int, post_ids: list[int], *, reopen: bool, accepted, solved) -> list[int]:
    thread = lock_thread(thread_id)
    posts = list(Post.objects.select_for_update().filter(pk__in=post_ids, is_deleted=True))
    if not posts:
        return []
    ids = [post.pk for post in posts]
    replies = sum(1 for post in posts if not post.is_opening and post.review == Review.PUBLISHED)
    Post.objects.filter(pk__in=ids).update(is_deleted=False, deleted_at=None, deleted_by=None)

    if reopen and thread.is_deleted and any(post.is_opening for post in posts):
        # First, so the thread brings back the posts it still counts, and the restored replies follow.
        counters.thread_restored(thread)
    counters.reply_became_visible(thread, replies=replies)
    changes: dict[str, Any] = {}
    # Give back an accepted answer or a solution only if nobody chose another meanwhile.
    if accepted in ids and thread.accepted_answer_id is None:
        changes["accepted_answer_id"] = accepted
    if solved and solved[0] in ids and thread.solving_post_id is None:
        changes.update(solving_post_id=solved[0], problem_status=solved[1])
    if changes:
        Thread.objects.filter(pk=thread.pk).update(**changes)
    counters.verified_changed(thread)
    for post in posts:
        events.publish(
            events.PostRestored(thread_id=thread.pk, post_id=post.pk, author_id=post.author_id, actor_id=actor.pk)
        )
    return ids


def _reopen_items(item_ids: list[int]) -> None:
    """Put closed queue items back, unless their post has gained an open one since."""
    busy = ReviewItem.objects.filter(status=ReviewItem.Status.OPEN).values("post_id")
    reopened = ReviewItem.objects.filter(pk__in=item_ids, status=ReviewItem.Status.RESOLVED).exclude(post_id__in=busy)
    moderation_events.queue_changed(*reopened.values_list("category_id", flat=True))
    reopened.update(status=ReviewItem.Status.OPEN, resolution="", resolved_by=None, resolved_at=None)
