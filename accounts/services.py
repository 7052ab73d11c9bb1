from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.events import ProfileChanged
from accounts.images import reencode
from accounts.models import User
from outbox import bus


def create_member(
    *,
    username: str,
    email: str,
    password: str | None = None,
    display_name: str = "",
    bio: str = "",
    is_staff_member: bool = False,
    trust_level: int = User.TrustLevel.NEW,
    email_verified: bool = True,
) -> User:
    """Create an account outside the sign-up form (demo data, imports, tests).

    The address is recorded with allauth too, so the member can sign in with it.
    """
    with transaction.atomic():
        user = User(
            username=username,
            email=email,
            display_name=display_name,
            bio=bio,
            is_staff_member=is_staff_member,
            trust_level=trust_level,
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=email_verified)
    return user


def update_profile(
    actor: User,
    *,
    display_name: str,
    bio: str,
    avatar=None,
    remove_avatar: bool = False,
    avatar_size: int = 256,
    staff_role: str | None = None,
    team_focus: str | None = None,
) -> User:
    """Change the acting member's own profile; the upload must be validated already.

    Staff members also describe their job (`staff_role`, `team_focus`; None
    leaves it as it is); anyone else who tries is refused. Locks the member's
    row (select_for_update).
    """
    if (staff_role is not None or team_focus is not None) and not actor.is_staff_member:
        raise PermissionDenied("Only staff members describe a role on the team.")
    old_avatar = actor.avatar.name if actor.avatar else ""
    names = ("display_name", "bio", "avatar", "staff_role", "team_focus")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.pk)
        before = (user.display_name, user.bio, user.avatar.name, user.staff_role, user.team_focus)
        user.display_name = display_name.strip()
        user.bio = bio.strip()
        if staff_role is not None:
            user.staff_role = staff_role.strip()
        if team_focus is not None:
            user.team_focus = team_focus.strip()
        if avatar is not None:
            picture, _, _ = reencode(avatar, square=avatar_size)
            user.avatar.save("avatar.webp", picture, save=False)
        elif remove_avatar:
            user.avatar = ""
        user.full_clean(exclude=["password"])
        user.save(update_fields=list(names))
        after = (user.display_name, user.bio, user.avatar.name, user.staff_role, user.team_focus)
        changed = tuple(name for name, old, new in zip(names, before, after, strict=True) if old != new)
        if changed:
            bus.publish(ProfileChanged(member_id=user.pk, fields=changed))
        if old_avatar and old_avatar != user.avatar.name:
            storage = user.avatar.storage
            transaction.on_commit(lambda: storage.delete(old_avatar))
    actor.refresh_from_db()
    return user
