"""Every unsafe route, for every kind of actor, against every kind of object.

Each cell posts once, through the CSRF check with a real token, and checks
the answer and the database: an allowed action succeeds (2xx or 3xx, with no
error message), and a refused one answers 403 or 404 (a visitor, or a banned
member, is sent to sign in; a form page may show the refusal with 400, and a
button may come back with an error message) and changes no row at all.

The expected answers come from the rules (DESIGN.md, community.permissions and
moderation.permissions), written out below per route as who may act on which
object, never from what the code happens to do. The world is built once per
module through the real services, inside a transaction rolled back at the
end; each cell runs in its own savepoint, rolled back too, so cells never see
each other's writes.
"""

import io
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie

import pytest
from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.models import User
from community.models import (
    Attachment,
    Category,
    HelpfulVote,
    IdeaVote,
    MeToo,
    Post,
    PostRevision,
    Review,
    StatusChange,
    Subscription,
    Thread,
)
from community.services import posts as post_services
from moderation import screening
from moderation.models import (
    AuditEntry,
    ContentFilter,
    Conversation,
    Flag,
    MemberNote,
    Message,
    ReviewItem,
    Sanction,
)
from moderation.services import feedback, sanctions, spam
from moderation.services import queue as decisions
from moderation.services.flags import flag_post
from tests.builders import build_category, build_member, build_moderator, build_reply, build_thread

# The actors. "author" wrote every object the matrix acts on; "member" is anyone else.
VISITOR, AUTHOR, MEMBER = "visitor", "author", "member"
MOD_HERE, MOD_ELSEWHERE, GLOBAL_MOD = "mod_here", "mod_elsewhere", "global_mod"
SUSPENDED, BANNED, STAFF = "suspended", "banned", "staff"
ACTORS = (VISITOR, AUTHOR, MEMBER, MOD_HERE, MOD_ELSEWHERE, GLOBAL_MOD, SUSPENDED, BANNED, STAFF)
SIGNED_IN = {AUTHOR, MEMBER, MOD_HERE, MOD_ELSEWHERE, GLOBAL_MOD, SUSPENDED, STAFF}
CAN_POST = SIGNED_IN - {SUSPENDED}
MODERATORS = {"help": {MOD_HERE, GLOBAL_MOD, STAFF}, "billing": {MOD_ELSEWHERE, GLOBAL_MOD, STAFF}}

# The objects: posts and threads in the Help category, except "elsewhere", which is in Billing.
PUBLISHED, HELD, HIDDEN, REMOVED, ELSEWHERE = "published", "held", "hidden", "removed", "elsewhere"
POSTS = (PUBLISHED, HELD, HIDDEN, REMOVED, ELSEWHERE)
THREADS = (PUBLISHED, HELD, REMOVED, ELSEWHERE)

HOLD_WORD = "zebracorn"
HIDDEN_WORD = "kumquat"
PRIVATE_WORDS = {HELD: HOLD_WORD, HIDDEN: HIDDEN_WORD}

pytestmark = pytest.mark.django_db


def category_of(kind: str) -> str:
    return "billing" if kind == ELSEWHERE else "help"


def moderates(actor: str, kind: str) -> bool:
    return actor in MODERATORS[category_of(kind)]


def sees_post(actor: str, kind: str) -> bool:
    """Held and hidden posts: their author and the category's moderators (a removed reply shows as removed)."""
    return kind not in (HELD, HIDDEN) or actor == AUTHOR or moderates(actor, kind)


def sees_thread(actor: str, kind: str) -> bool:
    if kind == HELD:
        return actor == AUTHOR or moderates(actor, kind)
    if kind == REMOVED:
        return moderates(actor, kind)
    return True


# The world -------------------------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, User] = field(default_factory=dict)
    posts: dict[str, Post] = field(default_factory=dict)
    threads: dict[tuple[str, str], Thread] = field(default_factory=dict)  # (kind of thread, kind of object)
    items: dict[str, ReviewItem] = field(default_factory=dict)
    targets: dict[str, User] = field(default_factory=dict)
    sanctions: dict[str, Sanction] = field(default_factory=dict)
    help: Category | None = None
    conversation: Conversation | None = None
    sessions: dict[str, str] = field(default_factory=dict)
    # Every cell starts from this state, since each one is rolled back.
    rows: dict = field(default_factory=dict)
    client: Client = field(default_factory=lambda: Client(enforce_csrf_checks=True))


def _held(author, parent=None, **thread):
    """A post a content filter holds for review, the way members' posts get held."""
    word_filter = ContentFilter.objects.create(pattern=HOLD_WORD, action=ContentFilter.Action.HOLD)
    screening.forget_filters()
    try:
        if parent is not None:
            held = build_reply(author, parent, body=f"A {HOLD_WORD} reply.")
        else:
            held = build_thread(author, body=f"About a {HOLD_WORD}.", **thread).opening_post
    finally:
        word_filter.delete()
        screening.forget_filters()
    assert held.review == Review.PENDING
    return held if parent is not None else Thread.objects.get(pk=held.thread_id)


def _threads(world: World, author, *, kind: str, help_, billing) -> None:
    label = kind.capitalize()
    world.threads[kind, PUBLISHED] = build_thread(author, category=help_, kind=kind, title=f"{label} in help")
    world.threads[kind, ELSEWHERE] = build_thread(author, category=billing, kind=kind, title=f"{label} in billing")
    world.threads[kind, HELD] = _held(author, category=help_, kind=kind, title=f"Held {kind} in help")
    removed = build_thread(author, category=help_, kind=kind, title=f"Removed {kind} in help")
    post_services.delete_post(author, post=removed.opening_post)
    world.threads[kind, REMOVED] = Thread.objects.get(pk=removed.pk)


def build_world() -> World:
    world = World()
    help_, billing = build_category(name="Help"), build_category(name="Billing")
    world.help = help_
    users = world.users
    users[AUTHOR] = build_member(username="ada")
    users[MEMBER] = build_member(username="ben")
    users[MOD_HERE] = build_moderator(category=help_, username="hal")
    users[MOD_ELSEWHERE] = build_moderator(category=billing, username="bea")
    users[GLOBAL_MOD] = build_moderator(username="gus")
    users[STAFF] = build_member(username="tess", is_staff_member=True)
    users[SUSPENDED] = build_member(username="sue")
    users[BANNED] = build_member(username="bob")
    author, member, staff = users[AUTHOR], users[MEMBER], users[STAFF]

    # Threads of each kind the routes act on: published, held and removed in Help, and one in Billing.
    for kind in (Thread.Kind.QUESTION, Thread.Kind.IDEA, Thread.Kind.PROBLEM):
        _threads(world, author, kind=kind, help_=help_, billing=billing)
    question, elsewhere = world.threads["question", PUBLISHED], world.threads["question", ELSEWHERE]
    # Each open question has an answer accepted, so unaccepting has something to undo.
    for thread in (question, elsewhere):
        answer = build_reply(member, thread.opening_post, body="Restart the hub.")
        post_services.accept_answer(author, post=answer)

    # The author's replies in every state.
    world.posts[PUBLISHED] = build_reply(author, question.opening_post, body="Hold the button.")
    world.posts[HELD] = _held(author, parent=question.opening_post)
    hidden = build_reply(author, question.opening_post, body=f"Something rude about {HIDDEN_WORD}.")
    flag_post(member, post=hidden, reason=Flag.Reason.ABUSE)
    decisions.hide_post(users[GLOBAL_MOD], item=ReviewItem.objects.get(post=hidden), reason="Rude.")
    world.posts[HIDDEN] = hidden
    removed = build_reply(author, question.opening_post, body="Posted twice.")
    post_services.delete_post(author, post=removed)
    world.posts[REMOVED] = removed
    world.posts[ELSEWHERE] = build_reply(author, elsewhere.opening_post, body="Check the invoice.")
    # An edit gives each a revision, whose old text must stay as private as the post.
    for kind in (HELD, HIDDEN):
        post = Post.objects.get(pk=world.posts[kind].pk)
        edited = post_services.edit_post(author, post=post, body=f"{post.body} Edited.")
        assert edited.review == post.review
    for kind, post in world.posts.items():
        world.posts[kind] = Post.objects.get(pk=post.pk)

    # Members to sanction: one who posted in Help only, a fellow Help moderator, a fellow global moderator, staff.
    targets = world.targets
    targets["poster"] = build_member(username="pia")
    targets["fellow_scoped"] = build_moderator(category=help_, username="cora")
    targets["fellow_global"] = build_moderator(username="gil")
    targets["other_staff"] = build_member(username="tom", is_staff_member=True)
    for target in (targets["poster"], targets["fellow_scoped"]):
        build_reply(target, question.opening_post, body=f"{target.username} was here.")

    # Open queue items, one in each category.
    queued = build_reply(targets["poster"], question.opening_post, body="Cheap watches.")
    flag_post(member, post=queued, reason=Flag.Reason.SPAM)
    world.items["help"] = ReviewItem.objects.get(post=queued, status=ReviewItem.Status.OPEN)
    queued_elsewhere = build_reply(member, elsewhere.opening_post, body="Cheap bags.")
    flag_post(targets["poster"], post=queued_elsewhere, reason=Flag.Reason.SPAM)
    world.items[ELSEWHERE] = ReviewItem.objects.get(post=queued_elsewhere, status=ReviewItem.Status.OPEN)

    # Sanctions: the suspended and banned actors', staff's and a fellow scoped moderator's on the poster.
    soon = timezone.now() + timedelta(days=7)
    sanctions.suspend(staff, member=users[SUSPENDED], until=soon, reason="Cooling off.")
    world.sanctions["ban_by_staff"] = sanctions.ban(staff, member=users[BANNED], reason="Fraud.")
    world.sanctions["suspension_by_staff"] = sanctions.suspend(
        staff, member=targets["poster"], until=soon, reason="Spam."
    )
    peer = targets["fellow_scoped"]
    world.sanctions["warning_by_peer"] = sanctions.warn(peer, member=targets["poster"], reason="Tone.")
    spammer = build_member(username="spam")
    build_reply(spammer, question.opening_post, body="Buy now.")
    spam.purge_spammer(targets["fellow_global"], member=spammer, reason="Spam account.")
    targets["purged"] = spammer

    world.conversation = feedback.start_conversation(member, subject="My invoice", body="It is wrong.")

    for actor, user in users.items():
        client = Client()
        client.force_login(user)
        world.sessions[actor] = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    world.rows = snapshot()
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back at the end."""
    from config.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    quiet = override_settings(
        MODERATION_RATE_LIMITS={},
        MODERATION_DUPLICATE_SECONDS=0,
        CELERY_TASK_ALWAYS_EAGER=True,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    with django_db_blocker.unblock(), quiet:
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            app.conf.task_always_eager = eager


@pytest.fixture
def cell(world):
    """The world, for one cell: pytest-django wraps each test in a savepoint that it rolls back."""
    return world


# What "nothing changed" means ------------------------------------------------------------------

SNAPSHOT_MODELS = (
    Post,
    Thread,
    Category,
    PostRevision,
    HelpfulVote,
    IdeaVote,
    MeToo,
    StatusChange,
    Subscription,
    Attachment,
    Flag,
    ReviewItem,
    Sanction,
    AuditEntry,
    MemberNote,
    Conversation,
    Message,
)
USER_FIELDS = (
    "pk",
    "is_active",
    "suspended_until",
    "trust_level",
    "display_name",
    "bio",
    "avatar",
    "moderates_everywhere",
    "moderated_categories",
)


def snapshot() -> dict:
    rows = {model.__name__: list(model.objects.order_by("pk").values()) for model in SNAPSHOT_MODELS}
    rows["User"] = list(User.objects.order_by("pk").values(*USER_FIELDS))
    return rows


# The routes ------------------------------------------------------------------------------------


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(buffer, format="PNG")
    return SimpleUploadedFile("dot.png", buffer.getvalue(), content_type="image/png")


@dataclass(frozen=True)
class Route:
    name: str
    objects: tuple[str, ...]
    url: Callable[[World, str], str]
    allowed: Callable[[str, str], bool]
    data: Callable[[World, str], dict] = lambda world, kind: {}
    # Refusals this route shows on its page (a form with 400, a button's error message) rather than as 403/404.
    tells: bool = False


def post_url(name):
    return lambda world, kind: reverse(f"community:{name}", kwargs={"pk": world.posts[kind].pk})


def thread_url(name, thread_kind, namespace="community"):
    return lambda world, kind: reverse(f"{namespace}:{name}", kwargs={"pk": world.threads[thread_kind, kind].pk})


def member_url(name):
    return lambda world, kind: reverse(f"moderation:{name}", kwargs={"username": world.targets[kind].username})


def _author(actor, kind):
    return actor == AUTHOR and kind != REMOVED


def _moderator_of(actor, kind):
    """Someone else's post is edited or removed through the moderation tools, by its moderators only."""
    return actor in CAN_POST and actor != AUTHOR and kind != REMOVED and moderates(actor, kind)


def _voter(actor, kind):
    return actor in CAN_POST and actor != AUTHOR and kind != REMOVED and sees_thread(actor, kind)


TARGETS = ("poster", "fellow_scoped", "fellow_global", "other_staff")
# Who may warn or suspend each target: nobody on a role as high as their own,
# and a scoped moderator only someone who posted in their categories.
SANCTIONERS = {
    "poster": {MOD_HERE, GLOBAL_MOD, STAFF},
    "fellow_scoped": {GLOBAL_MOD, STAFF},
    "fellow_global": {STAFF},
    "other_staff": set(),
}
LIFTERS = {
    "suspension_by_staff": {STAFF},
    "warning_by_peer": {MOD_HERE, GLOBAL_MOD, STAFF},
    "ban_by_staff": {STAFF},
}

ROUTES = [
    # community: posts
    Route(
        "reply",
        POSTS,
        post_url("reply"),
        lambda actor, kind: actor in CAN_POST and kind != REMOVED and sees_post(actor, kind),
        data=lambda world, kind: {"body": "Same here, and a fix."},
        tells=True,
    ),
    Route(
        "edit_post",
        POSTS,
        post_url("edit_post"),
        _author,
        data=lambda world, kind: {"body": "Edited body text."},
    ),
    Route("delete_post", POSTS, post_url("delete_post"), _author),
    Route(
        "moderator_edit_post",
        POSTS,
        lambda world, kind: reverse("moderation:edit_post", kwargs={"pk": world.posts[kind].pk}),
        _moderator_of,
        data=lambda world, kind: {"body": "Edited by a moderator.", "reason": "Tidy"},
    ),
    Route(
        "moderator_remove_post",
        POSTS,
        lambda world, kind: reverse("moderation:remove_post", kwargs={"pk": world.posts[kind].pk}),
        _moderator_of,
        data=lambda world, kind: {"reason": "Off topic"},
    ),
    Route(
        "helpful",
        POSTS,
        post_url("helpful"),
        lambda actor, kind: actor in CAN_POST and actor != AUTHOR and kind in (PUBLISHED, ELSEWHERE),
        data=lambda world, kind: {"on": "1"},
        tells=True,
    ),
    Route(
        "accept",
        POSTS,
        post_url("accept"),
        # The asker is the author here; a held or hidden reply can't become the answer everyone sees.
        lambda actor, kind: kind in (PUBLISHED, ELSEWHERE) and (actor == AUTHOR or moderates(actor, kind)),
        tells=True,
    ),
    Route(
        "verify",
        POSTS,
        post_url("verify"),
        # Like accepting: only a published reply can carry the team's mark that everyone sees.
        lambda actor, kind: actor == STAFF and kind in (PUBLISHED, ELSEWHERE),
        data=lambda world, kind: {"on": "1"},
        tells=True,
    ),
    Route(
        "flag",
        POSTS,
        lambda world, kind: reverse("moderation:flag", kwargs={"pk": world.posts[kind].pk}),
        lambda actor, kind: (
            actor in CAN_POST and actor != AUTHOR and kind not in (REMOVED, HELD) and sees_post(actor, kind)
        ),
        data=lambda world, kind: {"reason": Flag.Reason.SPAM},
    ),
    # community: threads
    Route(
        "unaccept",
        (PUBLISHED, REMOVED, ELSEWHERE),
        thread_url("unaccept", "question"),
        lambda actor, kind: actor in SIGNED_IN and kind != REMOVED and (actor == AUTHOR or moderates(actor, kind)),
        tells=True,
    ),
    Route(
        "idea_vote",
        THREADS,
        thread_url("idea_vote", "idea"),
        _voter,
        data=lambda world, kind: {"on": "1"},
        tells=True,
    ),
    Route(
        "me_too",
        THREADS,
        thread_url("me_too", "problem"),
        _voter,
        data=lambda world, kind: {"on": "1"},
        tells=True,
    ),
    Route(
        "set_status",
        THREADS,
        thread_url("set_status", "idea"),
        lambda actor, kind: actor == STAFF and kind != REMOVED,
        data=lambda world, kind: {"status": Thread.IdeaStatus.PLANNED, "note": "On the roadmap."},
        tells=True,
    ),
    Route(
        "follow_thread",
        THREADS,
        thread_url("follow_thread", "question"),
        lambda actor, kind: actor in SIGNED_IN and sees_thread(actor, kind),
        data=lambda world, kind: {"on": "1"},
        tells=True,
    ),
    # community: categories and writing
    Route(
        "follow_category",
        (PUBLISHED,),
        lambda world, kind: reverse("community:follow_category", kwargs={"slug": world.help.slug}),
        lambda actor, kind: actor in SIGNED_IN,
        data=lambda world, kind: {"on": "1"},
    ),
    Route(
        "start_thread",
        (PUBLISHED,),
        lambda world, kind: reverse("community:start_thread"),
        lambda actor, kind: actor in CAN_POST,
        data=lambda world, kind: {
            "category": world.help.pk,
            "kind": Thread.Kind.QUESTION,
            "title": "How do I reset the hub?",
            "body": "It blinks red.",
        },
        tells=True,
    ),
    Route(
        "preview",
        (PUBLISHED,),
        lambda world, kind: reverse("community:preview"),
        lambda actor, kind: actor in SIGNED_IN,
        data=lambda world, kind: {"body": "**bold**"},
    ),
    Route(
        "upload_attachment",
        (PUBLISHED,),
        lambda world, kind: reverse("community:upload_attachment"),
        lambda actor, kind: actor in CAN_POST,
        data=lambda world, kind: {"image": _png()},
    ),
    # moderation: the review queue
    Route(
        "claim",
        ("help", ELSEWHERE),
        lambda world, kind: reverse("moderation:claim", kwargs={"pk": world.items[kind].pk}),
        moderates,
    ),
    Route(
        "act",
        ("help", ELSEWHERE),
        lambda world, kind: reverse("moderation:act", kwargs={"pk": world.items[kind].pk}),
        moderates,
        data=lambda world, kind: {"action": "hide", "canned": "spam"},
    ),
    Route(
        "bulk",
        ("help", ELSEWHERE),
        lambda world, kind: reverse("moderation:bulk"),
        moderates,
        data=lambda world, kind: {"action": "hide", "items": [world.items[kind].pk]},
        # Items out of a moderator's categories are skipped, and the moderator told why.
        tells=True,
    ),
    # moderation: members
    Route(
        "warn",
        TARGETS,
        member_url("sanction"),
        lambda actor, kind: actor in SANCTIONERS[kind],
        data=lambda world, kind: {"kind": "warning", "warning-reason": "Mind your tone."},
    ),
    Route(
        "suspend",
        TARGETS,
        member_url("sanction"),
        lambda actor, kind: actor in SANCTIONERS[kind],
        data=lambda world, kind: {
            "kind": "suspension",
            "suspension-reason": "Cooling off.",
            "suspension-until": (timezone.localdate() + timedelta(days=3)).isoformat(),
        },
    ),
    Route(
        "ban",
        TARGETS,
        member_url("sanction"),
        lambda actor, kind: actor in SANCTIONERS[kind] & {GLOBAL_MOD, STAFF},
        data=lambda world, kind: {"kind": "ban", "ban-reason": "Fraud."},
    ),
    Route(
        "note",
        ("poster",),
        member_url("note"),
        lambda actor, kind: actor in {MOD_HERE, MOD_ELSEWHERE, GLOBAL_MOD, STAFF},
        data=lambda world, kind: {"body": "Usually helpful."},
    ),
    Route(
        "purge",
        ("poster",),
        member_url("purge"),
        lambda actor, kind: actor in {GLOBAL_MOD, STAFF},
        data=lambda world, kind: {"purge-reason": "Spam account."},
    ),
    Route(
        "unpurge",
        ("purged",),
        member_url("unpurge"),
        lambda actor, kind: actor in {GLOBAL_MOD, STAFF},
        data=lambda world, kind: {"unpurge-reason": "Not spam after all."},
    ),
    Route(
        "lift",
        tuple(LIFTERS),
        lambda world, kind: reverse("moderation:lift", kwargs={"pk": world.sanctions[kind].pk}),
        lambda actor, kind: actor in LIFTERS[kind],
        data=lambda world, kind: {f"lift-{world.sanctions[kind].pk}-reason": "Appeal granted."},
    ),
    # moderation: threads
    Route(
        "thread_act",
        THREADS,
        thread_url("thread_act", "question", namespace="moderation"),
        moderates,
        data=lambda world, kind: {"action": "lock", "state-reason": "Heated."},
    ),
    # moderation: contact the team
    Route(
        "start_conversation",
        (PUBLISHED,),
        lambda world, kind: reverse("moderation:start_conversation"),
        lambda actor, kind: actor in SIGNED_IN,
        data=lambda world, kind: {"subject": "A question", "body": "About my account."},
    ),
    Route(
        "conversation_reply",
        ("members",),
        lambda world, kind: reverse("moderation:conversation", kwargs={"pk": world.conversation.pk}),
        lambda actor, kind: actor in {MEMBER, STAFF},
        data=lambda world, kind: {"action": "reply", "body": "Any news?"},
    ),
    Route(
        "conversation_status",
        ("members",),
        lambda world, kind: reverse("moderation:conversation", kwargs={"pk": world.conversation.pk}),
        lambda actor, kind: actor == STAFF,
        data=lambda world, kind: {"action": "status", "status": Conversation.Status.CLOSED},
    ),
    # accounts
    Route(
        "profile_settings",
        (PUBLISHED,),
        lambda world, kind: reverse("accounts:settings"),
        lambda actor, kind: actor in SIGNED_IN,
        data=lambda world, kind: {"display_name": "Renamed", "bio": "Hello."},
    ),
]

CELLS = [
    pytest.param(route, actor, kind, id=f"{route.name}-{kind}-{actor}")
    for route in ROUTES
    for kind in route.objects
    for actor in ACTORS
]


# The answers -----------------------------------------------------------------------------------

CSRF_SECRET = secrets.token_hex(16)  # 32 characters, the length of Django's unmasked token


def client_for(world: World, actor: str) -> Client:
    """The module's one client, signed in as `actor`: a new client would load the middleware again."""
    client = world.client
    client.cookies = SimpleCookie()
    client.cookies[django_settings.CSRF_COOKIE_NAME] = CSRF_SECRET
    if actor != VISITOR:
        client.cookies[django_settings.SESSION_COOKIE_NAME] = world.sessions[actor]
    return client


def sent_to_sign_in(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def told_no(response) -> bool:
    """A form page with its errors, or a redirect carrying an error or warning message."""
    if response.status_code == 400:
        return True
    if response.status_code != 302:
        return False
    return any(message.level >= messages.WARNING for message in get_messages(response.wsgi_request))


READ_CELLS = [
    pytest.param(name, actor, kind, id=f"{name}-{kind}-{actor}")
    for name in ("post_context", "revisions", "reply")
    for kind in (HELD, HIDDEN)
    for actor in ACTORS
]


@pytest.mark.parametrize(("name", "actor", "kind"), READ_CELLS)
def test_post_pages_show_held_and_hidden_text_only_to_who_may_see_it(cell, name: str, actor: str, kind: str):
    """A post's side pages (its context, its revisions, the reply form quoting it) follow the post's visibility."""
    response = client_for(cell, actor).get(reverse(f"community:{name}", kwargs={"pk": cell.posts[kind].pk}))

    if sees_post(actor, kind):
        assert response.status_code == 200 or (sent_to_sign_in(response) and name == "reply")
    else:
        # Refused outright, or a page around the post that leaves its text out.
        assert response.status_code in (200, 403, 404) or sent_to_sign_in(response), response.status_code
        assert PRIVATE_WORDS[kind] not in response.content.decode(), f"{actor} can read a {kind} post on {name}"


# The routes a post's actions page (community:post_actions) reaches, each by a form or a link.
ACTIONS_PAGE_ROUTES = [
    route
    for route in ROUTES
    if route.name
    in {
        "reply",
        "edit_post",
        "delete_post",
        "moderator_edit_post",
        "moderator_remove_post",
        "helpful",
        "accept",
        "verify",
        "flag",
    }
]
ACTIONS_CELLS = [pytest.param(actor, kind, id=f"{kind}-{actor}") for kind in POSTS for actor in ACTORS]


def offered(page: str, world: World, kind: str) -> set[str]:
    return {
        route.name
        for route in ACTIONS_PAGE_ROUTES
        if re.search(rf'(action|href)="{re.escape(route.url(world, kind))}"', page)
    }


@pytest.mark.parametrize(("actor", "kind"), ACTIONS_CELLS)
def test_post_actions_page_offers_exactly_what_the_rules_allow(cell, actor: str, kind: str):
    """Without JavaScript, a form or link for each allowed action and for no other; the others change nothing."""
    client = client_for(cell, actor)

    response = client.get(reverse("community:post_actions", kwargs={"pk": cell.posts[kind].pk}))

    page = response.content.decode()
    if not sees_post(actor, kind):
        assert response.status_code == 404
        assert PRIVATE_WORDS[kind] not in page
    else:
        assert response.status_code == 200
        assert offered(page, cell, kind) == {route.name for route in ACTIONS_PAGE_ROUTES if route.allowed(actor, kind)}
    if actor in (VISITOR, BANNED) and response.status_code == 200:
        assert "Sign in to take part" in page and "csrfmiddlewaretoken" not in page
    if actor == SUSPENDED:
        assert "You are suspended until" in page or response.status_code == 404
    for route in ACTIONS_PAGE_ROUTES:
        if not route.allowed(actor, kind):
            client.post(route.url(cell, kind), {**route.data(cell, kind), "csrfmiddlewaretoken": CSRF_SECRET})
    assert snapshot() == cell.rows, f"an action {actor} was not offered on a {kind} post changed something"


def test_a_post_without_the_csrf_token_is_refused(cell):
    client = client_for(cell, MEMBER)

    response = client.post(reverse("community:helpful", kwargs={"pk": cell.posts[PUBLISHED].pk}), {"on": "1"})

    assert response.status_code == 403 and snapshot() == cell.rows


@pytest.mark.parametrize(("route", "actor", "kind"), CELLS)
def test_unsafe_route(cell, route: Route, actor: str, kind: str):
    client = client_for(cell, actor)
    url, data = route.url(cell, kind), {**route.data(cell, kind), "csrfmiddlewaretoken": CSRF_SECRET}

    response = client.post(url, data)

    status = response.status_code
    if route.allowed(actor, kind):
        assert status < 400 and not sent_to_sign_in(response) and not told_no(response), (
            f"{actor} should be able to {route.name} ({kind}), got {status}"
        )
    else:
        refused = status in (403, 404) or sent_to_sign_in(response) or (route.tells and told_no(response))
        assert refused, f"{actor} must not {route.name} ({kind}), got {status}"
        assert snapshot() == cell.rows, f"{actor} was refused {route.name} ({kind}), yet something changed"


@pytest.mark.parametrize("actor", ACTORS)
def test_a_flag_button_shows_exactly_where_flagging_is_allowed(cell, actor: str):
    """The thread page's Flag tool (community.permissions) and the flag route's check
    (moderation.permissions) answer alike for every post the actor can see."""
    from community.permissions import post_capabilities
    from moderation.permissions import flag_refusal

    user = cell.users.get(actor) or AnonymousUser()
    for kind in POSTS:
        post = cell.posts[kind]
        if not sees_post(actor, kind):
            continue
        shown = post_capabilities(user, post, post.thread).flag
        assert shown == (flag_refusal(user, post, post.thread) is None), f"{actor} on a {kind} post"
