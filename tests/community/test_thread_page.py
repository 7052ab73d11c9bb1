import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community import caching
from community.models import Post
from community.selectors import MAX_DEPTH, REPLIES_PER_PAGE, reply_page
from community.services import posts, votes
from tests.builders import build_member, build_reply, build_thread
from tests.conftest import clear_cache

pytestmark = pytest.mark.django_db

# A thread page with nothing cached costs, for a member: the session, the user, the thread's version
# with the member's own state, the header bell's unread count, the header (the thread with its shown
# posts, its tags, an idea's or a problem's status steps and whether an FAQ article came from it, in
# one read) and the replies: one query for a small thread, two (top-level replies, then the first
# replies under each) for a large one. A thread an article came from pays one more, for the articles
# its reader's audience may see.
MEMBER_PAGE_QUERIES = {"small": 6, "large": 7}
# For a visitor: no session, user, member's state or bell; with nothing cached, the header's read
# gives the version the page is stored under.
VISITOR_PAGE_QUERIES = {"small": 2, "large": 3}


def grow(thread, members, count):
    """`count` replies: every fifth starts a branch, the rest nest up to eight deep."""
    opening = thread.opening_post
    parent = opening
    for i in range(count):
        if i % 5 == 0 or parent.level >= 8:
            parent = opening
        parent = build_reply(members[i % len(members)], parent, body=f"Reply number {i}")
    return thread


def queries_for(client, url):
    """Queries for a page with nothing cached yet: the cost that must not grow with the thread."""
    clear_cache()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response


@pytest.fixture
def crowd(db):
    return [build_member() for _ in range(5)]


def test_thread_page_query_count_is_pinned_and_constant(client, member, crowd, category):
    small = grow(build_thread(member, category=category, title="A small thread here"), crowd, 10)
    large = grow(build_thread(member, category=category, title="A very large thread"), crowd, 1000)
    for post in Post.objects.filter(thread=large, level=1)[:5]:
        votes.mark_helpful(member, post=post)
    client.force_login(member)

    assert queries_for(client, small.get_absolute_url())[0] == MEMBER_PAGE_QUERIES["small"]
    large_count, response = queries_for(client, large.get_absolute_url())
    assert large_count == MEMBER_PAGE_QUERIES["large"]
    assert queries_for(client, large.get_absolute_url() + "?page=2&sort=newest")[0] == MEMBER_PAGE_QUERIES["large"]
    assert response.context["has_more_replies"]


def test_anonymous_thread_page_query_count_is_pinned_and_constant(client, member, crowd, category):
    small = grow(build_thread(member, category=category, title="A small thread here"), crowd, 10)
    large = grow(build_thread(member, category=category, title="A very large thread"), crowd, 300)

    assert queries_for(client, small.get_absolute_url())[0] == VISITOR_PAGE_QUERIES["small"]
    assert queries_for(client, large.get_absolute_url())[0] == VISITOR_PAGE_QUERIES["large"]


def test_an_ideas_status_steps_are_read_with_its_header_and_follow_each_change(
    client, member, staff, category, django_capture_on_commit_callbacks
):
    from community.models import Tag
    from community.services import threads

    tags = [Tag.objects.create(name=name, slug=name) for name in ("scenes", "lighting")]
    idea = build_thread(member, category=category, kind="idea", title="Add a sunrise scene", tags=tags)
    with django_capture_on_commit_callbacks(execute=True):
        threads.set_idea_status(staff, thread=idea, status="under_review", note="Looking into *it*.")

    count, response = queries_for(client, idea.get_absolute_url())
    page = response.content.decode()
    # No read more than a question's page: the steps, with who took each, come in the header's.
    assert count == VISITOR_PAGE_QUERIES["small"]
    assert "Status updates" in page and "Under review" in page and "<em>it</em>" in page
    assert "Tess Nakamura" in page.split("Status updates")[1]

    with django_capture_on_commit_callbacks(execute=True):
        threads.set_idea_status(staff, thread=idea, status="planned", note="Spring!")
    page = client.get(idea.get_absolute_url()).content.decode()
    steps = page.split("Status updates")[1]
    assert steps.index("Under review") < steps.index("Planned") and "Spring!" in steps
    # Two tags and two steps come as four rows of the header's read: each shows once, in its order.
    assert steps.count("Spring!") == 1 and steps.count("<em>it</em>") == 1
    assert re.findall(r'class="tag" href="[^"]*">(\w+)<', page) == ["lighting", "scenes"]


def test_reply_page_pages_by_top_level_replies_with_accepted_first(member, crowd, category):
    thread = build_thread(member, category=category)
    tops = [build_reply(crowd[i % 5], thread.opening_post, body=f"Answer {i}") for i in range(REPLIES_PER_PAGE + 3)]
    build_reply(member, tops[0], body="Nested under the first")
    posts.accept_answer(member, post=tops[-1])
    thread.refresh_from_db()

    first = reply_page(thread, sort="oldest", page=1)
    second = reply_page(thread, sort="oldest", page=2)

    assert first.nodes[0].post == tops[-1]
    assert [n.post for n in first.nodes[1:]] == tops[: REPLIES_PER_PAGE - 1]
    assert first.has_next and not second.has_next
    assert len(second.nodes) == 3
    assert first.nodes[1].children[0].post.body_html == "<p>Nested under the first</p>\n"


def test_sorting_by_votes_and_newest(member, crowd, category):
    thread = build_thread(member, category=category)
    low, high = (build_reply(crowd[0], thread.opening_post, body=b) for b in ("low", "high"))
    votes.mark_helpful(member, post=high)

    assert [n.post for n in reply_page(thread, sort="votes").nodes] == [high, low]
    assert [n.post for n in reply_page(thread, sort="newest").nodes] == [high, low]
    assert [n.post for n in reply_page(thread, sort="oldest").nodes] == [low, high]


def test_deep_branches_offer_continue_this_thread(client, member, crowd, category):
    thread = build_thread(member, category=category)
    parent = thread.opening_post
    chain = []
    for depth in range(MAX_DEPTH + 2):
        parent = build_reply(crowd[depth % 5], parent, body=f"Depth {depth + 1}")
        chain.append(parent)

    page = reply_page(thread)
    rows = page.rows

    assert [r.depth for r in rows] == list(range(1, MAX_DEPTH + 1))
    assert rows[-1].continues
    response = client.get(f"/posts/{rows[-1].post.pk}/")
    assert response.status_code == 200
    assert f"Depth {MAX_DEPTH + 2}" in response.content.decode()


def test_busy_branches_show_a_few_replies_and_link_to_the_rest(client, member, crowd, category):
    from community.selectors import BRANCH_LIMIT

    thread = build_thread(member, category=category)
    top = build_reply(crowd[0], thread.opening_post, body="A popular answer")
    for i in range(BRANCH_LIMIT + 4):
        build_reply(crowd[i % 5], top, body=f"Comment {i}")

    page = reply_page(thread)

    assert len(page.rows) == 1 + BRANCH_LIMIT
    assert page.rows[-1].more_under == top and page.rows[-1].more_count == 4
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "4 more replies in this branch" in html
    assert f"Comment {BRANCH_LIMIT + 3}" in client.get(f"/posts/{top.pk}/").content.decode()


@pytest.mark.parametrize("moderator", [False, True])
def test_a_small_thread_read_whole_pages_exactly_as_a_large_one(member, crowd, category, moderator):
    """The one-query read of a small thread orders, pages and trims branches as the two-query read does."""
    from community.selectors import _large_thread_page, _small_thread_page
    from community.services.review import set_review

    thread = build_thread(member, category=category)
    tops = [build_reply(crowd[i % 5], thread.opening_post, body=f"Answer {i}") for i in range(REPLIES_PER_PAGE + 4)]
    parent = tops[2]
    for depth in range(MAX_DEPTH + 2):
        parent = build_reply(crowd[depth % 5], parent, body=f"Deeper {depth}")
    for i in range(9):
        build_reply(crowd[i % 5], tops[5], body=f"Busy branch {i}")
    voters = [build_member(), build_member()]
    for post in tops[7:12]:
        votes.mark_helpful(voters[0], post=post)
    votes.mark_helpful(voters[1], post=tops[9])
    posts.accept_answer(member, post=tops[15])
    set_review(build_reply(crowd[3], tops[1], body="Held for review"), review="pending")
    posts.delete_post(crowd[3], post=tops[3])
    thread.refresh_from_db()

    def ids(found):
        roots, descendants, has_next = found
        return [shown(p) for p in roots], [shown(p) for p in descendants], has_next

    def shown(post):
        # Every value the page reads of the post and its author, not only which post it is.
        return caching.plain(post), caching.plain(post.author)

    for sort in ("votes", "oldest", "newest"):
        for page in (1, 2, 3):
            small = _small_thread_page(thread, sort, page, moderator)
            assert small is not None
            assert ids(small) == ids(_large_thread_page(thread, sort, page, moderator)), (sort, page)
    first = ids(_small_thread_page(thread, "votes", 1, moderator))
    assert [values["id"] for values, _ in first[0][:3]] == [tops[15].pk, tops[9].pk, tops[7].pk]
    assert first[2] is True


def test_a_threads_tags_are_read_with_its_header_in_name_order(client, member, category):
    from community.models import Tag
    from community.selectors import get_thread

    tags = [Tag.objects.create(name=name, slug=name) for name in ("zigbee", "pairing", "firmware")]
    thread = build_thread(member, category=category, tags=tags)
    reply = build_reply(member, thread.opening_post)
    posts.accept_answer(member, post=reply)

    read = get_thread(AnonymousUser(), thread.pk)
    assert [tag.name for tag in read.tags.all()] == ["firmware", "pairing", "zigbee"]
    assert (read.title, read.author, read.accepted_answer) == (thread.title, member, reply)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert re.findall(r'class="tag" href="/tags/(\w+)/"', page) == ["firmware", "pairing", "zigbee"]

    untagged = build_thread(member, category=category, title="No tags here")
    assert list(get_thread(AnonymousUser(), untagged.pk).tags.all()) == []
