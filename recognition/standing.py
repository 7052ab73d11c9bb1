"""A member's standing as a super user: the one place that writes `User.super_user`."""

from django.db import transaction

from accounts.events import ProfileChanged
from accounts.models import User
from outbox import bus
from recognition.models import SuperUserChange


def set_super_user(member: User, status: str, *, decided_by: User | None = None, note: str = "") -> User:
    """Give `member` the super-user `status` (accounts.User.SuperUser), recorded with who decided.

    Locks the member's row (select_for_update). A status the member already
    has changes nothing and records nothing. A change appends a
    `SuperUserChange` and announces it (`ProfileChanged`), since the marker
    shows beside the member's posts.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=member.pk)
        if locked.super_user != status:
            User.objects.filter(pk=locked.pk).update(super_user=status)
            SuperUserChange.objects.create(member=locked, status=status, decided_by=decided_by, note=note)
            bus.publish(ProfileChanged(member_id=locked.pk, fields=("super_user",)))
    member.super_user = status
    return member
