from django.db.models import QuerySet

from accounts.models import User

# What pages show of a member. Everything else (the password hash, the email address, moderation state)
# stays out of what they load, and so out of anything cached from it.
SHOWN_FIELDS = (
    "id",
    "username",
    "display_name",
    "avatar",
    "is_staff_member",
    "trust_level",
    "is_active",
    # The rank, the super-user marker and the staff role beside every post.
    "reputation",
    "super_user",
    "staff_role",
)


def unshown_fields(prefix: str = "") -> list[str]:
    """The User fields pages don't show, for `.defer()`; prefix them to reach the user through a relation."""
    return [f"{prefix}{f.name}" for f in User._meta.concrete_fields if f.attname not in SHOWN_FIELDS]


def active_users() -> QuerySet[User]:
    return User.objects.filter(is_active=True)


def staff_members(limit: int = 6) -> QuerySet[User]:
    return active_users().filter(is_staff_member=True).only(*SHOWN_FIELDS).order_by("display_name", "username")[:limit]


def newest_members(limit: int = 6) -> QuerySet[User]:
    return active_users().order_by("-date_joined")[:limit]
