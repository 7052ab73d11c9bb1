"""Moderators' thread actions: the tree mechanics, the checked and audited services, and the tools page."""

from datetime import timedelta
from html import unescape
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from community.models import Category, Post, Review, Subscription, Thread
from community.services import posts
from moderation.models import AuditEntry, ReviewItem
from moderation.services import posts as moderation_posts
from moderation.services import threads as actions
from tests.builders import build_category, build_member, build_moderator, build_reply, build_thread
from tests.helpers import assert_consistent, tree_problems

pytestmark = pytest.mark.django_db

Action = AuditEntry.Action


def fetch(obj):
    return type(obj).objects.get(pk=obj.pk)


# Data ----------------------------------------------------------------------------


@pytest.fixture
def billing(db):
    return build_category(name="Billing")


@pytest.fixture
def helpers(db):
    return [build_member(username=f"helper{n}") for n in range(3)]


def build_discussion(author, helpers, category, title):
    """A thread with two branches, one of them three levels deep."""
    thread = build_thread(author, category=category, title=title, body=f"About {title}")
    a = build_reply(helpers[0], thread.opening_post, f"A in {title}")
    a1 = build_reply(helpers[1], a, f"A1 in {title}")
    a1x = build_reply(helpers[2], a1, f"A1x in {title}")
    b = build_reply(helpers[1], thread.opening_post, f"B in {title}")
    b1 = build_reply(helpers[0], b, f"B1 in {title}")
    return fetch(thread), {"a": a, "a1": a1, "a1x": a1x, "b": b, "b1": b1}


@pytest.fixture
def pairing(member, helpers, category):
    return build_discussion(member, helpers, category, "The bulb won't pair with the hub")


@pytest.fixture
def duplicate(other_member, helpers, category):
    return build_discussion(other_member, helpers, category, "Pairing a bulb never finishes")


# Move and rename ------------------------------------------------------------------


def test_move_thread_carries_its_counts_to_the_new_category(moderator, pairing, billing, category):
    thread, _ = pairing

    moved = actions.move_thread(moderator, thread=thread, category=billing, reason="It's about invoices")

    assert fetch(thread).category_id == billing.pk == moved.category_id
    assert (fetch(billing).thread_count, fetch(billing).post_count) == (1, 6)
    assert (fetch(category).thread_count, fetch(category).post_count) == (0, 0)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.target_type, entry.target_id) == (
        Action.THREAD_MOVED,
        moderator,
        "thread",
        thread.pk,
    )
    assert (entry.before, entry.after, entry.reason) == (
        {"category": "Getting started"},
        {"category": "Billing"},
        "It's about invoices",
    )
    assert entry.category_id == billing.pk
    assert_consistent()


def test_move_keeps_queue_items_in_step(moderator, pairing, billing, other_member):
    thread, replies = pairing
    from moderation.models import Flag

    item = ReviewItem.objects.create(post=replies["b1"], category=thread.category)
    Flag.objects.create(item=item, post=replies["b1"], flagger=other_member, reason=Flag.Reason.SPAM)

    actions.move_thread(moderator, thread=thread, category=billing)

    assert fetch(item).category_id == billing.pk


def test_move_into_the_same_category_is_refused(moderator, pairing, category):
    with pytest.raises(ValidationError) as refused:
        actions.move_thread(moderator, thread=pairing[0], category=category)
    assert refused.value.message_dict == {"category": ["The thread is already in Getting started."]}
    assert not AuditEntry.objects.exists()


def test_scoped_moderator_can_move_only_between_categories_they_moderate(pairing, category, billing, helpers):
    thread, _ = pairing
    ours = build_moderator(category=category)
    theirs = build_thread(helpers[0], category=billing, title="Charged twice this month")

    with pytest.raises(PermissionDenied):
        actions.move_thread(ours, thread=thread, category=billing)
    with pytest.raises(PermissionDenied):
        actions.move_thread(ours, thread=theirs, category=category)

    assert fetch(thread).category_id == category.pk
    assert fetch(theirs).category_id == billing.pk
    both = build_moderator(category=category)
    both.moderated_categories = [category.pk, billing.pk]
    User.objects.filter(pk=both.pk).update(moderated_categories=both.moderated_categories)
    actions.move_thread(both, thread=thread, category=billing)
    assert fetch(thread).category_id == billing.pk


def test_sub_category_moderation_comes_with_the_parent(pairing, category):
    thread, _ = pairing
    child = build_category(name="Pairing help", parent=category)
    scoped = build_moderator(category=category)

    actions.move_thread(scoped, thread=thread, category=child)

    assert fetch(thread).category_id == child.pk
    assert_consistent()


def test_rename_thread_changes_title_slug_and_audits(moderator, pairing):
    thread, _ = pairing

    renamed = actions.rename_thread(moderator, thread=thread, title="  Bulb   won't pair after a firmware update ")

    stored = fetch(thread)
    assert stored.title == renamed.title == "Bulb won't pair after a firmware update"
    assert stored.slug == "bulb-wont-pair-after-a-firmware-update"
    assert stored.version > thread.version
    entry = AuditEntry.objects.get()
    assert entry.before == {"title": "The bulb won't pair with the hub"}
    assert entry.after == {"title": "Bulb won't pair after a firmware update"}


def test_rename_refuses_a_short_title_with_the_field_named(moderator, pairing):
    with pytest.raises(ValidationError) as refused:
        actions.rename_thread(moderator, thread=pairing[0], title="Help")
    assert "title" in refused.value.message_dict
    assert fetch(pairing[0]).title == "The bulb won't pair with the hub"


# State and pins ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "start", "end"),
    [
        ("lock_thread", "open", "locked"),
        ("lock_thread", "closed", "locked"),
        ("unlock_thread", "locked", "open"),
        ("close_thread", "open", "closed"),
        ("reopen_thread", "closed", "open"),
    ],
)
def test_state_actions_change_the_state_and_audit(moderator, question, service, start, end):
    Thread.objects.filter(pk=question.pk).update(state=start)

    getattr(actions, service)(moderator, thread=question, reason="Heated")

    assert fetch(question).state == end
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.before, entry.after, entry.reason) == (
        Action.THREAD_STATE,
        {"state": start},
        {"state": end},
        "Heated",
    )


@pytest.mark.parametrize(
    ("service", "start", "message"),
    [
        ("lock_thread", "locked", "The thread is already locked."),
        ("unlock_thread", "open", "The thread isn't locked."),
        ("close_thread", "locked", "Only an open thread can be closed."),
        ("reopen_thread", "open", "The thread isn't closed."),
    ],
)
def test_state_actions_that_change_nothing_are_refused(moderator, question, service, start, message):
    Thread.objects.filter(pk=question.pk).update(state=start)

    with pytest.raises(ValidationError) as refused:
        getattr(actions, service)(moderator, thread=question)

    assert refused.value.messages == [message]
    assert not AuditEntry.objects.exists()


def test_pin_and_unpin_audit_both_ways(moderator, question):
    actions.pin_thread(moderator, thread=question)
    assert fetch(question).is_pinned
    with pytest.raises(ValidationError):
        actions.pin_thread(moderator, thread=question)

    actions.unpin_thread(moderator, thread=question)

    assert not fetch(question).is_pinned
    assert list(AuditEntry.objects.order_by("pk").values_list("action", "after")) == [
        (Action.THREAD_PINNED, {"pinned": True}),
        (Action.THREAD_PINNED, {"pinned": False}),
    ]


# Merge ---------------------------------------------------------------------------------


def test_merge_moves_the_whole_tree_under_the_kept_threads_opening_post(moderator, pairing, duplicate, category):
    source, moved = duplicate
    into, kept = pairing
    old_opening = source.opening_post_id

    result = actions.merge_threads(moderator, thread=source, into=into, reason="Same problem")

    assert result.pk == into.pk
    opening = Post.objects.get(pk=old_opening)
    assert (opening.thread_id, opening.parent_id, opening.level, opening.branch_id) == (
        into.pk,
        into.opening_post_id,
        1,
        None,
    )
    for name, post in moved.items():
        stored = fetch(post)
        assert stored.thread_id == into.pk, name
        assert stored.branch_id == old_opening, name
        assert stored.level == post.level + 1, name
    for post in kept.values():
        assert fetch(post).branch_id == post.branch_id
    assert Post.objects.filter(thread=into).count() == 12
    assert fetch(into).reply_count == 11
    merged = fetch(source)
    assert (merged.merged_into_id, merged.state, merged.is_deleted, merged.reply_count) == (
        into.pk,
        Thread.State.LOCKED,
        False,
        0,
    )
    assert merged.opening_post_id is None
    assert (fetch(category).thread_count, fetch(category).post_count) == (1, 12)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.target_id, entry.reason) == (Action.THREAD_MERGED, source.pk, "Same problem")
    assert entry.after["merged_into"] == f"#{into.pk} The bulb won't pair with the hub"
    assert_consistent()


def test_merge_across_categories_moves_the_counts(moderator, pairing, other_member, helpers, billing, category):
    into, _ = pairing
    source, _ = build_discussion(other_member, helpers, billing, "Invoice shows a bulb I never bought")

    actions.merge_threads(moderator, thread=source, into=into)

    assert (fetch(billing).thread_count, fetch(billing).post_count) == (0, 0)
    assert (fetch(category).thread_count, fetch(category).post_count) == (1, 12)
    assert_consistent()


def test_merge_counts_only_published_posts_that_remain(moderator, pairing, duplicate, member):
    source, moved = duplicate
    into, _ = pairing
    moderation_posts.remove_post(moderator, post=moved["a1"])

    actions.merge_threads(moderator, thread=source, into=into)

    assert fetch(into).reply_count == 5 + 5
    assert_consistent()


def test_merge_and_split_leave_held_replies_uncounted(moderator, pairing, duplicate, category):
    into, kept = pairing
    source, moved = duplicate
    newcomer = build_member(trust_level=0)
    held = build_reply(newcomer, moved["a"], "A newcomer's reply, held for review")
    build_reply(newcomer, kept["b"], "Another one, held too")
    assert fetch(held).review == Review.PENDING

    actions.merge_threads(moderator, thread=source, into=into)
    assert fetch(into).reply_count == 11
    assert_consistent()

    new = actions.split_thread(moderator, post=fetch(moved["a"]), title="Moved back out, with the held reply")
    assert (fetch(new).reply_count, fetch(held).thread_id) == (2, new.pk)
    assert_consistent()


def test_merge_into_itself_is_refused_with_a_clear_message(moderator, pairing):
    thread, _ = pairing

    with pytest.raises(ValidationError) as refused:
        actions.merge_threads(moderator, thread=thread, into=thread)

    assert refused.value.message_dict == {"into": ["A thread can't be merged into itself. Pick another thread."]}
    assert fetch(thread).merged_into_id is None
    assert not AuditEntry.objects.exists()


def test_merge_into_a_merged_thread_is_refused(moderator, pairing, duplicate, member, category):
    into, _ = pairing
    source, _ = duplicate
    third = build_thread(member, category=category, title="Bulb pairing fails at 99 percent")
    actions.merge_threads(moderator, thread=source, into=into)

    with pytest.raises(ValidationError) as refused:
        actions.merge_threads(moderator, thread=third, into=fetch(source))
    assert "was itself merged into another thread" in refused.value.message_dict["into"][0]

    with pytest.raises(ValidationError) as refused:
        actions.merge_threads(moderator, thread=fetch(source), into=third)
    assert "was merged into another thread" in refused.value.messages[0]
    assert fetch(third).merged_into_id is None
    assert_consistent()


def test_merge_needs_both_categories(pairing, other_member, helpers, billing, category):
    into, _ = pairing
    source = build_thread(other_member, category=billing, title="Invoice mentions a hub")
    scoped = build_moderator(category=category)

    with pytest.raises(PermissionDenied):
        actions.merge_threads(scoped, thread=source, into=into)
    with pytest.raises(PermissionDenied):
        actions.merge_threads(scoped, thread=into, into=source)

    assert fetch(source).merged_into_id is None and fetch(into).merged_into_id is None
    assert tree_problems() == []


def test_merge_clears_what_pointed_inside_the_merged_thread(moderator, staff, pairing, duplicate, helpers):
    into, _ = pairing
    source, moved = duplicate
    posts.accept_answer(source.author, post=moved["a"])
    posts.verify_answer(staff, post=moved["b"])
    Subscription.objects.get_or_create(user=helpers[2], thread=source)

    actions.merge_threads(moderator, thread=source, into=into)

    merged, kept = fetch(source), fetch(into)
    assert merged.accepted_answer_id is None and not merged.has_team_verified
    assert kept.has_team_verified
    assert Subscription.objects.filter(thread=into, user=helpers[2]).exists()
    assert_consistent()


def test_merged_thread_refuses_further_actions(moderator, pairing, duplicate, billing):
    into, _ = pairing
    source, _ = duplicate
    actions.merge_threads(moderator, thread=source, into=into)

    for call in (
        lambda: actions.lock_thread(moderator, thread=source),
        lambda: actions.move_thread(moderator, thread=source, category=billing),
        lambda: actions.rename_thread(moderator, thread=source, title="A brand new title here"),
    ):
        with pytest.raises(ValidationError, match="was merged into another thread"):
            call()


def test_merge_then_reply_keeps_the_tree_valid(moderator, pairing, duplicate, helpers):
    into, _ = pairing
    source, moved = duplicate
    actions.merge_threads(moderator, thread=source, into=into)

    build_reply(helpers[0], fetch(moved["a1x"]), "Deep reply after the merge")
    build_reply(helpers[1], Post.objects.get(pk=source.opening_post_id), "Reply to the old opening post")
    build_reply(helpers[2], fetch(into).opening_post, "A new top-level reply")

    assert fetch(into).reply_count == 14
    assert_consistent()


# Split -------------------------------------------------------------------------------


def test_split_makes_a_reply_and_its_replies_a_new_thread(moderator, pairing, category, helpers):
    thread, replies = pairing

    new = actions.split_thread(moderator, post=replies["a"], title="Pairing works after a factory reset")

    a, a1, a1x = fetch(replies["a"]), fetch(replies["a1"]), fetch(replies["a1x"])
    assert new.opening_post_id == a.pk
    assert (new.author_id, new.kind, new.category_id, new.title) == (
        helpers[0].pk,
        thread.kind,
        category.pk,
        "Pairing works after a factory reset",
    )
    assert (a.parent_id, a.level, a.branch_id, a.thread_id) == (None, 0, None, new.pk)
    assert (a1.level, a1.branch_id, a1x.level, a1x.branch_id) == (1, None, 2, a1.pk)
    assert a.tree_id != fetch(thread.opening_post).tree_id
    assert (fetch(new).reply_count, fetch(thread).reply_count) == (2, 2)
    assert (fetch(category).thread_count, fetch(category).post_count) == (2, 6)
    assert Subscription.objects.filter(user=helpers[0], thread=new).exists()
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.target_id) == (Action.THREAD_SPLIT, thread.pk)
    assert entry.after["new_thread"] == f"#{new.pk} Pairing works after a factory reset"
    assert_consistent()


def test_split_into_another_category_and_kind_kept(moderator, member, helpers, category, billing):
    idea = build_thread(member, category=category, kind="idea", title="Add a sunrise scene please")
    first = build_reply(helpers[0], idea.opening_post, "And a sunset one")
    build_reply(helpers[1], first, "Yes, sunsets too")

    new = actions.split_thread(moderator, post=first, title="Add a sunset scene too", category=billing)

    assert (new.kind, new.idea_status, new.category_id) == ("idea", "new", billing.pk)
    assert (fetch(billing).thread_count, fetch(billing).post_count) == (1, 2)
    assert_consistent()


def test_split_clears_an_accepted_answer_that_leaves(moderator, pairing, staff):
    thread, replies = pairing
    posts.accept_answer(thread.author, post=replies["b"])
    posts.verify_answer(staff, post=replies["b1"])

    new = actions.split_thread(moderator, post=replies["b"], title="The hub needs a firmware update")

    assert fetch(thread).accepted_answer_id is None
    assert not fetch(thread).has_team_verified
    assert fetch(new).has_team_verified
    assert_consistent()


def test_split_of_an_opening_post_is_refused(moderator, pairing):
    thread, _ = pairing

    with pytest.raises(ValidationError) as refused:
        actions.split_thread(moderator, post=fetch(thread.opening_post), title="A title for the split")

    assert refused.value.message_dict == {"post": ["That is the opening post. Pick a reply to start the new thread."]}
    assert Thread.objects.count() == 1


def test_split_of_a_removed_reply_is_refused(moderator, pairing):
    _, replies = pairing
    moderation_posts.remove_post(moderator, post=replies["b"])

    with pytest.raises(ValidationError, match="was removed"):
        actions.split_thread(moderator, post=replies["b"], title="A title for the split")
    assert Thread.objects.count() == 1


def test_split_needs_the_target_category_too(pairing, category, billing):
    _, replies = pairing
    scoped = build_moderator(category=category)

    with pytest.raises(PermissionDenied):
        actions.split_thread(scoped, post=replies["a"], title="Pairing works after a reset", category=billing)

    assert Thread.objects.count() == 1
    assert tree_problems() == []


def test_split_then_merge_back_restores_the_counts(moderator, pairing, category, helpers):
    thread, replies = pairing

    new = actions.split_thread(moderator, post=replies["a1"], title="Deep question split off")
    build_reply(helpers[0], fetch(new.opening_post), "A reply in the new thread")
    build_reply(helpers[1], fetch(thread.opening_post), "A reply in the old one")
    actions.merge_threads(moderator, thread=new, into=thread)

    assert fetch(thread).reply_count == 7
    assert (fetch(category).thread_count, fetch(category).post_count) == (1, 8)
    assert_consistent()


# Duplicates --------------------------------------------------------------------------


def test_mark_duplicate_links_and_closes(moderator, pairing, duplicate):
    original, _ = pairing
    thread, _ = duplicate

    marked = actions.mark_duplicate(moderator, thread=thread, original=original, reason="Asked before")

    assert (marked.duplicate_of_id, marked.state) == (original.pk, Thread.State.CLOSED)
    entry = AuditEntry.objects.get()
    assert entry.action == Action.THREAD_DUPLICATE
    assert entry.before == {"duplicate_of": None, "state": "open"}
    assert entry.after == {"duplicate_of": f"#{original.pk} {original.title}", "state": "closed"}


def test_unmark_duplicate_reopens(moderator, pairing, duplicate):
    original, _ = pairing
    thread, _ = duplicate
    actions.mark_duplicate(moderator, thread=thread, original=original)

    unmarked = actions.unmark_duplicate(moderator, thread=thread)

    assert (unmarked.duplicate_of_id, unmarked.state) == (None, Thread.State.OPEN)
    with pytest.raises(ValidationError, match="isn't marked as a duplicate"):
        actions.unmark_duplicate(moderator, thread=thread)


def test_a_locked_duplicate_stays_locked(moderator, pairing, duplicate):
    original, _ = pairing
    thread, _ = duplicate
    actions.lock_thread(moderator, thread=thread)

    actions.mark_duplicate(moderator, thread=thread, original=original)
    assert fetch(thread).state == Thread.State.LOCKED
    actions.unmark_duplicate(moderator, thread=thread)
    assert fetch(thread).state == Thread.State.LOCKED


def test_duplicate_of_itself_or_in_a_loop_is_refused(moderator, pairing, duplicate, member, category):
    first, _ = pairing
    second, _ = duplicate
    third = build_thread(member, category=category, title="Pairing again and again")

    with pytest.raises(ValidationError) as refused:
        actions.mark_duplicate(moderator, thread=first, original=first)
    assert refused.value.message_dict == {"original": ["A thread can't be a duplicate of itself."]}

    actions.mark_duplicate(moderator, thread=second, original=first)
    actions.mark_duplicate(moderator, thread=third, original=second)
    with pytest.raises(ValidationError) as refused:
        actions.mark_duplicate(moderator, thread=first, original=third)
    assert "is itself marked as a duplicate of this thread" in refused.value.message_dict["original"][0]
    assert fetch(first).duplicate_of_id is None


# The wrong actor -------------------------------------------------------------------------


def _wrong_actor(kind: str, category: Category):
    if kind == "anonymous":
        return AnonymousUser()
    if kind == "member":
        return build_member()
    if kind == "moderator elsewhere":
        return build_moderator(category=build_category(name="Elsewhere"))
    if kind == "suspended member":
        user = build_member()
        User.objects.filter(pk=user.pk).update(suspended_until=timezone.now() + timedelta(days=3))
        return fetch(user)
    if kind == "suspended moderator":
        user = build_moderator(category=category)
        User.objects.filter(pk=user.pk).update(suspended_until=timezone.now() + timedelta(days=3))
        return fetch(user)
    if kind == "banned moderator":
        user = build_moderator(category=category)
        User.objects.filter(pk=user.pk).update(is_active=False)
        return fetch(user)
    raise AssertionError(kind)


WRONG_ACTORS = [
    "anonymous",
    "member",
    "moderator elsewhere",
    "suspended member",
    "suspended moderator",
    "banned moderator",
]
SERVICE_CALLS = {
    "lock": lambda actor, s: actions.lock_thread(actor, thread=s["thread"]),
    "unlock": lambda actor, s: actions.unlock_thread(actor, thread=s["locked"]),
    "close": lambda actor, s: actions.close_thread(actor, thread=s["thread"]),
    "reopen": lambda actor, s: actions.reopen_thread(actor, thread=s["closed"]),
    "pin": lambda actor, s: actions.pin_thread(actor, thread=s["thread"]),
    "unpin": lambda actor, s: actions.unpin_thread(actor, thread=s["pinned"]),
    "move": lambda actor, s: actions.move_thread(actor, thread=s["thread"], category=s["billing"]),
    "rename": lambda actor, s: actions.rename_thread(actor, thread=s["thread"], title="A perfectly good title"),
    "merge": lambda actor, s: actions.merge_threads(actor, thread=s["other"], into=s["thread"]),
    "split": lambda actor, s: actions.split_thread(actor, post=s["reply"], title="A perfectly good title"),
    "duplicate": lambda actor, s: actions.mark_duplicate(actor, thread=s["other"], original=s["thread"]),
    "unduplicate": lambda actor, s: actions.unmark_duplicate(actor, thread=s["marked"]),
}


@pytest.fixture
def scene(moderator, pairing, duplicate, member, category, billing):
    thread, replies = pairing
    other, _ = duplicate
    locked = build_thread(member, category=category, title="A locked thread here")
    closed = build_thread(member, category=category, title="A closed thread here")
    pinned = build_thread(member, category=category, title="A pinned thread here")
    marked = build_thread(member, category=category, title="A marked thread here")
    actions.lock_thread(moderator, thread=locked)
    actions.close_thread(moderator, thread=closed)
    actions.pin_thread(moderator, thread=pinned)
    actions.mark_duplicate(moderator, thread=marked, original=thread)
    return {
        "thread": thread,
        "reply": replies["a"],
        "other": other,
        "locked": locked,
        "closed": closed,
        "pinned": pinned,
        "marked": marked,
        "billing": billing,
    }


def everything():
    return (
        sorted(Thread.objects.values_list("pk", "category_id", "title", "state", "is_pinned", "duplicate_of_id")),
        sorted(Thread.objects.values_list("pk", "merged_into_id", "reply_count", "version")),
        sorted(Post.objects.values_list("pk", "thread_id", "tree_id", "lft", "rght", "level", "branch_id")),
        sorted(Category.objects.values_list("pk", "thread_count", "post_count")),
        AuditEntry.objects.count(),
    )


@pytest.mark.parametrize("kind", WRONG_ACTORS)
@pytest.mark.parametrize("action", list(SERVICE_CALLS))
def test_wrong_actor_is_refused_and_nothing_changes(scene, category, kind, action):
    actor = _wrong_actor(kind, category)
    before = everything()

    with pytest.raises(PermissionDenied):
        SERVICE_CALLS[action](actor, scene)

    assert everything() == before


# The tools page ---------------------------------------------------------------------------


class PageParser(HTMLParser):
    """The bits of a page the tests look at: elements by tag, attributes, and the text."""

    def __init__(self):
        super().__init__()
        self.elements, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    @classmethod
    def parse(cls, html: str) -> "PageParser":
        parser = cls()
        parser.feed(html)
        return parser

    def all(self, tag, **attrs):
        return [a for t, a in self.elements if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    @property
    def content(self) -> str:
        return " ".join(" ".join(self.text).split())


def tools_url(thread):
    return reverse("moderation:thread_tools", kwargs={"pk": thread.pk})


def act_url(thread):
    return reverse("moderation:thread_act", kwargs={"pk": thread.pk})


def test_tools_page_offers_every_action_with_labelled_fields(client, moderator, pairing, billing):
    thread, _ = pairing
    client.force_login(moderator)

    response = client.get(tools_url(thread))

    assert response.status_code == 200
    page = PageParser.parse(response.content.decode())
    offered = {a["value"] for a in page.all("input", type="hidden", name="action")}
    assert {"move", "rename", "merge", "split", "duplicate"} <= offered
    assert {a["value"] for a in page.all("button", name="action")} >= {"lock", "close", "pin"}
    labelled = {a.get("for") for a in page.all("label")}
    for name in ("move-category", "rename-title", "merge-into", "split-post", "split-title", "duplicate-original"):
        assert f"id_{name}" in labelled, name
    assert len(page.all("main")) == 1 and len(page.all("h1")) == 1
    assert not [a for _, a in page.elements if "style" in a]
    assert not [a for a in page.all("script") if "src" not in a]


def test_tools_page_shows_a_hostile_title_as_text(client, moderator, member, category):
    title = '<script>alert("t")</script><img src=x onerror=alert(1)> pairing'
    thread = build_thread(member, category=category, title=title)
    client.force_login(moderator)

    page = PageParser.parse(client.get(tools_url(thread)).content.decode())

    assert not [a for a in page.all("script") if "src" not in a]
    assert not page.all("img", src="x")
    assert page.all("input", name="rename-title")[0]["value"] == title
    assert title in page.content


@pytest.mark.parametrize("kind", WRONG_ACTORS)
def test_tools_page_refuses_the_wrong_actor(client, pairing, category, kind):
    thread, _ = pairing
    actor = _wrong_actor(kind, category)
    if kind != "anonymous":
        client.force_login(actor)

    response = client.get(tools_url(thread))

    if kind in ("anonymous", "banned moderator"):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == 403


def test_tools_page_of_an_unknown_thread_is_not_found(client, moderator):
    client.force_login(moderator)
    assert client.get(reverse("moderation:thread_tools", kwargs={"pk": 987654})).status_code == 404
    assert client.post(reverse("moderation:thread_act", kwargs={"pk": 987654}), {"action": "lock"}).status_code == 404


def test_tools_page_hides_a_removed_thread_from_a_stranger(client, moderator, member, pairing):
    thread, _ = pairing
    posts.delete_post(member, post=fetch(thread.opening_post))
    stranger = build_member()
    client.force_login(stranger)

    assert client.get(tools_url(thread)).status_code == 404


VIEW_POSTS = {
    "lock": lambda s: {"action": "lock"},
    "unlock": lambda s: {"action": "unlock"},
    "close": lambda s: {"action": "close"},
    "reopen": lambda s: {"action": "reopen"},
    "pin": lambda s: {"action": "pin"},
    "unpin": lambda s: {"action": "unpin"},
    "move": lambda s: {"action": "move", "move-category": s["billing"].pk},
    "rename": lambda s: {"action": "rename", "rename-title": "A perfectly good title"},
    "merge": lambda s: {"action": "merge", "merge-into": str(s["other"].pk)},
    "split": lambda s: {"action": "split", "split-post": str(s["reply"].pk), "split-title": "A good new title"},
    "duplicate": lambda s: {"action": "duplicate", "duplicate-original": str(s["other"].pk)},
    "unduplicate": lambda s: {"action": "unduplicate"},
}


@pytest.mark.parametrize("kind", WRONG_ACTORS)
@pytest.mark.parametrize("action", list(VIEW_POSTS))
def test_acting_through_the_page_refuses_the_wrong_actor(client, scene, category, kind, action):
    actor = _wrong_actor(kind, category)
    if kind != "anonymous":
        client.force_login(actor)
    before = everything()

    response = client.post(act_url(scene["thread"]), VIEW_POSTS[action](scene))

    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert kind in ("anonymous", "banned moderator")
        assert response["Location"].startswith(reverse("account_login"))
    assert everything() == before


def test_acting_needs_post(client, moderator, pairing):
    client.force_login(moderator)
    assert client.get(act_url(pairing[0])).status_code == 405


@pytest.mark.parametrize(
    ("start", "action", "end"),
    [
        ("open", "lock", "locked"),
        ("locked", "unlock", "open"),
        ("open", "close", "closed"),
        ("closed", "reopen", "open"),
    ],
)
def test_state_buttons(client, moderator, pairing, start, action, end):
    thread, _ = pairing
    Thread.objects.filter(pk=thread.pk).update(state=start)
    client.force_login(moderator)

    response = client.post(act_url(thread), {"action": action, "state-reason": "Cooling down"})

    assert response.status_code == 302 and response["Location"] == tools_url(thread) + "#top"
    assert fetch(thread).state == end
    assert AuditEntry.objects.get().reason == "Cooling down"


def test_buttons_elsewhere_can_come_back_to_their_page(client, moderator, pairing):
    thread, _ = pairing
    client.force_login(moderator)

    back = client.post(act_url(thread), {"action": "close", "next": thread.get_absolute_url()})
    away = client.post(act_url(thread), {"action": "lock", "next": "https://evil.example/"})

    assert back["Location"] == thread.get_absolute_url()
    assert away["Location"] == tools_url(thread) + "#top"
    assert fetch(thread).state == Thread.State.LOCKED


def test_pin_buttons(client, moderator, pairing):
    thread, _ = pairing
    client.force_login(moderator)

    client.post(act_url(thread), {"action": "pin"})
    assert fetch(thread).is_pinned
    client.post(act_url(thread), {"action": "unpin"})
    assert not fetch(thread).is_pinned


def test_move_through_the_page(client, moderator, pairing, billing):
    thread, _ = pairing
    client.force_login(moderator)

    response = client.post(act_url(thread), {"action": "move", "move-category": billing.pk, "move-reason": "Invoices"})

    assert response.status_code == 302
    assert fetch(thread).category_id == billing.pk
    assert AuditEntry.objects.get().reason == "Invoices"


def test_move_form_offers_only_categories_the_moderator_moderates(client, pairing, category, billing):
    thread, _ = pairing
    child = build_category(name="Pairing help", parent=category)
    scoped = build_moderator(category=category)
    client.force_login(scoped)

    page = PageParser.parse(client.get(tools_url(thread)).content.decode())
    options = {a["value"] for t, a in page.elements if t == "option" and a.get("value")}
    response = client.post(act_url(thread), {"action": "move", "move-category": billing.pk})

    assert str(child.pk) in options and str(billing.pk) not in options
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert fetch(thread).category_id == category.pk


def test_rename_through_the_page_shows_field_errors(client, moderator, pairing):
    thread, _ = pairing
    client.force_login(moderator)

    response = client.post(act_url(thread), {"action": "rename", "rename-title": "Short"})

    assert response.status_code == 400
    page = PageParser.parse(response.content.decode())
    field = page.all("input", name="rename-title")[0]
    assert field["aria-invalid"] == "true"
    assert "id_rename-title_error" in field["aria-describedby"]
    assert "Write a title of at least 8 characters." in page.content
    client.post(act_url(thread), {"action": "rename", "rename-title": "A clearer, longer title"})
    assert fetch(thread).title == "A clearer, longer title"


@pytest.mark.parametrize("reference", ["{pk}", "#{pk}", "http://testserver/t/{pk}/slug/", "/t/{pk}/?sort=oldest"])
def test_merge_through_the_page_accepts_a_link_or_a_number(client, moderator, pairing, duplicate, reference):
    into, _ = pairing
    source, _ = duplicate
    client.force_login(moderator)

    response = client.post(act_url(source), {"action": "merge", "merge-into": reference.format(pk=into.pk)})

    assert response.status_code == 302 and response["Location"] == into.get_absolute_url()
    assert fetch(source).merged_into_id == into.pk


def test_merge_into_itself_through_the_page_says_why(client, moderator, pairing):
    thread, _ = pairing
    client.force_login(moderator)

    response = client.post(act_url(thread), {"action": "merge", "merge-into": str(thread.pk)})

    assert response.status_code == 400
    page = PageParser.parse(response.content.decode())
    assert "A thread can't be merged into itself. Pick another thread." in page.content
    assert page.all("input", name="merge-into")[0]["aria-invalid"] == "true"
    assert fetch(thread).merged_into_id is None


def test_merge_into_an_unknown_or_hidden_thread_reads_the_same(client, pairing, member, category, billing):
    thread, _ = pairing
    hidden = build_thread(member, category=billing, title="Removed thread elsewhere")
    posts.delete_post(member, post=fetch(hidden.opening_post))
    scoped = build_moderator(category=category)
    client.force_login(scoped)

    for reference in ("999999", str(hidden.pk), "not a thread"):
        response = client.post(act_url(thread), {"action": "merge", "merge-into": reference})
        assert response.status_code == 400
        assert "No thread has that address." in PageParser.parse(response.content.decode()).content
    assert fetch(hidden).merged_into_id is None


def test_merge_into_a_thread_the_moderator_does_not_moderate_says_why(
    client, pairing, other_member, category, billing
):
    thread, _ = pairing
    elsewhere = build_thread(other_member, category=billing, title="Invoice mentions a hub")
    client.force_login(build_moderator(category=category))

    response = client.post(act_url(thread), {"action": "merge", "merge-into": str(elsewhere.pk)})

    assert response.status_code == 400
    assert "You don't moderate Billing" in PageParser.parse(response.content.decode()).content
    assert fetch(thread).merged_into_id is None


def test_split_through_the_page(client, moderator, pairing, billing):
    thread, replies = pairing
    client.force_login(moderator)
    link = f"http://testserver{thread.get_absolute_url()}#post-{replies['b'].pk}"

    response = client.post(
        act_url(thread),
        {"action": "split", "split-post": link, "split-title": "Hub firmware questions", "split-category": billing.pk},
    )

    new = Thread.objects.get(title="Hub firmware questions")
    assert response.status_code == 302 and response["Location"] == new.get_absolute_url()
    assert (new.category_id, new.opening_post_id) == (billing.pk, replies["b"].pk)
    assert_consistent()


def test_split_through_the_page_refuses_posts_of_other_threads(client, moderator, pairing, duplicate):
    thread, _ = pairing
    _, elsewhere = duplicate
    client.force_login(moderator)

    response = client.post(
        act_url(thread), {"action": "split", "split-post": str(elsewhere["a"].pk), "split-title": "A good new title"}
    )

    assert response.status_code == 400
    assert "That isn't a reply in this thread." in PageParser.parse(response.content.decode()).content
    assert Thread.objects.count() == 2


def test_split_of_the_opening_post_through_the_page_says_why(client, moderator, pairing):
    thread, _ = pairing
    client.force_login(moderator)

    response = client.post(
        act_url(thread),
        {"action": "split", "split-post": f"#post-{thread.opening_post_id}", "split-title": "A good new title"},
    )

    assert response.status_code == 400
    assert "That is the opening post." in PageParser.parse(response.content.decode()).content


def test_duplicate_buttons(client, moderator, pairing, duplicate):
    original, _ = pairing
    thread, _ = duplicate
    client.force_login(moderator)

    client.post(act_url(thread), {"action": "duplicate", "duplicate-original": f"/t/{original.pk}/"})
    assert fetch(thread).duplicate_of_id == original.pk
    page = PageParser.parse(client.get(tools_url(thread)).content.decode())
    assert page.all("a", href=original.get_absolute_url())

    client.post(act_url(thread), {"action": "unduplicate"})
    assert fetch(thread).duplicate_of_id is None


def test_unknown_action_is_a_bad_request(client, moderator, pairing):
    client.force_login(moderator)
    response = client.post(act_url(pairing[0]), {"action": "explode"})
    assert response.status_code == 400
    assert not AuditEntry.objects.exists()


def test_refused_state_change_comes_back_as_a_message(client, moderator, pairing):
    thread, _ = pairing
    client.force_login(moderator)

    response = client.post(act_url(thread), {"action": "unlock"}, follow=True)

    assert "The thread isn't locked." in PageParser.parse(response.content.decode()).content
    assert not AuditEntry.objects.exists()


def test_tools_page_of_a_merged_thread_points_at_where_it_went(client, moderator, pairing, duplicate):
    into, _ = pairing
    source, _ = duplicate
    actions.merge_threads(moderator, thread=source, into=into)
    client.force_login(moderator)

    page = PageParser.parse(client.get(tools_url(source)).content.decode())

    assert page.all("a", href=tools_url(into))
    assert not page.all("input", type="hidden", name="action")


@pytest.mark.counters_unchecked
def test_held_thread_is_refused_for_merge(moderator, member, category, pairing):
    into, _ = pairing
    held = build_thread(member, category=category, title="Held for review, this one")
    Thread.objects.filter(pk=held.pk).update(review=Review.PENDING)

    with pytest.raises(ValidationError, match="is not published"):
        actions.merge_threads(moderator, thread=held, into=into)


def test_a_duplicate_links_to_the_original_on_its_page(client, moderator, member, pairing, duplicate):
    original, _ = pairing
    thread, _ = duplicate
    actions.mark_duplicate(moderator, thread=thread, original=original)

    for reader in (None, member):
        if reader:
            client.force_login(reader)
        page = client.get(thread.get_absolute_url()).content.decode()
        notice = unescape(page[page.index('class="alert alert-info duplicate-notice"') :][:400])
        assert f'href="{original.get_absolute_url()}">{original.title}</a>' in notice


def test_helpful_votes_move_with_their_posts_when_threads_merge_and_split(moderator, pairing, duplicate, member):
    from community.models import HelpfulVote
    from community.selectors import thread_state
    from community.services import votes

    into, _kept = pairing
    source, moved = duplicate
    votes.mark_helpful(member, post=moved["a"])

    actions.merge_threads(moderator, thread=source, into=into)
    assert HelpfulVote.objects.get(voter=member).thread_id == into.pk
    assert moved["a"].pk in thread_state(into.pk, member)[1].helpful_post_ids

    new = actions.split_thread(moderator, post=fetch(moved["a"]), title="Moved back out on its own")
    assert HelpfulVote.objects.get(voter=member).thread_id == new.pk
    assert moved["a"].pk in thread_state(new.pk, member)[1].helpful_post_ids
    assert not thread_state(into.pk, member)[1].helpful_post_ids
