"""Every question gets an answer: the ladder an unanswered question climbs, run by Celery beat.

`run` is the beat task's whole work. Each step is recorded as an
`EscalationStep` row whose (thread, step) the database keeps unique, written
in the same transaction as the step's event, so a run repeated, or two at
once, climb each rung once:

1. after ESCALATION_INVITE_AFTER_HOURS the members who know the subject best
   (their accepted answers and helpful votes in the question's category and
   tags) are invited to answer, at most a few invitations a member a day;
2. after ESCALATION_STAFF_AFTER_HOURS the question is given to the least
   loaded staff member who can see it, the team is told, and
   `QuestionEscalated` is published for a help-desk integration;
3. an asker who got answers but accepted none is reminded once, after
   ESCALATION_REMIND_AFTER_DAYS.

How each question was first answered (`FirstAnswer`) is recorded when the
first reply arrives, and any the reply event missed (a held reply approved
later) are filled in by `run`.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from accounts.models import User
from community import events as community_events
from community import permissions as community_permissions
from community.models import Post, Review, Thread
from moderation import audit
from notifications import events, permissions, plans, services
from notifications.models import EscalationStep, FirstAnswer, Invitation, Kind
from outbox import bus

logger = logging.getLogger(__name__)

Step = EscalationStep.Step
# An accepted answer says more about what a member knows than one helpful vote does.
ACCEPTED_WEIGHT = 3
# Questions each pass of `run` takes per step: the rest wait for the next beat.
BATCH = 200


def open_questions() -> QuerySet[Thread]:
    """Published, open questions with no accepted answer."""
    return Thread.objects.filter(
        kind=Thread.Kind.QUESTION,
        state=Thread.State.OPEN,
        is_deleted=False,
        review=Review.PUBLISHED,
        merged_into=None,
        accepted_answer=None,
    )


def unanswered_questions() -> QuerySet[Thread]:
    """Open questions nobody has replied to: the same rule as community's "Unanswered" list."""
    return open_questions().filter(reply_count=0)


def _answers(thread_ref) -> QuerySet[Post]:
    """Published replies by anyone but the asker: what counts as an answer."""
    return Post.objects.filter(
        thread=thread_ref, parent__isnull=False, is_deleted=False, review=Review.PUBLISHED
    ).exclude(author_id=OuterRef("author_id") if isinstance(thread_ref, OuterRef) else thread_ref.author_id)


# Who knows the subject ----------------------------------------------------------------


def expertise(thread: Thread) -> dict[int, int]:
    """Member id -> how well they know `thread`'s subject, from their posts in its category or with its tags."""
    tag_ids = list(thread.tags.values_list("pk", flat=True))
    place = Q(thread__category_id=thread.category_id)
    if tag_ids:
        place |= Q(thread__tags__in=tag_ids)
    posts = Post.objects.filter(
        pk__in=Post.objects.filter(place, is_deleted=False, review=Review.PUBLISHED).values("pk")
    ).exclude(thread=thread)
    scores: dict[int, int] = {}
    for author_id, helpful in (
        posts.values("author_id").annotate(helpful=Sum("helpful_count")).values_list("author_id", "helpful")
    ):
        scores[author_id] = helpful or 0
    accepted = (
        Thread.objects.filter(accepted_answer__in=posts)
        .values("accepted_answer__author_id")
        .annotate(n=Count("pk"))
        .values_list("accepted_answer__author_id", "n")
    )
    for author_id, n in accepted:
        scores[author_id] = scores.get(author_id, 0) + ACCEPTED_WEIGHT * n
    return {author_id: score for author_id, score in scores.items() if score > 0}


def experts(thread: Thread, *, now: datetime) -> list[User]:
    """The members to invite: the best scored who may answer, can see the question and have invitations left today."""
    scores = expertise(thread)
    scores.pop(thread.author_id, None)
    if not scores:
        return []
    limit = settings.ESCALATION_INVITES_PER_MEMBER_PER_DAY
    spent = dict(
        Invitation.objects.filter(member__in=scores, created_at__gte=now - timedelta(days=1))
        .values("member_id")
        .annotate(n=Count("pk"))
        .values_list("member_id", "n")
    )
    members = User.objects.only(*services.RECIPIENT_FIELDS).in_bulk([pk for pk in scores if spent.get(pk, 0) < limit])
    chosen = []
    for pk in sorted(members, key=lambda pk: (-scores[pk], pk)):
        member = members[pk]
        if community_permissions.posting_refusal(member) or not community_permissions.can_view_thread(member, thread):
            continue
        if not community_permissions.is_member(member):
            continue
        chosen.append(member)
        if len(chosen) == settings.ESCALATION_INVITES_PER_QUESTION:
            break
    return chosen


def staff_owner(thread: Thread) -> tuple[User | None, list[User]]:
    """The staff who can see `thread`, and the one of them with the fewest questions still waiting on them."""
    waiting = EscalationStep.objects.filter(owner=OuterRef("pk"), step=Step.ESCALATED, thread__first_answer=None)
    staff = (
        User.objects.filter(Q(is_staff_member=True) | Q(is_superuser=True), is_active=True)
        .only(*services.RECIPIENT_FIELDS)
        .annotate(load=Subquery(waiting.values("owner").annotate(n=Count("pk")).values("n")[:1]))
        .order_by("pk")
    )
    seeing = [user for user in staff if community_permissions.can_view_thread(user, thread)]
    if not seeing:
        return None, []
    return min(seeing, key=lambda user: (user.load or 0, user.pk)), seeing


# The steps ---------------------------------------------------------------------------


def _climb(thread: Thread, step: str, **fields) -> bool:
    """Record `step` for `thread`; False if it was already climbed (now or by a concurrent run)."""
    try:
        with transaction.atomic():
            _, created = EscalationStep.objects.get_or_create(thread=thread, step=step, defaults=fields)
    except IntegrityError:
        return False
    return created


def invite_experts(thread: Thread, *, now: datetime) -> list[int]:
    """Invite the members who know the subject best; returns their ids (the step is climbed even with none)."""
    with transaction.atomic():
        if not _climb(thread, Step.INVITED):
            return []
        invitees = experts(thread, now=now)
        Invitation.objects.bulk_create([Invitation(thread=thread, member=m, created_at=now) for m in invitees])
        ids = tuple(member.pk for member in invitees)
        if ids:
            events.publish(events.ExpertsInvited(thread_id=thread.pk, invitee_ids=ids))
    return list(ids)


def escalate_to_staff(thread: Thread, *, now: datetime) -> User | None:
    """Give the question to a staff owner, tell the team, and publish it for a help desk; returns the owner."""
    with transaction.atomic():
        owner, staff = staff_owner(thread)
        if not _climb(thread, Step.ESCALATED, owner=owner):
            return None
        hours = int((now - thread.created_at).total_seconds() // 3600)
        if owner is not None:
            audit.question_owner_changed(
                None, thread, before=None, after=owner.username, reason=f"Unanswered after {hours} hours."
            )
        events.publish(
            events.QuestionEscalated(
                thread_id=thread.pk,
                category_id=thread.category_id,
                owner_id=owner.pk if owner else None,
                staff_ids=tuple(user.pk for user in staff),
                hours_waiting=hours,
                answer_within_hours=thread.category.answer_within_hours,
            )
        )
    return owner


def assign_owner(actor, *, thread: Thread, owner: User) -> EscalationStep:
    """Give an unanswered question to `owner`, a staff member who can see it; audited.

    A question the ladder has not yet handed to the team is handed now, so its
    staff step counts as climbed. Locks the question's step (select_for_update),
    so two staff reassigning at once are recorded one after the other.
    """
    if not permissions.can_assign_owner(actor):
        raise PermissionDenied("Only staff can give questions to an owner.")
    if refusal := permissions.owner_refusal(owner, thread):
        raise ValidationError({"owner": refusal})
    with transaction.atomic():
        _climb(thread, Step.ESCALATED)
        step = (
            EscalationStep.objects.select_for_update(of=("self",))
            .select_related("owner")
            .get(thread=thread, step=Step.ESCALATED)
        )
        if step.owner_id == owner.pk:
            return step
        before = step.owner.username if step.owner else None
        step.owner = owner
        step.save(update_fields=["owner"])
        audit.question_owner_changed(actor, thread, before=before, after=owner.username)
    return step


def staff_members() -> QuerySet[User]:
    """Everyone a question can be given to, by name, for the worklist's owner choice."""
    return (
        User.objects.filter(Q(is_staff_member=True) | Q(is_superuser=True), is_active=True)
        .only("pk", "username", "display_name")
        .order_by("display_name", "username")
    )


def remind_asker(thread: Thread) -> bool:
    with transaction.atomic():
        if not _climb(thread, Step.REMINDED):
            return False
        events.publish(events.AcceptReminderDue(thread_id=thread.pk, author_id=thread.author_id))
    return True


# The staff view ----------------------------------------------------------------------


def unanswered_for_staff(user) -> QuerySet[Thread]:
    """Unanswered questions `user` can see, oldest first, each with its category and its owner's name."""
    owners = EscalationStep.objects.filter(thread=OuterRef("pk"), step=Step.ESCALATED)
    return (
        community_permissions.visible_threads(user, unanswered_questions())
        .select_related("category")
        .only("pk", "slug", "title", "created_at", "category__name", "category__slug", "category__answer_within_hours")
        .annotate(
            owner_username=Subquery(owners.values("owner__username")[:1]),
            owner_display_name=Subquery(owners.values("owner__display_name")[:1]),
        )
        .order_by("created_at", "pk")
    )


def waiting_rows(threads, *, now: datetime) -> list[dict]:
    """Each question's age against its category's promise, for the staff view."""
    rows = []
    for thread in threads:
        hours = int((now - thread.created_at).total_seconds() // 3600)
        promise = thread.category.answer_within_hours
        rows.append(
            {
                "thread": thread,
                "hours": hours,
                "promise": promise,
                "overdue": promise is not None and hours >= promise,
                "owner": thread.owner_display_name or thread.owner_username or "",
            }
        )
    return rows


# First answers -----------------------------------------------------------------------


def record_first_answer(thread: Thread) -> FirstAnswer | None:
    """Record how `thread` was first answered, once; None while it has no answer."""
    post = _answers(thread).order_by("created_at", "pk").first()
    if post is None:
        return None
    seconds = max(0, int((post.created_at - thread.created_at).total_seconds()))
    promise = thread.category.answer_within_hours
    try:
        with transaction.atomic():
            record, _ = FirstAnswer.objects.get_or_create(
                thread=thread,
                defaults={
                    "post": post,
                    "answered_at": post.created_at,
                    "seconds": seconds,
                    "by_staff": post.is_official,
                    "promise_kept": None if promise is None else seconds <= promise * 3600,
                },
            )
    except IntegrityError:
        return FirstAnswer.objects.filter(thread=thread).first()
    return record


def on_reply(event: community_events.ReplyPosted) -> None:
    thread = Thread.objects.select_related("category").filter(pk=event.thread_id, kind=Thread.Kind.QUESTION).first()
    if thread is not None and not FirstAnswer.objects.filter(thread=thread).exists():
        record_first_answer(thread)


def figures() -> dict:
    """Overall first-answer figures for the staff view, in one query."""
    totals = FirstAnswer.objects.aggregate(
        answered=Count("pk"),
        by_staff=Count("pk", filter=Q(by_staff=True)),
        average_seconds=Avg("seconds"),
        promised=Count("pk", filter=Q(promise_kept__isnull=False)),
        kept=Count("pk", filter=Q(promise_kept=True)),
    )
    seconds = totals.pop("average_seconds")
    totals["average_hours"] = round(seconds / 3600, 1) if seconds is not None else None
    totals["by_community"] = totals["answered"] - totals["by_staff"]
    totals["kept_percent"] = round(100 * totals["kept"] / totals["promised"]) if totals["promised"] else None
    return totals


# The beat task's work ------------------------------------------------------------------


def run(*, now: datetime | None = None) -> dict[str, int]:
    """One pass of the ladder over every question due a step; returns how many climbed each."""
    now = now or timezone.now()
    done = {"recorded": 0, "invited": 0, "escalated": 0, "reminded": 0}
    missing = (
        Thread.objects.filter(kind=Thread.Kind.QUESTION, first_answer=None, reply_count__gt=0)
        .filter(Exists(_answers(OuterRef("pk"))))
        .select_related("category")[:BATCH]
    )
    for thread in missing:
        done["recorded"] += record_first_answer(thread) is not None
    waiting = unanswered_questions().select_related("category")
    invite_before = now - timedelta(hours=settings.ESCALATION_INVITE_AFTER_HOURS)
    for thread in waiting.filter(created_at__lte=invite_before).exclude(escalation_steps__step=Step.INVITED)[:BATCH]:
        invite_experts(thread, now=now)
        done["invited"] += 1
    staff_before = now - timedelta(hours=settings.ESCALATION_STAFF_AFTER_HOURS)
    for thread in waiting.filter(created_at__lte=staff_before).exclude(escalation_steps__step=Step.ESCALATED)[:BATCH]:
        escalate_to_staff(thread, now=now)
        done["escalated"] += 1
    remind_before = now - timedelta(days=settings.ESCALATION_REMIND_AFTER_DAYS)
    unaccepted = open_questions().filter(first_answer__answered_at__lte=remind_before)
    for thread in unaccepted.exclude(escalation_steps__step=Step.REMINDED)[:BATCH]:
        done["reminded"] += remind_asker(thread)
    return done


# Who hears of each step ------------------------------------------------------------------


def audience(event) -> plans.Audience:
    match event:
        case events.ExpertsInvited():
            return plans.Audience().add(event.invitee_ids, Kind.INVITED)
        case events.QuestionEscalated():
            # The owner first: the rest of the team hears of it too, so anyone free can take it.
            return plans.Audience().add([event.owner_id, *event.staff_ids], Kind.ESCALATED)
        case events.AcceptReminderDue():
            return plans.Audience().add([event.author_id], Kind.REMINDER)
    return plans.Audience()


def announce(event) -> int:
    return services.fan_out(event, audience(event))


def connect() -> None:
    for event_type in (events.ExpertsInvited, events.QuestionEscalated, events.AcceptReminderDue):
        bus.subscribe(event_type, announce)
    bus.subscribe(community_events.ReplyPosted, on_reply)
