"""Who may hear of each event, and what it tells them.

`audience(event)` names the candidates and the kind each would get (a member
addressed several ways gets the most direct kind only); `subject(event, kind)`
is what the notification is about. Whether a candidate really hears of it
(their own action, content they can't see, a suspension, a mute, their
preferences) is decided later, per batch, by notifications.services.
"""

from dataclasses import dataclass
from datetime import datetime

from accounts.models import User
from community import events
from community.models import IdeaVote, MeToo, Post, Review, Subscription, Thread
from faq import events as faq_events
from faq import permissions as faq_permissions
from faq.models import Article
from moderation import events as moderation_events
from moderation import permissions as moderation_permissions
from moderation.models import Conversation, Flag, Message, Sanction
from notifications.models import Kind, Notification
from recognition import badges
from recognition import events as recognition_events

# What a post's author hears about a moderator's decision, by (old review, new review).
REVIEW_DETAIL: dict[tuple[str, str], str] = {
    (Review.PENDING, Review.PUBLISHED): "approved",
    (Review.HIDDEN, Review.PUBLISHED): "restored",
    (Review.PUBLISHED, Review.HIDDEN): "hidden",
    (Review.PENDING, Review.HIDDEN): "hidden",
    (Review.PUBLISHED, Review.PENDING): "held",
}
# The words for a notification's `detail`: a new status, a flag's outcome, a sanction.
DETAIL_LABELS: dict[str, str] = {
    **dict(Thread.IdeaStatus.choices),
    **dict(Thread.ProblemStatus.choices),
    **dict(Flag.Outcome.choices),
    **dict(Sanction.Kind.choices),
}
# Kinds about one thread's new replies, shown together as one line.
REPLY_KINDS = frozenset({Kind.REPLY, Kind.ANSWER, Kind.WATCHED_REPLY})


@dataclass(frozen=True)
class Subject:
    actor_id: int | None
    thread_id: int | None = None
    post_id: int | None = None
    detail: str = ""
    reason: str = ""


def detail_label(detail: str) -> str:
    return str(DETAIL_LABELS.get(detail, detail)).lower()


def group_key(event, kind: str, subject: Subject) -> str:
    if kind in REPLY_KINDS and subject.thread_id:
        return f"replies:{subject.thread_id}"
    return f"{kind}:{event.event_id}"


class Audience(dict[int, str]):
    """Recipient id -> kind; the first kind given to a member stays, so add the most direct first."""

    def add(self, user_ids, kind: str) -> "Audience":
        for user_id in user_ids:
            if user_id is not None:
                self.setdefault(user_id, kind)
        return self


def _watchers(**target) -> list[int]:
    return list(
        Subscription.objects.filter(level=Subscription.Level.WATCHING, **target)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def _new_thread(thread_id: int, category_id: int, mentioned=()) -> Audience:
    parent_id = Thread.objects.filter(pk=thread_id).values_list("category__parent_id", flat=True).first()
    watchers = _watchers(category__in=[category_id, parent_id] if parent_id else [category_id])
    return Audience().add(mentioned, Kind.MENTION).add(watchers, Kind.NEW_THREAD)


def _new_reply(thread_id: int, parent_id: int, parent_author_id: int | None, mentioned=()) -> Audience:
    thread = Thread.objects.filter(pk=thread_id).values("kind", "opening_post_id").first()
    if thread is None:
        return Audience()
    answers = thread["kind"] == Thread.Kind.QUESTION and parent_id == thread["opening_post_id"]
    return (
        Audience()
        .add([parent_author_id], Kind.ANSWER if answers else Kind.REPLY)
        .add(mentioned, Kind.MENTION)
        .add(_watchers(thread_id=thread_id), Kind.WATCHED_REPLY)
    )


def _approved(event: events.PostReviewed) -> Audience:
    """A held post that a moderator published reaches its readers now, as if it had just been written."""
    audience = Audience().add([event.author_id], Kind.MODERATION)
    if (event.old_review, event.new_review) != (Review.PENDING, Review.PUBLISHED):
        return audience
    post = (
        Post.objects.filter(pk=event.post_id).values("parent_id", "parent__author_id", "thread__category_id").first()
    )
    if post is None:
        return audience
    if post["parent_id"] is None:
        readers = _new_thread(event.thread_id, post["thread__category_id"])
    else:
        readers = _new_reply(event.thread_id, post["parent_id"], post["parent__author_id"])
    for user_id, kind in readers.items():
        audience.add([user_id], kind)
    return audience


def _status_audience(event: events.StatusChanged) -> Audience:
    """Everyone who voted for the idea or confirmed the problem hears what became of it, and its author."""
    if event.field == "problem":
        carers = list(MeToo.objects.filter(thread_id=event.thread_id).values_list("member_id", flat=True))
    else:
        carers = list(IdeaVote.objects.filter(thread_id=event.thread_id).values_list("voter_id", flat=True))
    author = Thread.objects.filter(pk=event.thread_id).values_list("author_id", flat=True).first()
    return Audience().add([author], Kind.STATUS).add(sorted(carers), Kind.STATUS)


def _credited_readers(article_id: int) -> list[int]:
    """The authors an article credits who may read it: an internal article is news to nobody outside the team."""
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        return []
    authors = User.objects.filter(pk__in=article.sources.values("author_id")).order_by("pk")
    return [author.pk for author in authors if faq_permissions.can_view_article(author, article)]


# The thread actions its followers hear of; the others (a lock, a pin, a new title) show on the thread itself.
FOLLOWED_THREAD_ACTIONS = frozenset({"moved", "merged", "split"})


def _followers(thread_id: int) -> list[int]:
    return list(
        Subscription.objects.filter(thread_id=thread_id)
        .exclude(level=Subscription.Level.MUTED)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def _conversation_audience(event: moderation_events.ConversationMessagePosted) -> Audience:
    """The team's reply reaches the member; the member's message, the staff member it is assigned to."""
    if event.from_staff:
        return Audience().add([event.member_id], Kind.STAFF_REPLY)
    conversation = Conversation.objects.filter(pk=event.conversation_id).select_related("assignee").first()
    if conversation is None or conversation.assignee is None:
        return Audience()
    if not moderation_permissions.can_view_conversation(conversation.assignee, conversation):
        return Audience()
    return Audience().add([conversation.assignee_id], Kind.CONVERSATION)


def audience(event) -> Audience:
    match event:
        case events.ThreadStarted():
            return _new_thread(event.thread_id, event.category_id, event.mentioned_user_ids)
        case events.ReplyPosted():
            return _new_reply(event.thread_id, event.parent_id, event.parent_author_id, event.mentioned_user_ids)
        case events.AnswerAccepted():
            return Audience().add([event.answer_author_id], Kind.ACCEPTED)
        case events.AnswerVerified() if event.verified:
            return Audience().add([event.answer_author_id], Kind.VERIFIED)
        case events.StatusChanged():
            return _status_audience(event)
        case events.PostHeld():
            return Audience().add([event.author_id], Kind.MODERATION)
        case events.PostReviewed() if (event.old_review, event.new_review) in REVIEW_DETAIL:
            return _approved(event)
        case events.PostDeleted() | events.PostRestored() if event.actor_id != event.author_id:
            return Audience().add([event.author_id], Kind.MODERATION)
        case moderation_events.FlagResolved():
            return Audience().add([event.flagger_id], Kind.FLAG)
        case moderation_events.MemberSanctioned():
            return Audience().add([event.member_id], Kind.SANCTION)
        case faq_events.ArticlePublished():
            return Audience().add(_credited_readers(event.article_id), Kind.PROMOTED)
        # The nightly sweep's finds are kept quiet: on a first sweep of an old community they come by the thousand.
        case recognition_events.BadgeAwarded() if not event.swept and not _heard_of_before(event):
            return Audience().add([event.member_id], Kind.BADGE)
        case recognition_events.RankEarned():
            return Audience().add([event.member_id], Kind.RANK)
        case events.ThreadChanged() if event.action in FOLLOWED_THREAD_ACTIONS:
            return Audience().add(_followers(event.thread_id), Kind.THREAD_MOVED)
        case moderation_events.ConversationMessagePosted():
            return _conversation_audience(event)
    return Audience()


def _heard_of_before(event) -> bool:
    """Whether the member was told of this automatic badge already.

    A member holds an automatic badge once, so it comes to them a second time
    only after it was taken back with its cause (an FAQ article unpublished)
    and the cause returned: news to nobody. Staff's badges may be given any
    number of times, and a per-category badge once in each category: each is news.
    """
    badge = badges.get(event.badge)
    if badge is None or badge.manual or badge.per_category or event.awarded_by_id is not None:
        return False
    # Told under the badge's name (`subject`), as the member read it.
    return Notification.objects.filter(recipient_id=event.member_id, kind=Kind.BADGE, detail=badge.name).exists()


def subject(event, kind: str) -> Subject:
    thread_id, post_id = getattr(event, "thread_id", None), getattr(event, "post_id", None)
    match event:
        case events.ThreadStarted() | events.ReplyPosted():
            return Subject(event.author_id, thread_id, post_id)
        case events.PostHeld():
            return Subject(None, thread_id, post_id, detail="held")
        case events.PostReviewed() if kind == Kind.MODERATION:
            detail = REVIEW_DETAIL.get((event.old_review, event.new_review), "")
            return Subject(event.actor_id, thread_id, post_id, detail=detail, reason=event.reason)
        case events.PostReviewed():
            # Readers hear of the approved post as of its author's writing.
            return Subject(event.author_id, thread_id, post_id)
        case events.PostDeleted():
            return Subject(event.actor_id, thread_id, post_id, detail="removed", reason=event.reason)
        case events.PostRestored():
            return Subject(event.actor_id, thread_id, post_id, detail="restored", reason=event.reason)
        case events.StatusChanged():
            return Subject(event.actor_id, thread_id, None, detail=event.new_status)
        case moderation_events.FlagResolved():
            return Subject(event.actor_id, thread_id, post_id, detail=event.outcome)
        case moderation_events.MemberSanctioned():
            return Subject(event.actor_id, detail=event.kind, reason=event.reason)
        case faq_events.ArticlePublished():
            return Subject(event.actor_id, event.source_thread_id)
        case recognition_events.BadgeAwarded():
            badge = badges.get(event.badge)
            return Subject(event.awarded_by_id, detail=badge.name if badge else event.badge)
        case recognition_events.RankEarned():
            return Subject(None, detail=event.rank)
        # A merged thread is empty and redirects, so its followers are sent where its replies went.
        case events.ThreadChanged() if event.action == "merged":
            return Subject(event.actor_id, event.other_thread_id, detail=event.action)
        case events.ThreadChanged():
            return Subject(event.actor_id, thread_id, detail=event.action)
        case moderation_events.ConversationMessagePosted():
            return Subject(event.author_id, detail=str(event.conversation_id))
    return Subject(getattr(event, "actor_id", None), thread_id, post_id)


def email_context(event, kind: str) -> dict:
    """What an email of `kind` says beyond the notification: the team's message itself, and a sanction's end
    and the conversation to appeal in. Read once per batch."""
    match event:
        case moderation_events.ConversationMessagePosted() if kind == Kind.STAFF_REPLY:
            body = Message.objects.filter(pk=event.message_id).values_list("body", flat=True).first()
            return {"message_text": body or ""}
        case moderation_events.MemberSanctioned():
            conversation = (
                Conversation.objects.filter(sanction_id=event.sanction_id).order_by("pk").values_list("pk", flat=True)
            ).first()
            return {
                "ends_at": datetime.fromisoformat(event.ends_at) if event.ends_at else None,
                "conversation_id": conversation,
            }
    return {}


# The events that can notify anyone, for the receivers to subscribe to.
EVENT_TYPES = (
    events.ThreadStarted,
    events.ReplyPosted,
    events.AnswerAccepted,
    events.AnswerVerified,
    events.StatusChanged,
    events.PostHeld,
    events.PostReviewed,
    events.PostDeleted,
    events.PostRestored,
    moderation_events.FlagResolved,
    moderation_events.MemberSanctioned,
    faq_events.ArticlePublished,
    recognition_events.BadgeAwarded,
    recognition_events.RankEarned,
    events.ThreadChanged,
    moderation_events.ConversationMessagePosted,
)
