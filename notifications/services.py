"""Telling members what happened, and their own choices about it."""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from community import permissions as community_permissions
from community.models import Category, Post, Subscription, Thread
from notifications import digests, emails, events, permissions, plans
from notifications.models import Channel, Delivery, DigestChoice, Kind, MutedMember, Notification, Preference
from outbox import bus

# What the rules (community.permissions) and the email read from a recipient: a batch loads only these.
RECIPIENT_FIELDS = (
    "username",
    "display_name",
    "email",
    "is_active",
    "is_superuser",
    "is_staff_member",
    "moderates_everywhere",
    "moderated_categories",
    "suspended_until",
)


def choices_for(user_ids: Iterable[int], kind: str) -> dict[int, dict[str, bool]]:
    """Each member's channels for `kind` ({"in_app": bool, "email": bool}): their own choice, or the default."""
    rows = Preference.objects.filter(user__in=user_ids, kind=kind).values_list("user_id", "in_app", "email")
    chosen = {user_id: {"in_app": in_app, "email": email} for user_id, in_app, email in rows}
    fallback = dict(settings.NOTIFICATION_DEFAULTS[kind])
    return {user_id: chosen.get(user_id, fallback) for user_id in user_ids}


def choices_for_member(user) -> dict[str, dict[str, bool]]:
    """The member's channels for every kind, for their settings page."""
    chosen = {
        kind: {"in_app": in_app, "email": email}
        for kind, in_app, email in Preference.objects.filter(user=user).values_list("kind", "in_app", "email")
    }
    return {kind: chosen.get(kind, dict(settings.NOTIFICATION_DEFAULTS[kind])) for kind in Kind.values}


def _watch_levels(user_ids: list[int], thread: Thread | None) -> dict[int, str]:
    """Each member's level for `thread`: the thread's own, else its category's, else the parent category's."""
    if thread is None:
        return {}
    rows = Subscription.objects.filter(
        Q(thread=thread) | Q(category__in=[pk for pk in (thread.category_id, thread.category.parent_id) if pk]),
        user__in=user_ids,
    ).values_list("user_id", "thread_id", "category_id", "level")
    levels: dict[int, tuple[int, str]] = {}
    for user_id, thread_id, category_id, level in rows:
        place = 0 if thread_id else (1 if category_id == thread.category_id else 2)
        if user_id not in levels or place < levels[user_id][0]:
            levels[user_id] = (place, level)
    return {user_id: level for user_id, (_, level) in levels.items()}


def fan_out(event, audience: dict[int, str]) -> int:
    """Queue `audience` (recipient id: kind) to hear of `event`, in batches; returns how many batches.

    Run in the transaction that handles `event`: the batches are outbox events
    committed with it, so once it commits no batch can be lost, only retried.
    """
    pairs = sorted(audience.items())
    size = settings.NOTIFICATION_BATCH_SIZE
    for start in range(0, len(pairs), size):
        batch = tuple(pairs[start : start + size])
        events.publish(events.AudienceBatched(source_id=str(event.event_id), audience=batch))
    return -(-len(pairs) // size)


def notify(event, audience: list[tuple[int, str]]) -> int:
    """Tell one batch of `audience` (recipient id, kind) about `event`; returns how many deliveries it made.

    Everything is written in one transaction, each notification and each email
    (queued in the outbox) with its delivery row, whose unique (event,
    recipient, channel) the database enforces: a task run twice, or two at
    once, tells nobody twice (the second fails on the constraint, rolls back,
    and its retry finds the work done).
    """
    with transaction.atomic():
        user_ids = [user_id for user_id, _ in audience]
        done = set(
            Delivery.objects.filter(event_id=event.event_id, recipient__in=user_ids).values_list(
                "recipient_id", "channel"
            )
        )
        pending = [
            (user_id, kind)
            for user_id, kind in audience
            if (user_id, Channel.IN_APP) not in done or (user_id, Channel.EMAIL) not in done
        ]
        if not pending:
            return 0
        first = plans.subject(event, pending[0][1])
        thread = post = None
        if first.thread_id:
            thread = Thread.objects.select_related("category").filter(pk=first.thread_id).first()
        if first.post_id:
            post = Post.objects.filter(pk=first.post_id).first()
        subjects = {kind: plans.subject(event, kind) for kind in {kind for _, kind in pending}}
        actor_ids = {subject.actor_id for subject in subjects.values() if subject.actor_id}
        users = User.objects.only(*RECIPIENT_FIELDS).in_bulk([user_id for user_id, _ in pending] + list(actor_ids))
        muting = set(
            MutedMember.objects.filter(user__in=user_ids, muted__in=actor_ids).values_list("user_id", "muted_id")
        )
        levels = _watch_levels(user_ids, thread)
        channels = {kind: choices_for([u for u, k in pending if k == kind], kind) for kind in subjects}
        email_extras: dict[str, dict] = {}
        moment = timezone.now()
        deliveries, notifications, mails = [], [], []
        for user_id, kind in pending:
            subject = subjects[kind]
            heard = permissions.may_hear(
                users.get(user_id),
                kind=kind,
                actor_id=subject.actor_id,
                thread=thread,
                post=post,
                mutes_actor=(user_id, subject.actor_id) in muting,
                watch_level=levels.get(user_id),
            )
            if not heard:
                continue
            wants = channels[kind][user_id]
            if wants["in_app"] and (user_id, Channel.IN_APP) not in done:
                deliveries.append(Delivery(event_id=event.event_id, recipient_id=user_id, channel=Channel.IN_APP))
                notifications.append(
                    Notification(
                        recipient_id=user_id,
                        kind=kind,
                        actor_id=subject.actor_id,
                        thread_id=subject.thread_id if thread else None,
                        post_id=subject.post_id if post else None,
                        group_key=plans.group_key(event, kind, subject),
                        detail=subject.detail,
                        reason=subject.reason,
                        event_id=event.event_id,
                        created_at=moment,
                    )
                )
            emailed = wants["email"] or kind in emails.REQUIRED_KINDS
            if emailed and users[user_id].email and (user_id, Channel.EMAIL) not in done:
                deliveries.append(Delivery(event_id=event.event_id, recipient_id=user_id, channel=Channel.EMAIL))
                mails.append((users[user_id], kind, subject))
        Delivery.objects.bulk_create(deliveries)
        Notification.objects.bulk_create(notifications)
        _unread_changed([n.recipient_id for n in notifications])
        for recipient, kind, subject in mails:
            if kind not in email_extras:
                email_extras[kind] = plans.email_context(event, kind)
            emails.queue(
                event_id=event.event_id,
                recipient=recipient,
                kind=kind,
                actor=users.get(subject.actor_id) if subject.actor_id else None,
                thread=thread,
                post=post,
                detail=subject.detail,
                detail_label=plans.detail_label(subject.detail),
                reason=subject.reason,
                extra=email_extras[kind],
            )
    return len(deliveries)


# The member's own actions ---------------------------------------------------------


def mark_read(user, *, notification: Notification) -> int:
    """Mark `notification` read, with the others shown on its line (the same group); returns how many."""
    if notification.recipient_id != user.pk:
        raise PermissionDenied("That is not your notification.")
    with transaction.atomic():
        marked = Notification.objects.filter(recipient=user, group_key=notification.group_key, read_at=None).update(
            read_at=timezone.now()
        )
        if marked:
            _unread_changed([user.pk])
    return marked


def mark_all_read(user) -> int:
    with transaction.atomic():
        marked = Notification.objects.filter(recipient=user, read_at=None).update(read_at=timezone.now())
        if marked:
            _unread_changed([user.pk])
    return marked


def _unread_changed(member_ids: list[int]) -> None:
    """The members' bells change: their cached counts move on, and their open pages are told (live.unread_changed)."""
    if member_ids:
        bus.publish(events.UnreadChanged(member_ids=tuple(sorted(set(member_ids)))))


def set_preferences(user, *, choices: dict[str, dict[str, bool]], digest: str | None = None) -> None:
    """Save the member's channels for each kind in `choices` (kind -> {"in_app": bool, "email": bool}),
    and how often they get a summary (`digest`, a DigestChoice.Frequency; None leaves it)."""
    unknown = set(choices) - set(Kind.values)
    if unknown:
        raise ValidationError(f"Unknown kinds: {', '.join(sorted(unknown))}")
    if digest is not None and digest not in DigestChoice.Frequency.values:
        raise ValidationError({"digest": "Choose never, daily or weekly."})
    with transaction.atomic():
        if digest is not None:
            digests.set_frequency(user, frequency=digest)
        for kind, channel in choices.items():
            Preference.objects.update_or_create(
                user=user,
                kind=kind,
                defaults={"in_app": bool(channel.get("in_app")), "email": bool(channel.get("email"))},
            )


def set_watch_level(
    user, *, level: str, thread: Thread | None = None, category: Category | None = None
) -> Subscription | None:
    """Watch, track or mute a thread or a category; an empty level stops following it."""
    if not community_permissions.is_member(user):
        raise PermissionDenied("Sign in to follow threads and categories.")
    if (thread is None) == (category is None):
        raise ValidationError("Choose a thread or a category.")
    if level and level not in Subscription.Level.values:
        raise ValidationError({"level": "Choose watching, tracking or muted."})
    if thread is not None and not community_permissions.can_view_thread(user, thread):
        raise PermissionDenied("You can't see this thread.")
    target: dict[str, Any] = {"thread": thread} if thread is not None else {"category": category}
    with transaction.atomic():
        if not level:
            Subscription.objects.filter(user=user, **target).delete()
            return None
        subscription, _ = Subscription.objects.update_or_create(user=user, **target, defaults={"level": level})
    return subscription


def mute_member(user, *, member: User) -> MutedMember:
    """From now on `user` hears nothing that `member` does."""
    if not permissions.can_mute(user, member):
        raise ValidationError("You can't mute yourself.")
    muted, _ = MutedMember.objects.get_or_create(user=user, muted=member)
    return muted


def unmute_member(user, *, member: User) -> None:
    MutedMember.objects.filter(user=user, muted=member).delete()


def unsubscribe(token: str) -> tuple[User, str] | None:
    """Stop the emails of the kind a signed link names; None, and nothing changed, for a forged or expired one."""
    signed = emails.read_unsubscribe_token(token)
    if signed is None:
        return None
    user_id, kind = signed
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return None
    with transaction.atomic():
        in_app = choices_for_member(user)[kind]["in_app"]
        Preference.objects.update_or_create(user=user, kind=kind, defaults={"in_app": in_app, "email": False})
    return user, kind
