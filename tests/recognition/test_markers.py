"""The author's rank, the super-user marker and a staff member's role beside every post, and how a change
to any of them reaches pages already cached."""

import pytest
from django.db import transaction
from django.urls import reverse

from accounts.events import ProfileChanged
from accounts.models import User
from accounts.services import update_profile
from community.models import Post
from community.services import posts, votes
from outbox import bus
from recognition.events import StandingChanged
from recognition.standing import set_super_user
from tests.builders import build_member, build_reply, build_thread
from tests.community.test_thread_page import MEMBER_PAGE_QUERIES, VISITOR_PAGE_QUERIES, grow, queries_for

pytestmark = pytest.mark.django_db

SUPER_USER_MARK = '<span class="visually-hidden">,</span> <span class="badge badge-super">Super user</span>'


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def marks_of(html: str, post: Post) -> str:
    """The author line of one post on a page: from its anchor to the post's dates."""
    start = html.index(f'id="post-{post.pk}"')
    return html[start : html.index('class="post-dates"', start)]


def board_row(html: str, member_id: int) -> str:
    """One member's row on a leaderboard page."""
    start = html.index(f'data-member="{member_id}"')
    return html[start : html.index("</li>", start)]


def with_reputation(member: User, reputation: int) -> User:
    # Reputation is the ledger's to write, and recount's to check: tests that set it by hand
    # say so with `counters_unchecked`.
    User.objects.filter(pk=member.pk).update(reputation=reputation)
    member.reputation = reputation
    return member


@pytest.fixture
def guru(db):
    return with_reputation(build_member(username="gia", display_name="Gia Guru"), 1600)


@pytest.fixture
def support(staff):
    User.objects.filter(pk=staff.pk).update(staff_role="Support engineer")
    staff.staff_role = "Support engineer"
    return staff


@pytest.mark.counters_unchecked  # reputation set by hand
def test_reply_author_shows_their_rank_and_the_super_user_marker(client, question, guru):
    set_super_user(guru, User.SuperUser.EARNED)
    reply = build_reply(guru, question.opening_post, body="Hold the reset button.")

    marks = marks_of(page(client, question.get_absolute_url()), reply)

    assert '<span class="author-rank">Guru</span>' + SUPER_USER_MARK in marks


@pytest.mark.counters_unchecked  # reputation set by hand
def test_opening_post_and_its_about_box_show_the_askers_rank(client, category, guru):
    thread = build_thread(guru, category=category)

    html = page(client, thread.get_absolute_url())

    assert '<span class="author-rank">Guru</span>' in marks_of(html, thread.opening_post)
    about = html[html.index('id="about-heading"') :]
    assert '<span class="author-rank">Guru</span>' in about[: about.index("</dl>")]


def test_a_member_without_reputation_is_a_newcomer_and_no_super_user(client, question, answer):
    marks = marks_of(page(client, question.get_absolute_url()), answer)

    assert '<span class="author-rank">Newcomer</span>' in marks
    assert "Super user" not in marks


@pytest.mark.counters_unchecked  # reputation set by hand
def test_a_removed_super_user_carries_no_marker_whatever_their_reputation(client, question, guru):
    set_super_user(guru, User.SuperUser.REMOVED)
    reply = build_reply(guru, question.opening_post, body="Hold the reset button.")

    marks = marks_of(page(client, question.get_absolute_url()), reply)

    assert "Super user" not in marks and "Guru" in marks


def test_staff_reply_carries_their_role_linking_to_their_card_on_the_team_page(client, question, support):
    reply = build_reply(support, question.opening_post, body="We shipped a fix this morning.")

    marks = marks_of(page(client, question.get_absolute_url()), reply)

    assert (
        '<a class="badge badge-staff staff-mark" href="/team/#member-tess">Staff'
        '<span aria-hidden="true"> · </span><span class="visually-hidden">, </span>Support engineer</a>'
    ) in marks
    assert "author-rank" not in marks  # the role stands where a member's rank would


def test_staff_opening_post_links_to_the_team_page(client, category, support):
    thread = build_thread(support, category=category, kind="discussion", title="Welcome to the community")

    marks = marks_of(page(client, thread.get_absolute_url()), thread.opening_post)

    assert f'href="{reverse("recognition:team")}#member-tess">Staff' in marks
    assert "Support engineer" in marks


def test_a_post_written_on_the_staff_still_says_so_after_they_left(client, question, support):
    reply = build_reply(support, question.opening_post, body="We shipped a fix this morning.")
    User.objects.filter(pk=support.pk).update(is_staff_member=False)

    marks = marks_of(page(client, question.get_absolute_url()), reply)

    assert '<span class="badge badge-staff">Staff</span>' in marks
    assert "/team/" not in marks  # no card to link to any more


@pytest.mark.counters_unchecked  # reputation set by hand
def test_branch_page_shows_the_markers_too(client, question, guru, support):
    set_super_user(guru, User.SuperUser.NOMINATED)
    top = build_reply(guru, question.opening_post, body="Hold the reset button.")
    below = build_reply(support, top, body="And then pair it again.")

    html = page(client, reverse("community:post_context", args=[top.pk]))

    assert SUPER_USER_MARK in marks_of(html, top)
    assert "Support engineer" in marks_of(html, below)


@pytest.mark.counters_unchecked  # reputation set by hand
def test_deleted_reply_shows_no_author_and_no_marks(client, question, guru):
    from community.services.posts import delete_post

    set_super_user(guru, User.SuperUser.EARNED)
    reply = build_reply(guru, question.opening_post, body="Wrong thread, sorry.")
    delete_post(guru, post=reply)

    marks = marks_of(page(client, question.get_absolute_url()), reply)

    assert "Super user" not in marks and "Guru" not in marks


@pytest.mark.counters_unchecked  # reputation set by hand
@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "member"])
def test_thread_page_costs_the_same_queries_when_its_authors_carry_marks(client, signed_in, category, support):
    crowd = [with_reputation(build_member(), 100 * n) for n in range(1, 6)]
    for member in crowd[:2]:
        set_super_user(member, User.SuperUser.EARNED)
    small = grow(build_thread(crowd[0], category=category, title="A small thread here"), [*crowd, support], 10)
    large = grow(build_thread(crowd[1], category=category, title="A very large thread"), [*crowd, support], 200)
    expected = MEMBER_PAGE_QUERIES if signed_in else VISITOR_PAGE_QUERIES
    if signed_in:
        client.force_login(build_member(username="reader"))

    small_count, small_page = queries_for(client, small.get_absolute_url())
    large_count, large_page = queries_for(client, large.get_absolute_url())

    assert (small_count, large_count) == (expected["small"], expected["large"])
    for response in (small_page, large_page):
        html = response.content.decode()
        assert "Support engineer" in html and SUPER_USER_MARK in html and "Helper" in html


@pytest.mark.counters_unchecked  # reputation set by hand
@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "member"])
def test_cached_thread_page_shows_a_new_super_user_on_the_next_request(
    client, signed_in, question, guru, django_capture_on_commit_callbacks
):
    reply = build_reply(guru, question.opening_post, body="Hold the reset button.")
    if signed_in:
        client.force_login(build_member(username="reader"))
    url = question.get_absolute_url()
    assert "Super user" not in marks_of(page(client, url), reply)
    assert "Super user" not in marks_of(page(client, url), reply)  # now served from the cache

    with django_capture_on_commit_callbacks(execute=True):
        set_super_user(guru, User.SuperUser.NOMINATED)
    assert SUPER_USER_MARK in marks_of(page(client, url), reply)

    with django_capture_on_commit_callbacks(execute=True):
        set_super_user(guru, User.SuperUser.REMOVED)
    assert "Super user" not in marks_of(page(client, url), reply)


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "member"])
def test_cached_thread_page_shows_a_staff_role_edited_in_settings_on_the_next_request(
    client, signed_in, question, support, django_capture_on_commit_callbacks
):
    reply = build_reply(support, question.opening_post, body="We shipped a fix this morning.")
    reader = client if signed_in else type(client)()
    if signed_in:
        reader.force_login(build_member(username="reader"))
    url = question.get_absolute_url()
    page(reader, url)
    assert "Support engineer" in marks_of(page(reader, url), reply)

    editor = type(client)()
    editor.force_login(support)
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(
            reverse("accounts:settings"),
            {"display_name": support.display_name, "bio": "", "staff_role": "Head of support", "team_focus": ""},
        )
    assert response.status_code == 302

    marks = marks_of(page(reader, url), reply)
    assert "Head of support" in marks and "Support engineer" not in marks


@pytest.mark.counters_unchecked  # reputation set by hand
def test_cached_thread_page_shows_a_new_rank_when_the_ledger_announces_it(
    client, question, answer, django_capture_on_commit_callbacks
):
    url = question.get_absolute_url()
    page(client, url)
    assert "Newcomer" in marks_of(page(client, url), answer)

    # As the ledger does when points move a member into a new rank.
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        User.objects.filter(pk=answer.author_id).update(reputation=120)
        bus.publish(ProfileChanged(member_id=answer.author_id, fields=("rank",)))

    assert '<span class="author-rank">Helper</span>' in marks_of(page(client, url), answer)


@pytest.mark.counters_unchecked  # reputation set by hand
def test_set_super_user_records_each_change_once_and_announces_it(guru, staff):
    announced = []
    handler = announced.append
    # In the changing transaction as StandingChanged; pages hear it after commit as ProfileChanged.
    bus.subscribe(StandingChanged, handler, in_transaction=True)
    try:
        set_super_user(guru, User.SuperUser.NOMINATED, decided_by=staff, note="Answers every night")
        set_super_user(guru, User.SuperUser.NOMINATED, decided_by=staff)
    finally:
        bus.unsubscribe(StandingChanged, handler)

    guru.refresh_from_db()
    assert guru.super_user == User.SuperUser.NOMINATED
    changes = list(guru.super_user_changes.values_list("status", "decided_by", "note"))
    assert changes == [(User.SuperUser.NOMINATED, staff.pk, "Answers every night")]
    assert [(e.member_id, e.fields) for e in announced] == [(guru.pk, ("super_user",))]


def test_cached_idea_page_shows_the_new_role_of_staff_who_only_updated_its_status(
    client, member, category, support, django_capture_on_commit_callbacks
):
    from community.services.threads import set_idea_status

    idea = build_thread(member, category=category, kind="idea", title="Let scenes follow the sunset")
    set_idea_status(support, thread=idea, status="planned", note="On the roadmap.")
    url = idea.get_absolute_url()
    page(client, url)
    assert "Support engineer" in page(client, url)

    with django_capture_on_commit_callbacks(execute=True):
        update_profile(support, display_name=support.display_name, bio="", staff_role="Product manager")

    html = page(client, url)
    assert "Product manager" in html and "Support engineer" not in html


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "member"])
def test_points_earned_in_one_thread_show_the_new_rank_on_every_cached_page_of_the_member(
    client, signed_in, member, category, question, answer, django_capture_on_commit_callbacks
):
    # The votes touch only the first thread: the second's page and the leaderboard learn of the
    # new rank from the standing change the ledger announces, through community.caching.
    elsewhere = build_thread(member, category=category, title="Which bridge for the garden lights?")
    reply = build_reply(answer.author, elsewhere.opening_post, body="The outdoor bridge reaches that far.")
    with django_capture_on_commit_callbacks(execute=True):
        posts.accept_answer(member, post=answer)
    if signed_in:
        client.force_login(build_member(username="reader"))
    board = reverse("recognition:leaderboard") + "?period=all"
    pages = [elsewhere.get_absolute_url(), reverse("community:post_context", args=[reply.pk])]
    for url in pages:
        page(client, url)
        assert '<span class="author-rank">Newcomer</span>' in marks_of(page(client, url), reply)
    page(client, board)
    assert "Newcomer" in board_row(page(client, board), answer.author_id)

    with django_capture_on_commit_callbacks(execute=True):
        votes.mark_helpful(build_member(username="voter"), post=answer)

    assert User.objects.get(pk=answer.author_id).rank == "Contributor"
    for url in pages:
        assert '<span class="author-rank">Contributor</span>' in marks_of(page(client, url), reply)
    row = board_row(page(client, board), answer.author_id)
    assert "Contributor" in row and "Newcomer" not in row


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "member"])
def test_the_cached_leaderboard_shows_a_new_name_and_marker_on_the_next_request(
    client, signed_in, member, answer, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        posts.accept_answer(member, post=answer)
    answerer = User.objects.get(pk=answer.author_id)
    if signed_in:
        client.force_login(build_member(username="reader"))
    board = reverse("recognition:leaderboard") + "?period=all"
    page(client, board)
    assert "Olaf Jensen" in page(client, board)

    with django_capture_on_commit_callbacks(execute=True):
        update_profile(answerer, display_name="Olaf the Helpful", bio="")
    html = page(client, board)
    assert "Olaf the Helpful" in html and "Olaf Jensen" not in html

    with django_capture_on_commit_callbacks(execute=True):
        set_super_user(answerer, User.SuperUser.NOMINATED, decided_by=staff)
    assert "Super user" in board_row(page(client, board), answerer.pk)
