from django.db.models import QuerySet

from accounts.models import User


def active_users() -> QuerySet[User]:
    return User.objects.filter(is_active=True)


def get_profile_user(username: str) -> User | None:
    return active_users().filter(username__iexact=username).first()


def staff_members(limit: int = 6) -> QuerySet[User]:
    return active_users().filter(is_staff_member=True).order_by("display_name", "username")[:limit]


def newest_members(limit: int = 6) -> QuerySet[User]:
    return active_users().order_by("-date_joined")[:limit]
