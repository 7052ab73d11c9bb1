"""Every page that shows post text, for every kind of reader, against every kind of post.

Each post's body carries a unique marker; a page either shows it or must not,
and answers with the status the reader should get. All readers go through one
cache in turn, so a page shared between them can't carry one reader's view to another.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from community.models import Review
from community.services import posts
from community.services.review import set_review
from moderation.services import sanctions
from tests.builders import build_category, build_member, build_moderator, build_reply, build_thread

pytestmark = pytest.mark.django_db

ACTORS = (
    "visitor",
    "asker",
    "other_member",
    "moderator_elsewhere",
    "suspended",
    "banned",
    "staff",
    "author",
    "moderator_here",
)
OBJECTS = ("published", "held", "hidden", "removed", "hidden_elsewhere")
PAGES = ("thread", "post_context", "revisions", "reply", "edit", "moderator_edit")
SIGNED_OUT = {"visitor", "banned"}  # a banned account is signed out by Django's backend


@pytest.fixture
def world(db):
    here = build_category(name="Lighting")
    elsewhere = build_category(name="Heating")
    staff = build_member(username="stella", is_staff_member=True)
    people = {
        "asker": build_member(username="asker"),
        "other_member": build_member(username="other"),
        "moderator_elsewhere": build_moderator(category=elsewhere, username="modelse"),
        "suspended": build_member(username="suspended"),
        "banned": build_member(username="banned"),
        "staff": staff,
        "author": build_member(username="author"),
        "moderator_here": build_moderator(category=here, username="modhere"),
    }
    sanctions.suspend(staff, member=people["suspended"], until=timezone.now() + timedelta(days=2), reason="Calm.")
    sanctions.ban(staff, member=people["banned"], reason="Spam.")
    threads = {
        here: build_thread(people["asker"], category=here, title="Lamp flickers at night"),
        elsewhere: build_thread(people["asker"], category=elsewhere, title="Radiator stays cold"),
    }
    return people, threads, here, elsewhere


def make_post(world, kind: str):
    """A reply by `author`, edited once (so it has a history), then put in the state `kind` names."""
    people, threads, here, elsewhere = world
    author = people["author"]
    marker = f"MARKER-{kind}-text"
    thread = threads[elsewhere if kind == "hidden_elsewhere" else here]
    post = build_reply(author, thread.opening_post, body=f"First words {marker}")
    post = posts.edit_post(author, post=post, body=f"Second words {marker}")
    if kind == "held":
        set_review(post, review=Review.PENDING)
    elif kind in ("hidden", "hidden_elsewhere"):
        set_review(post, review=Review.HIDDEN)
    elif kind == "removed":
        posts.delete_post(author, post=post)
    post.refresh_from_db()
    return post, marker


def may_see(kind: str, actor: str) -> bool:
    """Who may read the post's text at all."""
    moderators = {"staff", "moderator_elsewhere" if kind == "hidden_elsewhere" else "moderator_here"}
    if kind == "published":
        return True
    if kind == "removed":
        return actor in moderators
    return actor in moderators | {"author"}


def expected(page: str, kind: str, actor: str) -> tuple[int, bool]:
    """(status, whether the text shows) for `actor` reading `page` about a post of `kind`."""
    sees = may_see(kind, actor)
    # A post the reader may see: removed posts keep their place, for their moderators too.
    placed = sees or kind == "removed"
    moderator = actor in {"staff", "moderator_elsewhere" if kind == "hidden_elsewhere" else "moderator_here"}
    if page == "thread":
        # The author reads their held reply in their own region, but a hidden one only as "hidden".
        hidden = kind in ("hidden", "hidden_elsewhere")
        return 200, sees and kind != "removed" and (moderator or not hidden)
    if page == "post_context":
        if not placed:
            return 404, False
        return 200, sees and kind != "removed" and (kind in ("published", "held") or moderator)
    if page == "revisions":
        return (200, True) if sees else (404, False)
    if page == "reply":
        if not placed:
            return 404, False
        if actor in SIGNED_OUT:
            return 302, False
        return 200, kind != "removed"
    if page in ("edit", "moderator_edit"):
        if actor in SIGNED_OUT:
            return 302, False
        if not placed:
            return 404, False
        # Authors edit their own posts; moderators edit others' through moderation, which audits it.
        may_edit = kind != "removed" and (actor == "author" if page == "edit" else moderator)
        return (200, True) if may_edit else (403, False)
    raise AssertionError(page)


def url_for(page: str, post) -> str:
    if page == "thread":
        return post.thread.get_absolute_url()
    if page == "moderator_edit":
        return f"/mod/posts/{post.pk}/edit/"
    suffix = {"post_context": "", "revisions": "revisions/", "reply": "reply/", "edit": "edit/"}[page]
    return f"/posts/{post.pk}/{suffix}"


@pytest.mark.parametrize("kind", OBJECTS)
def test_post_text_reaches_only_the_readers_allowed_to_see_it(client, world, kind):
    people = world[0]
    post, marker = make_post(world, kind)
    wrong = []
    for page in PAGES:
        for actor in ACTORS:
            client.logout()
            if actor != "visitor":
                client.force_login(people[actor])
            response = client.get(url_for(page, post))
            status, shows = expected(page, kind, actor)
            seen = marker in response.content.decode()
            if (response.status_code, seen) != (status, shows):
                got = f"got {response.status_code}, text shown={seen}"
                wrong.append(f"{page} as {actor}: {got}; want {status}, {shows}")
    assert not wrong, "\n".join(wrong)


def test_the_matrix_covers_readers_who_see_and_readers_who_do_not():
    """Every object has someone who reads it and, unless it is public, someone who must not."""
    for kind in OBJECTS:
        readers = {actor for actor in ACTORS if may_see(kind, actor)}
        assert readers
        assert kind == "published" or set(ACTORS) - readers
