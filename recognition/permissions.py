"""Who may do what in recognition: one function per action."""

from community.permissions import is_staff


def can_decide_super_users(user) -> bool:
    """Nominating and removing super users is the team's call."""
    return is_staff(user)
