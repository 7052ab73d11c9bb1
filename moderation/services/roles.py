from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.models import User
from community.models import Category
from moderation import audit, permissions
from moderation.models import ModeratorRole


def sync_scope(member: User) -> User:
    """Copy the member's roles onto the user row, where page permission checks read them."""
    roles = list(ModeratorRole.objects.filter(user=member).values_list("category_id", flat=True))
    member.moderates_everywhere = None in roles
    member.moderated_categories = sorted(pk for pk in roles if pk is not None)
    User.objects.filter(pk=member.pk).update(
        moderates_everywhere=member.moderates_everywhere, moderated_categories=member.moderated_categories
    )
    return member


def grant_moderator(actor, *, member: User, category: Category | None = None) -> ModeratorRole:
    """Make `member` a moderator of `category`, or everywhere when it is None (staff only)."""
    if not permissions.can_manage_roles(actor):
        raise PermissionDenied("Only staff can appoint moderators.")
    with transaction.atomic():
        User.objects.select_for_update().get(pk=member.pk)
        role, created = ModeratorRole.objects.get_or_create(
            user=member, category=category, defaults={"granted_by": actor}
        )
        if created:
            sync_scope(member)
            audit.role_changed(actor, member, granted=True, category=category)
    return role


def revoke_moderator(actor, *, member: User, category: Category | None = None) -> None:
    if not permissions.can_manage_roles(actor):
        raise PermissionDenied("Only staff can remove moderators.")
    with transaction.atomic():
        User.objects.select_for_update().get(pk=member.pk)
        deleted, _ = ModeratorRole.objects.filter(user=member, category=category).delete()
        if deleted:
            sync_scope(member)
            audit.role_changed(actor, member, granted=False, category=category)
