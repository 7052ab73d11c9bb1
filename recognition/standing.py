"""What a member's reputation makes them: their rank, and super-user status.

`set_super_user` is the one writer of accounts.User.super_user: the ledger
calls it when reputation first crosses settings.RECOGNITION_SUPER_USER_REPUTATION,
and staff's nominations and removals call it too (their service checks
permission first).

A change is published as recognition.events.StandingChanged in the changing
transaction, so it is never lost (the outbox holds it), and announced to the
pages that show the member as accounts.events.ProfileChanged after commit,
in a transaction of its own. Announcing it inside a vote's transaction would
bump every thread the member posted in while holding the member's row, and a
concurrent vote holding one of those threads and waiting for that row would
deadlock with it.
"""

from django.conf import settings
from django.db import transaction

from accounts.models import User, rank_for
from moderation.services import trust
from outbox import bus
from recognition.events import RankEarned, StandingChanged
from recognition.models import SuperUserChange


def set_super_user(member: User, status: str, *, decided_by: User | None = None, note: str = "") -> User:
    """Make `member` a super user (earned or nominated), or remove them; a no-op when nothing changes.

    Locks the member's row (select_for_update), records the change, and
    publishes it, for the pages that show the member's marker.
    """
    if status not in User.SuperUser.values:
        raise ValueError(f"Unknown super-user status {status!r}.")
    with transaction.atomic():
        current = User.objects.select_for_update().values_list("super_user", flat=True).get(pk=member.pk)
        if current == status:
            member.super_user = status
            return member
        User.objects.filter(pk=member.pk).update(super_user=status)
        SuperUserChange.objects.create(member_id=member.pk, status=status, decided_by=decided_by, note=note[:500])
        bus.publish(StandingChanged(member_id=member.pk, fields=("super_user",)))
    member.super_user = status
    return member


def reputation_moved(member: User, *, old: int, new: int) -> None:
    """Called by the ledger, in its transaction, after `member`'s reputation went from `old` to `new`.

    A new rank changes every page beside whose posts it shows, and a higher
    one is published as RankEarned for the member to hear of. Reaching the
    super-user threshold makes a member a super user: someone staff
    removed ("removed") stays removed, and dropping back below the threshold
    later takes nothing away, since the status marks help already given.

    Reaching a trust level's reputation threshold, or super-user status, raises
    the member's trust level here, in the same transaction (moderation's trust
    computation decides and audits it), so their flags weigh more from now on.
    Falls are left to the nightly sweep.
    """
    old_rank, new_rank = rank_for(old), rank_for(new)
    if old_rank != new_rank:
        bus.publish(StandingChanged(member_id=member.pk, fields=("rank",)))
        # Only a rise is news to the member; a drop shows on their profile, and telling them of it helps nobody.
        if new > old:
            bus.publish(RankEarned(member_id=member.pk, rank=new_rank))
    threshold = settings.RECOGNITION_SUPER_USER_REPUTATION
    became_super_user = new >= threshold and member.super_user == User.SuperUser.NONE
    if became_super_user:
        set_super_user(member, User.SuperUser.EARNED, note=f"Reached {threshold:,} reputation.")
    if became_super_user or trust.crossed_a_level(old, new):
        trust.recalculate_trust(member, only_raise=True, reason=f"Reputation reached {new:,}.")
