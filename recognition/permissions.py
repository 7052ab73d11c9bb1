"""Who may do what in recognition: one function per action."""

from community.permissions import is_staff, posting_refusal


def can_give_badge(user) -> bool:
    """Staff hand out the manual badges; a suspended account acts on nothing until it ends."""
    return is_staff(user) and posting_refusal(user) is None


def can_decide_super_users(user) -> bool:
    """Nominating and removing super users is the team's call."""
    return is_staff(user)
