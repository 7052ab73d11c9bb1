"""Staff decisions about recognition: who is a super user."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import User
from moderation import audit
from moderation.services.trust import recalculate_trust
from recognition import permissions
from recognition.models import SuperUserChange
from recognition.standing import set_super_user

NOTE_MAX_LENGTH: int = SuperUserChange._meta.get_field("note").max_length or 500


def _decide(actor: User, member: User, status: str, note: str, *, nominated: bool) -> User:
    """Check, set the status, audit it and move the member's trust level with it, in one transaction.

    Locks the member's row (select_for_update, in set_super_user and then in recalculate_trust).
    """
    if not permissions.can_decide_super_users(actor):
        raise PermissionDenied("Only staff decide who is a super user.")
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError({"note": f"Keep the note to {NOTE_MAX_LENGTH} characters."})
    if nominated and not member.is_active:
        raise ValidationError({"member": "A banned or closed account can't be a super user."})
    with transaction.atomic():
        before = User.objects.select_for_update().values_list("super_user", flat=True).get(pk=member.pk)
        # Nominating someone who earned it changes nothing: the marker is theirs already.
        if before == status or (nominated and before == User.SuperUser.EARNED):
            return member
        set_super_user(member, status, decided_by=actor, note=note)
        audit.super_user_changed(actor, member, nominated=nominated, note=note, before=before, after=status)
        recalculate_trust(member)
    return member


def nominate_super_user(actor: User, *, member: User, note: str = "") -> User:
    """Make `member` a super user on the team's word, whatever their reputation."""
    return _decide(actor, member, User.SuperUser.NOMINATED, note, nominated=True)


def remove_super_user(actor: User, *, member: User, note: str = "") -> User:
    """Take super-user status away from `member`. It stays away, past any reputation, until staff nominate them."""
    return _decide(actor, member, User.SuperUser.REMOVED, note, nominated=False)
