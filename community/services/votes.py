from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from community import counters, events, permissions
from community.models import HelpfulVote, IdeaVote, MeToo, Post, Thread
from community.services._common import lock_thread
from community.services.posts import refuse_if_unseen
from moderation import screening


def _post_for_vote(voter, post: Post) -> tuple[Thread, Post]:
    thread = Thread.objects.select_related("category").get(pk=post.thread_id)
    post = Post.objects.get(pk=post.pk)
    refuse_if_unseen(voter, post, thread)
    if voter.is_authenticated and voter.pk == post.author_id:
        raise ValidationError("You can't vote on your own post.")
    if not permissions.can_vote(voter, post, thread):
        raise PermissionDenied("You can't vote on this post.")
    return thread, post


def _count_vote(voter) -> None:
    """Votes have a daily cap per trust level, against vote rings and scripts."""
    if not permissions.is_moderator(voter):
        screening.check_rate(user_id=voter.pk, trust_level=voter.trust_level, action="vote")


def mark_helpful(voter, *, post: Post) -> Post:
    """One helpful vote per member and post; the count moves with F() in the same transaction."""
    with transaction.atomic():
        thread, post = _post_for_vote(voter, post)
        if HelpfulVote.objects.filter(post=post, voter=voter).exists():
            raise ValidationError("You already marked this post helpful.")
        _count_vote(voter)
        try:
            with transaction.atomic():
                HelpfulVote.objects.create(post=post, thread_id=post.thread_id, voter=voter)
        except IntegrityError:
            raise ValidationError("You already marked this post helpful.") from None
        counters.helpful_vote_counted(post, 1)
        events.publish(
            events.PostVoted(
                thread_id=thread.pk, post_id=post.pk, post_author_id=post.author_id, voter_id=voter.pk, helpful=True
            )
        )
    post.refresh_from_db(fields=["helpful_count"])
    return post


def unmark_helpful(voter, *, post: Post) -> Post:
    with transaction.atomic():
        thread, post = _post_for_vote(voter, post)
        deleted, _ = HelpfulVote.objects.filter(post=post, voter=voter).delete()
        if not deleted:
            raise ValidationError("You haven't marked this post helpful.")
        counters.helpful_vote_counted(post, -1)
        events.publish(
            events.PostVoted(
                thread_id=thread.pk, post_id=post.pk, post_author_id=post.author_id, voter_id=voter.pk, helpful=False
            )
        )
    post.refresh_from_db(fields=["helpful_count"])
    return post


def _toggle(model, member_field, counter, *, user, thread, on, check, messages, event):
    with transaction.atomic():
        thread = lock_thread(thread.pk)
        if not (permissions.can_view_thread(user, thread) and check(user, thread)):
            raise PermissionDenied(messages["denied"])
        lookup = {"thread": thread, member_field: user}
        if on:
            if model.objects.filter(**lookup).exists():
                raise ValidationError(messages["twice"])
            _count_vote(user)
            try:
                with transaction.atomic():
                    model.objects.create(**lookup)
            except IntegrityError:
                raise ValidationError(messages["twice"]) from None
        elif not model.objects.filter(**lookup).delete()[0]:
            raise ValidationError(messages["missing"])
        counters.thread_vote_counted(thread, counter, 1 if on else -1)
        events.publish(event(thread, on))
    thread.refresh_from_db()
    return thread


def vote_idea(voter, *, thread: Thread, on: bool = True) -> Thread:
    return _toggle(
        IdeaVote,
        "voter",
        "vote_count",
        user=voter,
        thread=thread,
        on=on,
        check=permissions.can_vote_idea,
        messages={
            "denied": "You can't vote for this idea.",
            "twice": "You already voted for this idea.",
            "missing": "You haven't voted for this idea.",
        },
        event=lambda t, voted: events.IdeaVoted(thread_id=t.pk, author_id=t.author_id, voter_id=voter.pk, voted=voted),
    )


def confirm_problem(member, *, thread: Thread, on: bool = True) -> Thread:
    """ "I have this problem too": one per member, counted on the thread."""
    return _toggle(
        MeToo,
        "member",
        "me_too_count",
        user=member,
        thread=thread,
        on=on,
        check=permissions.can_confirm_problem,
        messages={
            "denied": "You can't confirm this problem.",
            "twice": "You already said you have this problem.",
            "missing": "You haven't said you have this problem.",
        },
        event=lambda t, confirmed: events.ProblemConfirmed(
            thread_id=t.pk, author_id=t.author_id, member_id=member.pk, confirmed=confirmed
        ),
    )
