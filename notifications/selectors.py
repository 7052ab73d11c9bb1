"""What a member's notification pages read."""

import dataclasses

from django.db.models import BooleanField, Count, ExpressionWrapper, Max, Min, Q, QuerySet
from django.urls import reverse

from community.models import Category, Subscription
from notifications import emails, plans
from notifications.models import Kind, MutedMember, Notification

# The bell shows "99+" beyond this, so counting never reads more rows.
UNREAD_SHOWN = 99


def own_notifications(user) -> QuerySet[Notification]:
    """The member's notifications only: anyone else's are not found (404), never refused."""
    return Notification.objects.filter(recipient_id=user.pk)


def unread_count(user) -> int:
    """One small query on the unread index, at most UNREAD_SHOWN + 1 rows counted."""
    return own_notifications(user).filter(read_at=None).values("pk")[: UNREAD_SHOWN + 1].count()


def line_groups(user) -> QuerySet:
    """One row per line of the list: a group's unread (or read) notifications together, newest line first.

    Each row names its newest notification (`latest`), its oldest (`first`,
    where reading the thread should start) and how many it holds.
    """
    unread = ExpressionWrapper(Q(read_at=None), output_field=BooleanField())
    return (
        own_notifications(user)
        .annotate(unread=unread)
        .values("group_key", "unread")
        .annotate(latest=Max("pk"), first=Min("pk"), count=Count("pk"))
        .order_by("-latest")
    )


@dataclasses.dataclass(frozen=True)
class Line:
    notification: Notification
    count: int
    unread: bool
    url: str

    @property
    def detail_label(self) -> str:
        return plans.detail_label(self.notification.detail)


def lines(groups) -> list[Line]:
    """The page's lines, their notifications read in one query with what they show."""
    groups = list(groups)
    wanted = {row["latest"] for row in groups} | {row["first"] for row in groups}
    found = Notification.objects.filter(pk__in=wanted).select_related("actor", "thread")
    by_pk = {n.pk: n for n in found}
    result = []
    for row in groups:
        latest, first = by_pk[row["latest"]], by_pk[row["first"]]
        result.append(Line(latest, row["count"], row["unread"], link(first)))
    return result


def link(notification: Notification) -> str:
    """Straight to the post (for a group, the oldest one it holds), else the thread, else the list."""
    if notification.kind in emails.CONVERSATION_KINDS:
        return reverse("moderation:conversation", args=[notification.detail])
    if notification.thread is None:
        return ""
    url = notification.thread.get_absolute_url()
    if notification.post_id and notification.kind != Kind.FLAG:
        return f"{url}#post-{notification.post_id}"
    return url


def watched(user) -> dict:
    """The member's follows with their levels: every category, and the threads they follow."""
    rows = Subscription.objects.filter(user_id=user.pk)
    category_levels = dict(rows.filter(thread=None).values_list("category_id", "level"))
    categories = [
        (category, category_levels.get(category.pk, "")) for category in Category.objects.order_by("position", "name")
    ]
    threads = rows.exclude(thread=None).select_related("thread").order_by("-created_at")[:100]
    return {"categories": categories, "threads": threads}


def muted_members(user) -> QuerySet[MutedMember]:
    return MutedMember.objects.filter(user_id=user.pk).select_related("muted").order_by("muted__username")


def mutes(user, member) -> bool:
    return MutedMember.objects.filter(user_id=user.pk, muted_id=member.pk).exists()
