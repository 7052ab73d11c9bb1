"""Warnings, suspensions and bans: given, lifted, and run out.

Every sanction has a reason, the member is told it in a private conversation
whose replies are their appeal, and every step is audited in the same
transaction. The public functions lock the member's row (select_for_update)
and then check permission (moderation.permissions: a scoped moderator only
for members who posted in their categories, nobody on a role as high as their
own, and no lifting of what a higher role imposed), so two moderators acting
at once leave one consistent state; the do_* functions expect both done by
their caller, as spam clean-up does.

A suspension sets User.suspended_until, which community.permissions reads on
every write. A ban clears User.is_active: Django's ModelBackend then refuses
the account, which ends its sessions too.
"""

import logging
from datetime import datetime
from typing import overload

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from accounts.models import User
from moderation import audit, events, permissions
from moderation.models import AuditEntry, MemberNote, Sanction
from moderation.services import feedback
from moderation.services.trust import recalculate_trust

logger = logging.getLogger(__name__)

Action = AuditEntry.Action
Kind = Sanction.Kind
REASON_MAX = 2000
APPEAL = (
    "If you think this is a mistake, reply to this conversation. "
    "The team reads every reply, and this is how to appeal."
)


def clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason: the member is told it."})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"Keep the reason under {REASON_MAX:,} characters."})
    return reason


def require_allowed(refusal: str | None) -> None:
    """Refuse with the reason the permission check gave, if it gave one."""
    if refusal:
        raise PermissionDenied(refusal)


def lock_member(member) -> User:
    """The member's row, locked for the rest of the transaction."""
    return User.objects.select_for_update().get(pk=member.pk if isinstance(member, User) else member)


def member_state(member) -> dict:
    """What a sanction changes on the account, as an audit entry's before or after."""
    until = member.suspended_until
    return {"suspended_until": until.isoformat() if until else None, "is_active": member.is_active}


def _when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%-d %B %Y, %H:%M %Z}"


def _quoted(reason: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in reason.splitlines())


@overload
def _future(moment: datetime, *, field: str, what: str) -> datetime: ...
@overload
def _future(moment: None, *, field: str, what: str) -> None: ...
def _future(moment: datetime | None, *, field: str, what: str) -> datetime | None:
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment <= timezone.now():
        raise ValidationError({field: f"{what} must end in the future."})
    return moment


# Giving sanctions --------------------------------------------------------------


def warn(actor, *, member: User, reason: str) -> Sanction:
    """Warn a member in a private message; nothing else changes, but it caps their trust level for a while."""
    reason = clean_reason(reason)
    with transaction.atomic():
        member = lock_member(member)
        require_allowed(permissions.sanction_refusal(actor, member))
        state = member_state(member)
        sanction = Sanction.objects.create(member=member, kind=Kind.WARNING, reason=reason, created_by=actor)
        feedback.tell_member(
            actor,
            member=member,
            subject="A warning from the moderators",
            body=(
                f"A moderator has warned you about how you take part here. The reason:\n\n{_quoted(reason)}\n\n"
                f"Your account works as before. Please keep to the community guidelines from now on.\n\n{APPEAL}"
            ),
            sanction=sanction,
            announce=False,
        )
        audit.member_sanctioned(
            actor, member, action=Action.MEMBER_WARNED, reason=reason, before=state, after=_after(member, sanction)
        )
        _announce(actor, sanction)
        recalculate_trust(member)
    return sanction


def suspend(actor, *, member: User, until: datetime, reason: str) -> Sanction:
    """Let the member read but not post until `until`; a longer suspension already running is kept."""
    reason = clean_reason(reason)
    if until is None:
        raise ValidationError({"until": "Choose when the suspension ends."})
    until = _future(until, field="until", what="A suspension")
    with transaction.atomic():
        member = lock_member(member)
        require_allowed(permissions.sanction_refusal(actor, member))
        state = member_state(member)
        sanction = Sanction.objects.create(
            member=member, kind=Kind.SUSPENSION, reason=reason, ends_at=until, created_by=actor
        )
        current = member.suspended_until
        member.suspended_until = max(until, current) if current else until
        User.objects.filter(pk=member.pk).update(suspended_until=member.suspended_until)
        feedback.tell_member(
            actor,
            member=member,
            subject=f"Your account is suspended until {_when(until)}",
            body=(
                f"A moderator has suspended your account until **{_when(until)}**. The reason:\n\n"
                f"{_quoted(reason)}\n\n"
                "Until then you can read the community and write to the team, but you can't post, reply, "
                f"vote or flag. Everything works again once the suspension ends.\n\n{APPEAL}"
            ),
            sanction=sanction,
            announce=False,
        )
        audit.member_sanctioned(
            actor, member, action=Action.MEMBER_SUSPENDED, reason=reason, before=state, after=_after(member, sanction)
        )
        _announce(actor, sanction)
        recalculate_trust(member)
    return sanction


def ban(actor, *, member: User, reason: str, until: datetime | None = None) -> Sanction:
    """Close the account to sign-ins, for good or until `until` (global moderators and staff)."""
    reason = clean_reason(reason)
    until = _future(until, field="until", what="A ban")
    with transaction.atomic():
        member = lock_member(member)
        require_allowed(permissions.ban_refusal(actor, member))
        sanction = do_ban(actor, member=member, reason=reason, until=until)
    return sanction


def do_ban(actor, *, member: User, reason: str, until: datetime | None = None) -> Sanction:
    """Ban a member whose row the caller has locked, having checked permission and cleaned the reason."""
    state = member_state(member)
    sanction = Sanction.objects.create(member=member, kind=Kind.BAN, reason=reason, ends_at=until, created_by=actor)
    member.is_active = False
    User.objects.filter(pk=member.pk).update(is_active=False)
    length = f"until {_when(until)}" if until else "permanently"
    # A banned member can't sign in to read the conversation: the sanction's
    # notice (notifications, by email whatever their settings) carries the reason.
    feedback.tell_member(
        actor,
        member=member,
        subject="Your account has been banned",
        body=f"A moderator has banned your account {length}. The reason:\n\n{_quoted(reason)}\n\n{APPEAL}",
        sanction=sanction,
        announce=False,
    )
    audit.member_sanctioned(
        actor, member, action=Action.MEMBER_BANNED, reason=reason, before=state, after=_after(member, sanction)
    )
    events.publish(events.MemberBanned(member_id=member.pk, actor_id=actor.pk, sanction_id=sanction.pk))
    _announce(actor, sanction)
    recalculate_trust(member)
    return sanction


def _announce(actor, sanction: Sanction) -> None:
    events.publish(
        events.MemberSanctioned(
            member_id=sanction.member_id,
            actor_id=actor.pk,
            sanction_id=sanction.pk,
            kind=sanction.kind,
            reason=sanction.reason,
            ends_at=sanction.ends_at.isoformat() if sanction.ends_at else None,
        )
    )


def _after(member: User, sanction: Sanction) -> dict:
    return {
        **member_state(member),
        "sanction": sanction.pk,
        "kind": sanction.kind,
        "ends_at": sanction.ends_at.isoformat() if sanction.ends_at else None,
    }


# Ending sanctions --------------------------------------------------------------


def _release(member: User, kind: str, *, now: datetime) -> None:
    """Recompute what the member's remaining sanctions of `kind` impose, after one of them ended.

    A suspension leaves the latest end among the others still running; a ban
    lets the member back in only when no other ban is in force.
    """
    running = Sanction.objects.filter(member=member, kind=kind, lifted_at=None, expired_at=None).filter(
        Q(ends_at=None) | Q(ends_at__gt=now)
    )
    if kind == Kind.SUSPENSION:
        member.suspended_until = running.aggregate(latest=Max("ends_at"))["latest"]
        User.objects.filter(pk=member.pk).update(suspended_until=member.suspended_until)
    elif kind == Kind.BAN and not member.is_active and not running.exists():
        member.is_active = True
        User.objects.filter(pk=member.pk).update(is_active=True)


def lift(actor, *, sanction: Sanction, reason: str) -> Sanction:
    """End a sanction early (or withdraw a warning), telling the member in the sanction's conversation."""
    reason = clean_reason(reason)
    with transaction.atomic():
        member = lock_member(sanction.member_id)
        sanction = Sanction.objects.select_related("created_by").get(pk=sanction.pk)
        require_allowed(permissions.lift_refusal(actor, sanction, member))
        sanction = do_lift(actor, sanction=sanction, member=member, reason=reason)
    return sanction


def do_lift(actor, *, sanction: Sanction, member: User, reason: str) -> Sanction:
    """Lift a sanction of a member whose row the caller has locked, having checked permission."""
    sanction = Sanction.objects.select_for_update().get(pk=sanction.pk)
    if sanction.lifted_at or sanction.expired_at:
        raise ValidationError(f"This {sanction.get_kind_display().lower()} has already ended.")
    now = timezone.now()
    state = member_state(member)
    sanction.lifted_at, sanction.lifted_by = now, actor
    sanction.save(update_fields=["lifted_at", "lifted_by"])
    _release(member, sanction.kind, now=now)
    kind = sanction.get_kind_display().lower()
    what = "warning was withdrawn" if sanction.kind == Kind.WARNING else f"{kind} is lifted"
    body = f"Your {what}, effective now. The moderator's note:\n\n{_quoted(reason)}"
    conversation = sanction.appeals.order_by("created_at", "pk").first()
    if conversation is None:
        feedback.tell_member(actor, member=member, subject=f"Your {what}", body=body, sanction=sanction)
    else:
        feedback.post_team_message(conversation, author=actor, body=body)
    audit.member_sanctioned(
        actor,
        member,
        action=Action.SANCTION_LIFTED,
        reason=reason,
        before=state,
        after={**member_state(member), "sanction": sanction.pk, "kind": sanction.kind},
    )
    recalculate_trust(member)
    return sanction


def expire_due_sanctions(*, limit: int = 500) -> int:
    """Let members back in whose suspensions and bans have run out; returns how many ended.

    Each sanction ends in its own transaction. Rows another transaction holds
    (a moderator acting on that member right now) are skipped with
    skip_locked and picked up by the next run, so running this twice, or on
    two workers at once, ends each sanction once.
    """
    now = timezone.now()
    due = list(
        Sanction.objects.filter(
            kind__in=[Kind.SUSPENSION, Kind.BAN], lifted_at=None, expired_at=None, ends_at__lte=now
        )
        .order_by("ends_at", "pk")
        .values_list("pk", "member_id")[:limit]
    )
    ended = 0
    for sanction_id, member_id in due:
        try:
            ended += _expire(sanction_id, member_id, now=now)
        except Exception:
            logger.exception("could not end sanction %s", sanction_id)
    return ended


def _expire(sanction_id: int, member_id: int, *, now: datetime) -> bool:
    # The member's row first, then the sanction's: the order lift() takes them
    # in, so the two can never wait on each other.
    with transaction.atomic():
        member = User.objects.select_for_update(skip_locked=True).filter(pk=member_id).first()
        if member is None:
            return False
        sanction = (
            Sanction.objects.select_for_update(skip_locked=True)
            .filter(pk=sanction_id, lifted_at=None, expired_at=None, ends_at__lte=now)
            .first()
        )
        if sanction is None:
            return False
        state = member_state(member)
        sanction.expired_at = now
        sanction.save(update_fields=["expired_at"])
        _release(member, sanction.kind, now=now)
        audit.member_sanctioned(
            None,
            member,
            action=Action.SANCTION_EXPIRED,
            reason=f"The {sanction.get_kind_display().lower()} ran out.",
            before=state,
            after={**member_state(member), "sanction": sanction.pk, "kind": sanction.kind},
        )
        recalculate_trust(member)
    return True


# Notes ---------------------------------------------------------------------------

NOTE_MAX: int = MemberNote._meta.get_field("body").max_length or 0


def add_note(actor, *, member: User, body: str) -> MemberNote:
    """Keep a private note on a member, which only moderators see."""
    if not permissions.can_view_member_notes(actor):
        raise PermissionDenied("Only moderators can keep notes on members.")
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write the note first."})
    if len(body) > NOTE_MAX:
        raise ValidationError({"body": f"Keep the note under {NOTE_MAX:,} characters."})
    with transaction.atomic():
        note = MemberNote.objects.create(member=member, author=actor, body=body)
        audit.member_noted(actor, member, body=body)
    return note
