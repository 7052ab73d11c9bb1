"""Daily and weekly email summaries, for the members who chose them.

A digest is one email per member and period (a day, or an ISO week). Its
delivery row, keyed by the period (`period_key`), the member and the email
channel, is written in the same transaction as the queued mail (outbox.mail),
so a task retried or run twice for the same period sends nothing twice.

A digest shows only what its reader may see (community.permissions decides,
per reader), and suspended or banned members get none
(notifications.permissions.can_receive_digest). A member with nothing to read
about in the period gets no email.
"""

import dataclasses
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from community import permissions as community_permissions
from community.models import Post, Subscription, Thread
from config.site import absolute_url
from notifications import emails, permissions
from notifications.models import Channel, Delivery, DigestChoice
from outbox.mail import queue_mail
from recognition.models import PointsEntry

logger = logging.getLogger(__name__)

Frequency = DigestChoice.Frequency
SPANS = {Frequency.DAILY: timedelta(days=1), Frequency.WEEKLY: timedelta(days=7)}
UNSUBSCRIBE_SALT = "notifications.digest.unsubscribe"


@dataclasses.dataclass(frozen=True)
class Digest:
    frequency: str
    popular: list[Thread]
    unanswered: list[Thread]
    replies: list[Post]
    reply_count: int
    accepted_count: int
    points: int

    @property
    def is_empty(self) -> bool:
        return not (self.popular or self.unanswered or self.reply_count or self.accepted_count or self.points)


def period_key(frequency: str, moment: datetime) -> str:
    """The delivery key of the period `moment` falls in: one day, or one ISO week."""
    day = timezone.localdate(moment)
    if frequency == Frequency.WEEKLY:
        year, week, _ = day.isocalendar()
        return f"digest:weekly:{year}-W{week:02d}"
    return f"digest:daily:{day.isoformat()}"


# Choosing --------------------------------------------------------------------


def frequency_of(user) -> str:
    return DigestChoice.objects.filter(user_id=user.pk).values_list("frequency", flat=True).first() or Frequency.OFF


def set_frequency(user, *, frequency: str) -> DigestChoice:
    """Choose how often the member gets a summary: never, daily or weekly."""
    if frequency not in Frequency.values:
        raise ValueError(f"Unknown digest frequency {frequency!r}")
    choice, _ = DigestChoice.objects.update_or_create(user_id=user.pk, defaults={"frequency": frequency})
    return choice


def unsubscribe_token(user_id: int) -> str:
    return signing.dumps({"u": user_id}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> int | None:
    """The member id from a digest token this site signed and that has not expired; None for anything else."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=settings.NOTIFICATION_UNSUBSCRIBE_MAX_AGE)
    except signing.BadSignature:  # expired ones too
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    return data["u"]


def unsubscribe(token: str) -> User | None:
    """Stop the digests of the member a signed link names; None, and nothing changed, for a forged or expired one."""
    user_id = read_unsubscribe_token(token)
    user = User.objects.filter(pk=user_id).first() if user_id is not None else None
    if user is None:
        return None
    set_frequency(user, frequency=Frequency.OFF)
    return user


# Composing -------------------------------------------------------------------


def _member_categories(user) -> list[int]:
    """The categories the member watches or tracks, and those they have posted in."""
    followed = Subscription.objects.filter(user_id=user.pk, thread=None).exclude(level=Subscription.Level.MUTED)
    posted = Post.objects.filter(author_id=user.pk, is_deleted=False).values_list("thread__category_id", flat=True)
    muted = Subscription.objects.filter(user_id=user.pk, thread=None, level=Subscription.Level.MUTED)
    ids = set(followed.values_list("category_id", flat=True)) | set(posted.distinct())
    return sorted(ids - set(muted.values_list("category_id", flat=True)))


def compose(user, *, frequency: str, moment: datetime) -> Digest:
    """What `user` is told about the period that ends at `moment`: only what they may see."""
    since = moment - SPANS[Frequency(frequency)]
    limit = settings.DIGEST_ITEMS
    threads = community_permissions.visible_threads(user, Thread.objects.all()).select_related("category")
    popular = list(
        threads.filter(last_activity_at__gte=since, last_activity_at__lt=moment, reply_count__gt=0).order_by(
            "-reply_count", "-last_activity_at", "pk"
        )[:limit]
    )
    unanswered = list(
        threads.filter(
            kind=Thread.Kind.QUESTION,
            state=Thread.State.OPEN,
            reply_count=0,
            category_id__in=_member_categories(user),
            created_at__lt=moment,
        )
        .exclude(author_id=user.pk)
        .order_by("created_at", "pk")[:limit]
    )
    replies_to_member = community_permissions.visible_posts(
        user,
        Post.objects.filter(
            parent__author_id=user.pk,
            created_at__gte=since,
            created_at__lt=moment,
            is_deleted=False,
            thread__in=community_permissions.visible_threads(user, Thread.objects.all()),
        ).exclude(author_id=user.pk),
    )
    points = PointsEntry.objects.filter(member_id=user.pk, created_at__gte=since, created_at__lt=moment)
    # An acceptance taken back since has a reversal, and no longer counts.
    accepted = points.filter(reason=PointsEntry.Reason.ANSWER_ACCEPTED, reverses=None, reversal=None)
    return Digest(
        frequency=frequency,
        popular=popular,
        unanswered=unanswered,
        replies=list(replies_to_member.select_related("author", "thread").order_by("-created_at", "-pk")[:limit]),
        reply_count=replies_to_member.count(),
        accepted_count=accepted.count(),
        points=points.aggregate(total=Sum("amount"))["total"] or 0,
    )


# Sending ---------------------------------------------------------------------


def due_members(frequency: str, key: str) -> list[int]:
    """Members who chose `frequency` and have not had this period's digest."""
    sent = Delivery.objects.filter(event_id=key, channel=Channel.EMAIL).values("recipient_id")
    return list(
        DigestChoice.objects.filter(frequency=frequency, user__is_active=True)
        .exclude(user_id__in=sent)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def _link(thread: Thread) -> str:
    return absolute_url(thread.get_absolute_url())


def send_digest(user_id: int, *, frequency: str, moment: datetime) -> bool:
    """Queue one member's digest for the period of `moment`; True when one was queued, False when not due.

    The delivery row and the queued mail commit together; a second run for the
    same period finds the row and sends nothing.
    """
    key = period_key(frequency, moment)
    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.email or frequency_of(user) != frequency:
        return False
    if not permissions.can_receive_digest(user):
        return False
    with transaction.atomic():
        if Delivery.objects.filter(event_id=key, recipient_id=user_id, channel=Channel.EMAIL).exists():
            return False
        digest = compose(user, frequency=frequency, moment=moment)
        if digest.is_empty:
            return False
        try:
            with transaction.atomic():
                Delivery.objects.create(event_id=key, recipient_id=user_id, channel=Channel.EMAIL)
        except IntegrityError:  # another run of the same period got here first
            return False
        unsubscribe_url = absolute_url(reverse("notifications:digest_unsubscribe", args=[unsubscribe_token(user_id)]))
        context = {
            "recipient": user,
            "digest": digest,
            "period": "today" if frequency == Frequency.DAILY else "this week",
            "popular": [(thread, _link(thread)) for thread in digest.popular],
            "unanswered": [(thread, _link(thread)) for thread in digest.unanswered],
            "replies": [
                (post, absolute_url(f"{post.thread.get_absolute_url()}#post-{post.pk}")) for post in digest.replies
            ],
            "unsubscribe_url": unsubscribe_url,
            "preferences_url": absolute_url(reverse("notifications:preferences")),
            "SITE_NAME": settings.SITE_NAME,
            "SITE_URL": settings.SITE_URL,
        }
        title = "Your daily summary" if frequency == Frequency.DAILY else "Your weekly summary"
        queue_mail(
            message_id=emails.message_id(key, user_id),
            to=[user.email],
            subject=f"{title} from {settings.SITE_NAME}",
            body=render_to_string("notifications/email/digest.txt", context),
            html=render_to_string("notifications/email/digest.html", context),
            headers={
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
    return True


def send_batch(user_ids: list[int], *, frequency: str, moment: datetime) -> tuple[int, list[int]]:
    """Send each member's digest in its own transaction; returns how many were sent and who failed.

    One member's failure is logged and skipped, so it doesn't hold back the
    rest of the batch; the caller retries the failed ones.
    """
    sent, failed = 0, []
    for user_id in user_ids:
        try:
            sent += send_digest(user_id, frequency=frequency, moment=moment)
        except Exception:
            logger.exception("digest for member %s failed; it will be retried", user_id)
            failed.append(user_id)
    return sent, failed
