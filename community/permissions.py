"""Who may do what in the community: one function per action.

Views, the API, search and notifications all ask these same functions, so a
private or removed thing cannot leak through a side door. Check functions say
yes or no; the `visible_*` filters are their queryset twins.
"""

from dataclasses import dataclass, fields
from typing import NamedTuple

from django.db.models import Q, QuerySet
from django.utils import timezone

from community.models import Category, Post, Review, Thread

TRUST_IMAGES = 1
TRUST_EDIT_OTHERS = 4


def is_member(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_staff(user) -> bool:
    return is_member(user) and (user.is_staff_member or user.is_superuser)


def is_moderator(user, category: Category | None = None) -> bool:
    """Staff and global moderators moderate everywhere; others only their categories and their children.

    Without a category: whether `user` moderates anything at all. The scope is
    read from the user row (moderation.services keeps it in step with the
    roles), so this costs no query.
    """
    if not is_member(user):
        return False
    if is_staff(user):
        return True
    if posting_refusal(user):
        return False  # a suspended moderator has no rights until the suspension ends
    if user.moderates_everywhere:
        return True
    scope = user.moderated_categories
    if category is None:
        return bool(scope)
    return category.pk in scope or (category.parent_id is not None and category.parent_id in scope)


def moderated_category_filter(user, prefix: str = "") -> Q | None:
    """The categories `user` moderates as a filter on `<prefix>category`; None means all of them."""
    if is_staff(user) or user.moderates_everywhere:
        return None
    ids = list(user.moderated_categories)
    return Q(**{f"{prefix}category__in": ids}) | Q(**{f"{prefix}category__parent__in": ids})


def posting_refusal(user) -> str | None:
    """Why `user` may not write anything right now (a suspension), or None."""
    until = user.suspended_until if is_member(user) else None
    if until and until > timezone.now():
        return f"You are suspended until {timezone.localtime(until):%-d %B %Y, %H:%M}, so you can read but not post."
    return None


def visible_threads(user, threads: QuerySet[Thread]) -> QuerySet[Thread]:
    """Published threads for everyone, and every thread in the categories a moderator moderates.

    The same for all members, so lists built from it can be shared between
    them; a member's own held threads appear only in their "my threads" list.
    """
    threads = threads.filter(merged_into=None)
    public = Q(is_deleted=False, review=Review.PUBLISHED)
    if is_moderator(user):
        scope = moderated_category_filter(user)
        if scope is None:
            return threads
        public |= scope
    return threads.filter(public)


def own_threads(user, threads: QuerySet[Thread]) -> QuerySet[Thread]:
    """A member's own threads, held ones included: their "my threads" list."""
    if not is_member(user):
        return threads.none()
    return threads.filter(author=user, merged_into=None, is_deleted=False)


def can_view_thread(user, thread: Thread) -> bool:
    if is_moderator(user, thread.category):
        return True
    if thread.is_deleted:
        return False
    return thread.review == Review.PUBLISHED or (is_member(user) and user.pk == thread.author_id)


def can_view_post(user, post: Post, thread: Thread) -> bool:
    """Held and hidden posts are seen by their author and the thread's moderators only.

    A removed post keeps its place (and this answer), shown as "post removed".
    """
    if not can_view_thread(user, thread):
        return False
    if is_public_post(post):
        return True
    return is_member(user) and (user.pk == post.author_id or is_moderator(user, thread.category))


def is_public_post(post) -> bool:
    """What every reader of the thread may see: the rule for pages shared between readers."""
    return post.review == Review.PUBLISHED


def visible_posts(user, posts: QuerySet[Post]) -> QuerySet[Post]:
    """The queryset twin of `can_view_post`, for posts in threads `user` can see."""
    public = Q(review=Review.PUBLISHED)
    if is_member(user):
        public |= Q(author=user)
    if is_moderator(user):
        scope = moderated_category_filter(user, prefix="thread__")
        if scope is None:
            return posts
        public |= scope
    return posts.filter(public)


def can_start_thread(user, category: Category) -> bool:
    if not is_member(user) or posting_refusal(user):
        return False
    policy = category.who_can_start
    if policy == Category.StartPolicy.STAFF:
        return is_moderator(user, category)
    if policy == Category.StartPolicy.TRUSTED:
        return user.trust_level >= 2 or is_moderator(user, category)
    return True


def reply_refusal(user, thread: Thread) -> str | None:
    """Why `user` may not reply to `thread`, or None when they may."""
    if not is_member(user):
        return "Sign in to reply."
    if refusal := posting_refusal(user):
        return refusal
    if thread.is_deleted:
        return "This thread was removed."
    if thread.state == Thread.State.LOCKED and not is_moderator(user, thread.category):
        return "This thread is locked."
    if thread.state == Thread.State.CLOSED and not is_moderator(user, thread.category):
        return "This thread is closed to new replies."
    return None


def can_reply(user, thread: Thread) -> bool:
    return reply_refusal(user, thread) is None


def can_accept_answer(user, thread: Thread) -> bool:
    if not is_member(user) or thread.kind != Thread.Kind.QUESTION or thread.is_deleted:
        return False
    if thread.state == Thread.State.LOCKED:
        return is_moderator(user, thread.category)
    return user.pk == thread.author_id or is_staff(user) or is_moderator(user, thread.category)


def can_verify_answer(user, thread: Thread) -> bool:
    return is_staff(user) and not thread.is_deleted


def can_set_status(user, thread: Thread) -> bool:
    """Staff move ideas and problems through their statuses; other kinds have none."""
    return is_staff(user) and not thread.is_deleted and thread.kind in (Thread.Kind.IDEA, Thread.Kind.PROBLEM)


def can_vote_idea(user, thread: Thread) -> bool:
    return (
        is_member(user)
        and not posting_refusal(user)
        and thread.kind == Thread.Kind.IDEA
        and user.pk != thread.author_id
        and not thread.is_deleted
        and thread.state != Thread.State.LOCKED
    )


def can_confirm_problem(user, thread: Thread) -> bool:
    return (
        is_member(user)
        and not posting_refusal(user)
        and thread.kind == Thread.Kind.PROBLEM
        and user.pk != thread.author_id
        and not thread.is_deleted
        and thread.state != Thread.State.LOCKED
    )


def can_upload_images(user) -> bool:
    """New members (trust level 0) can't upload images, a favourite of spammers."""
    return is_member(user) and not posting_refusal(user) and (user.trust_level >= TRUST_IMAGES or is_moderator(user))


def can_view_revisions(user, post: Post, thread: Thread) -> bool:
    return can_view_post(user, post, thread) and (not post.is_deleted or is_moderator(user, thread.category))


def answer_refusal(post) -> str | None:
    """Why `post` can't be the accepted (or verified) answer, or None when it can."""
    if post.is_opening:
        return "The question can't be its own answer."
    if post.is_deleted:
        return "That answer was removed."
    if not is_public_post(post):
        return "Only a published answer can be accepted or verified."
    return None


# Capabilities ----------------------------------------------------------------
#
# The single decision behind every button: the thread page serialises these for
# static/js/viewer.js, templates read their booleans, and the per-post checks
# the services call (can_vote, can_edit_post, ...) are read from them too.


@dataclass(frozen=True)
class ThreadCapabilities:
    """What a member may do in one thread."""

    reply: bool = False
    accept: bool = False
    verify: bool = False
    set_status: bool = False
    # Mark others' published posts helpful.
    vote: bool = False
    vote_idea: bool = False
    confirm_problem: bool = False
    flag: bool = False
    edit_own: bool = False
    edit_others: bool = False
    delete_own: bool = False
    delete_others: bool = False
    moderate: bool = False

    def as_dict(self) -> dict[str, bool]:
        # On every member's thread page: plain attribute reads, not asdict()'s deep copy.
        return {name: getattr(self, name) for name in THREAD_CAPABILITY_NAMES}


THREAD_CAPABILITY_NAMES = tuple(f.name for f in fields(ThreadCapabilities))
NO_CAPABILITIES = ThreadCapabilities()


def thread_capabilities(user, thread: Thread) -> ThreadCapabilities:
    if not is_member(user) or not can_view_thread(user, thread):
        return NO_CAPABILITIES
    moderate = is_moderator(user, thread.category)
    writer = not posting_refusal(user)
    # A locked or removed thread takes no votes and no edits, except from its moderators.
    open_to_members = writer and not thread.is_deleted and thread.state != Thread.State.LOCKED
    return ThreadCapabilities(
        reply=reply_refusal(user, thread) is None,
        accept=can_accept_answer(user, thread),
        verify=can_verify_answer(user, thread),
        set_status=can_set_status(user, thread),
        vote=open_to_members,
        vote_idea=can_vote_idea(user, thread),
        confirm_problem=can_confirm_problem(user, thread),
        flag=writer and not thread.is_deleted,
        edit_own=writer and (moderate or open_to_members),
        # Leaders (trust level 4) may tidy up others' posts, as on a wiki; every edit keeps a revision.
        edit_others=writer and (moderate or (open_to_members and user.trust_level >= TRUST_EDIT_OTHERS)),
        delete_own=writer and (moderate or open_to_members),
        delete_others=writer and moderate,
        moderate=moderate,
    )


class PostFacts(NamedTuple):
    """What the per-post decision reads from a post; a cached page of replies keeps these for each post."""

    author_id: int
    review: str
    is_deleted: bool
    is_opening: bool

    @classmethod
    def of(cls, post: Post) -> "PostFacts":
        return cls(post.author_id, post.review, post.is_deleted, post.is_opening)


@dataclass(frozen=True)
class PostCapabilities:
    """What a member may do with one post: the tools its page offers them."""

    vote: bool = False
    reply: bool = False
    accept: bool = False
    verify: bool = False
    solve: bool = False
    flag: bool = False
    edit: bool = False
    delete: bool = False
    # Someone else's post, through the moderation tools, which audit what they do.
    edit_others: bool = False
    remove: bool = False

    def names(self) -> list[str]:
        # Read per post on every thread page: plain attribute reads, not asdict()'s deep copy.
        return [name for name in POST_TOOLS if getattr(self, name)]


POST_TOOLS = tuple(f.name for f in fields(PostCapabilities))


NO_POST_CAPABILITIES = PostCapabilities()


def post_capabilities(
    user, post: "Post | PostFacts", thread: Thread, caps: ThreadCapabilities | None = None
) -> PostCapabilities:
    """`caps` is `thread_capabilities(user, thread)`, when the caller already has it."""
    if caps is None:
        caps = thread_capabilities(user, thread)
    own = is_member(user) and post.author_id == user.pk
    # Nothing can be done with a post one can't see, or with a removed one.
    if post.is_deleted or not (own or caps.moderate or is_public_post(post)):
        return NO_POST_CAPABILITIES
    answerable = answer_refusal(post) is None
    return PostCapabilities(
        vote=caps.vote and not own and is_public_post(post),
        reply=caps.reply,
        accept=caps.accept and answerable,
        verify=caps.verify and answerable,
        solve=caps.set_status and thread.kind == Thread.Kind.PROBLEM and not post.is_opening,
        # A held post is already in front of a moderator (moderation.permissions.flag_refusal says so).
        flag=caps.flag and not own and post.review != Review.PENDING,
        edit=own and caps.edit_own,
        delete=own and caps.delete_own,
        edit_others=not own and caps.edit_others,
        remove=not own and caps.delete_others,
    )


def page_tools(user, facts: dict[int, tuple], thread: Thread, caps: ThreadCapabilities) -> dict[str, list[str]]:
    """The tools for each post of a page, by post id: `post_capabilities` for each, as the viewer data carries them.

    `facts` holds each post's PostFacts, or the plain tuple of its fields a
    cached page of replies keeps. The decision reads only whether the post is
    the member's own and its review, removal and place, so posts alike in
    those share one decision.
    """
    decided: dict[tuple, list[str]] = {}
    tools = {}
    for pk, (author_id, review, is_deleted, is_opening) in facts.items():
        key = (author_id == user.pk, review, is_deleted, is_opening)
        if key not in decided:
            fact = PostFacts(author_id, review, is_deleted, is_opening)
            decided[key] = post_capabilities(user, fact, thread, caps).names()
        tools[str(pk)] = decided[key]
    return tools


def can_vote(user, post: Post, thread: Thread) -> bool:
    return post_capabilities(user, post, thread).vote


def can_edit_post(user, post: Post, thread: Thread) -> bool:
    return post_capabilities(user, post, thread).edit


def can_delete_post(user, post: Post, thread: Thread) -> bool:
    return post_capabilities(user, post, thread).delete


def can_edit_others_post(user, post: Post, thread: Thread) -> bool:
    """Moderators, and leaders on open threads, edit others' posts (through moderation, which audits it)."""
    return post_capabilities(user, post, thread).edit_others


def can_remove_others_post(user, post: Post, thread: Thread) -> bool:
    return post_capabilities(user, post, thread).remove


def can_accept_post(user, post: Post, thread: Thread) -> bool:
    return post_capabilities(user, post, thread).accept
