"""Events from community and moderation, turned into points inside the transaction that published them.

Which events earn what (settings.RECOGNITION_POINTS):
- AnswerAccepted: the answerer, and the asker when the asker accepted;
  AnswerUnaccepted, or accepting another answer, takes both back.
- PostVoted: a helpful vote, on a reply or on the opening post; unvoting takes it back.
- IdeaVoted: a vote for an idea; unvoting takes it back.
- StatusChanged: an idea shipped; moving it away from shipped takes it back.
- FlagResolved: a flag upheld.
- PostDeleted takes back everything earned from the post (and, for an
  opening post, from its thread); PostRestored gives back what still stands:
  the votes still cast, the answer still accepted, the idea still shipped.
  PostReviewed does the same when a moderator hides a published post (or
  members' flags do) and when it is published again.
- MemberBanned takes back every point the banned member gave others. Lifting
  the ban gives nothing back: the points may be earned again by new votes.
- faq's ArticleCreditsChanged: an article's credited authors, while it is
  published (recognition.ledger.settle_faq_credits).

After commit, recognition's own StandingChanged becomes accounts' ProfileChanged
(see recognition.standing for why not in the same transaction).
"""

from django.db import connection
from django.db.models.signals import pre_delete

from accounts.events import ProfileChanged
from accounts.models import User
from community import events
from community.models import HelpfulVote, IdeaVote, Post, Review, Thread
from moderation import events as moderation_events
from moderation.models import Flag
from outbox import bus
from recognition import ledger
from recognition.events import StandingChanged
from recognition.models import PointsEntry

Reason = PointsEntry.Reason
Source = PointsEntry.Source
Cause = PointsEntry.Cause
HELPFUL = (Reason.HELPFUL_ANSWER, Reason.HELPFUL_QUESTION)
ACCEPTED = (Reason.ANSWER_ACCEPTED, Reason.ACCEPTED_AN_ANSWER)


def connect() -> None:
    for event_type, handler in (
        (events.AnswerAccepted, answer_accepted),
        (events.AnswerUnaccepted, answer_unaccepted),
        (events.PostVoted, post_voted),
        (events.IdeaVoted, idea_voted),
        (events.StatusChanged, status_changed),
        (events.PostDeleted, post_deleted),
        (events.PostRestored, post_restored),
        (events.PostReviewed, post_reviewed),
        (moderation_events.FlagResolved, flag_resolved),
        (moderation_events.MemberBanned, member_banned),
    ):
        bus.subscribe(event_type, handler, in_transaction=True)
    bus.subscribe(StandingChanged, announce_standing)
    pre_delete.connect(account_deleted, sender=User, dispatch_uid="recognition.account_deleted")


def answer_accepted(event: events.AnswerAccepted) -> None:
    asker_id, category_id = Thread.objects.values_list("author_id", "category_id").get(pk=event.thread_id)
    if event.previous_post_id is not None:
        ledger.reverse(
            ledger.from_source(Source.POST, event.previous_post_id).filter(reason__in=ACCEPTED),
            cause=Cause.UNDONE,
            event_id=event.event_id,
        )
    if event.answer_author_id == asker_id:
        return  # an asker answering their own question earns nothing for accepting it
    ledger.earn(
        event.answer_author_id,
        reason=Reason.ANSWER_ACCEPTED,
        source_type=Source.POST,
        source_id=event.post_id,
        event_id=event.event_id,
        actor_id=event.actor_id,
        category_id=category_id,
    )
    if event.actor_id == asker_id:
        ledger.earn(
            asker_id,
            reason=Reason.ACCEPTED_AN_ANSWER,
            source_type=Source.POST,
            source_id=event.post_id,
            event_id=event.event_id,
            actor_id=asker_id,
            category_id=category_id,
        )


def answer_unaccepted(event: events.AnswerUnaccepted) -> None:
    ledger.reverse(
        ledger.from_source(Source.POST, event.post_id).filter(reason__in=ACCEPTED),
        cause=Cause.UNDONE,
        event_id=event.event_id,
    )


def _voter(voter_id: int) -> User | None:
    return User.objects.only("is_active", "trust_level", "suspended_until").filter(pk=voter_id).first()


def post_voted(event: events.PostVoted) -> None:
    if not event.helpful:
        ledger.reverse(
            ledger.from_source(Source.POST, event.post_id).filter(
                reason__in=HELPFUL, actor_id=event.voter_id, member_id=event.post_author_id
            ),
            cause=Cause.UNDONE,
            event_id=event.event_id,
        )
        return
    voter = _voter(event.voter_id)
    if voter is None or not ledger.vote_counts(voter):
        return
    parent_id, category_id = Post.objects.values_list("parent_id", "thread__category_id").get(pk=event.post_id)
    ledger.earn(
        event.post_author_id,
        reason=Reason.HELPFUL_QUESTION if parent_id is None else Reason.HELPFUL_ANSWER,
        source_type=Source.POST,
        source_id=event.post_id,
        event_id=event.event_id,
        actor_id=event.voter_id,
        category_id=category_id,
    )


def idea_voted(event: events.IdeaVoted) -> None:
    if not event.voted:
        ledger.reverse(
            ledger.from_source(Source.THREAD, event.thread_id).filter(
                reason=Reason.IDEA_VOTE, actor_id=event.voter_id, member_id=event.author_id
            ),
            cause=Cause.UNDONE,
            event_id=event.event_id,
        )
        return
    voter = _voter(event.voter_id)
    if voter is None or not ledger.vote_counts(voter):
        return
    ledger.earn(
        event.author_id,
        reason=Reason.IDEA_VOTE,
        source_type=Source.THREAD,
        source_id=event.thread_id,
        event_id=event.event_id,
        actor_id=event.voter_id,
        category_id=Thread.objects.values_list("category_id", flat=True).get(pk=event.thread_id),
    )


def status_changed(event: events.StatusChanged) -> None:
    if event.field != "idea" or Thread.IdeaStatus.SHIPPED not in (event.old_status, event.new_status):
        return
    if event.old_status == Thread.IdeaStatus.SHIPPED:
        ledger.reverse(
            ledger.from_source(Source.THREAD, event.thread_id).filter(reason=Reason.IDEA_SHIPPED),
            cause=Cause.UNDONE,
            event_id=event.event_id,
        )
        return
    author_id, category_id = Thread.objects.values_list("author_id", "category_id").get(pk=event.thread_id)
    ledger.earn(
        author_id,
        reason=Reason.IDEA_SHIPPED,
        source_type=Source.THREAD,
        source_id=event.thread_id,
        event_id=event.event_id,
        actor_id=event.actor_id,
        category_id=category_id,
    )


def _earned_from_post(post_id: int, thread_id: int):
    """What a post earned; an opening post stands for its thread, so the thread's points go with it."""
    entries = ledger.from_source(Source.POST, post_id)
    if Post.objects.filter(pk=post_id, parent__isnull=True).exists():
        entries = entries | ledger.from_source(Source.THREAD, thread_id)
    return entries


def post_deleted(event: events.PostDeleted) -> None:
    ledger.reverse(
        _earned_from_post(event.post_id, event.thread_id), cause=Cause.POST_REMOVED, event_id=event.event_id
    )


def post_restored(event: events.PostRestored) -> None:
    if Post.objects.filter(pk=event.post_id).exclude(review=Review.PUBLISHED).exists():
        return  # still hidden or held: publishing it gives the points back
    _give_back(event.post_id, event.thread_id, event_id=event.event_id)


def post_reviewed(event: events.PostReviewed) -> None:
    if (event.old_review == Review.PUBLISHED) == (event.new_review == Review.PUBLISHED):
        return
    if event.new_review != Review.PUBLISHED:
        earned = _earned_from_post(event.post_id, event.thread_id)
        ledger.reverse(earned, cause=Cause.POST_REMOVED, event_id=event.event_id, note="Post hidden")
    elif not Post.objects.filter(pk=event.post_id, is_deleted=True).exists():
        _give_back(event.post_id, event.thread_id, event_id=event.event_id)


def _give_back(post_id: int, thread_id: int, *, event_id: str) -> None:
    thread = Thread.objects.only("accepted_answer_id", "idea_status").get(pk=thread_id)

    def still_stands(entry: PointsEntry) -> bool:
        # Points a banned member gave were taken back for good.
        if entry.actor_id and User.objects.filter(pk=entry.actor_id, is_active=False).exists():
            return False
        if entry.reason in ACCEPTED:
            return thread.accepted_answer_id == entry.source_id
        if entry.reason in HELPFUL:
            return HelpfulVote.objects.filter(post_id=entry.source_id, voter_id=entry.actor_id).exists()
        if entry.reason == Reason.IDEA_VOTE:
            return IdeaVote.objects.filter(thread_id=entry.source_id, voter_id=entry.actor_id).exists()
        if entry.reason == Reason.IDEA_SHIPPED:
            return thread.idea_status == Thread.IdeaStatus.SHIPPED
        return True

    ledger.restore(_earned_from_post(post_id, thread_id), still_stands=still_stands, event_id=event_id)


def flag_resolved(event: moderation_events.FlagResolved) -> None:
    """An upheld flag earns its flagger points once, whichever decision upheld it (the queue,
    a moderator removing the post, a spam purge) and however often that is announced."""
    if event.outcome != Flag.Outcome.HELPFUL:
        return
    if ledger.from_source(Source.FLAG, event.flag_id).filter(reason=Reason.FLAG_UPHELD).exists():
        return
    ledger.earn(
        event.flagger_id,
        reason=Reason.FLAG_UPHELD,
        source_type=Source.FLAG,
        source_id=event.flag_id,
        event_id=event.event_id,
        actor_id=event.actor_id,
        category_id=Thread.objects.values_list("category_id", flat=True).filter(pk=event.thread_id).first(),
    )


def member_banned(event: moderation_events.MemberBanned) -> None:
    ledger.reverse(
        PointsEntry.objects.filter(actor_id=event.member_id, reverses=None).exclude(member_id=event.member_id),
        cause=Cause.VOTER_BANNED,
        event_id=event.event_id,
    )


def announce_standing(event: StandingChanged) -> None:
    """Tell the pages that show the member (community.caching listens) that their rank or marker changed."""
    bus.publish(ProfileChanged(member_id=event.member_id, fields=event.fields))


def account_deleted(sender, instance: User, **kwargs) -> None:
    """Name the member whose account is being deleted, so the database lets their ledger go with it.

    The ledger's trigger (recognition migration 0003) refuses deletes on
    PostgreSQL except for members named in this transaction-local setting.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('recognition.erasing_members', "
            "concat_ws(',', nullif(current_setting('recognition.erasing_members', true), ''), %s::text), true)",
            [instance.pk],
        )


# The FAQ ------------------------------------------------------------------------------


def connect_faq() -> None:
    from faq import events as faq_events

    bus.subscribe(faq_events.ArticleCreditsChanged, faq_credits_changed, in_transaction=True)
    # The badge after commit, as recognition.awarding does for every badge.
    bus.subscribe(faq_events.ArticleCreditsChanged, faq_badge)


def faq_credits_changed(event) -> None:
    """An article was published, withdrawn, or opened to another audience: its credited authors' points."""
    ledger.settle_faq_credits(
        event.article_id,
        credited_ids=event.credited_ids,
        event_id=event.event_id,
        actor_id=event.actor_id,
        category_id=event.category_id,
    )


def faq_badge(event) -> None:
    from recognition import awarding

    awarding.settle("faq-promoted", event.author_ids)
