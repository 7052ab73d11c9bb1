"""A member's public profile at /u/<username>/: what it shows, and what it never shows to whom."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import update_profile
from community.models import Review
from community.services.posts import accept_answer, delete_post
from community.services.review import set_review
from moderation.services import sanctions
from recognition import awarding, selectors
from tests.builders import build_category, build_member, build_moderator, build_reply, build_thread
from tests.helpers import parse_html
from tests.recognition.ledger_rows import award, give_points

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
# For a signed-in viewer, two of these are theirs: the header bell's unread count, and whether they muted the member.
PROFILE_QUERIES = 15


def profile_url(member, **query):
    url = reverse("recognition:profile", kwargs={"username": member.username})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def profile_page(client, member, **query):
    response = client.get(profile_url(member, **query))
    assert response.status_code == 200
    return parse_html(response.content)


def chart_svg(html: str) -> ET.Element:
    start = html.index('<svg role="img"')
    end = html.index("</svg>", start) + len("</svg>")
    # The chart is parsed as XML on its own: well-formed, or this raises.
    markup = html[start:end].replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    return ET.fromstring(markup)  # noqa: S314 - our own page's markup


def test_profile_lives_at_the_same_address_and_members_link_to_it(member):
    assert member.get_absolute_url() == "/u/maria/"
    assert reverse("recognition:profile", kwargs={"username": "maria"}) == "/u/maria/"


def test_public_profile_shows_name_bio_and_staff_marker(client, staff):
    staff.bio = "Community manager"
    staff.staff_role = "Support engineer"
    staff.save()

    page = profile_page(client, staff)

    text = page.find("main").text
    assert "Tess Nakamura" in text
    assert "Community manager" in text
    assert "as Support engineer" in text
    assert page.find(cls="badge-staff") is not None


def test_profile_of_unknown_or_deactivated_member_is_404(client, member):
    member.is_active = False
    member.save()

    assert client.get(profile_url(member)).status_code == 404
    assert client.get(reverse("recognition:profile", kwargs={"username": "nobody"})).status_code == 404


def test_a_cached_profile_is_gone_the_moment_its_member_is_banned(
    client, member, staff, django_capture_on_commit_callbacks
):
    assert client.get(profile_url(member)).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        sanctions.ban(staff, member=member, reason="Spam, again and again.")

    assert client.get(profile_url(member)).status_code == 404


def test_a_visitors_cached_profile_costs_no_query(client, member, django_assert_num_queries):
    build_reply(member, build_thread(member, category=build_category()).opening_post)
    client.get(profile_url(member))

    with django_assert_num_queries(0):
        page = parse_html(client.get(profile_url(member)).content)
    assert "Maria Lopez" in page.find("h1").text


def test_suspended_member_keeps_a_profile_that_says_nothing_of_the_suspension(client, member):
    member.suspended_until = timezone.now() + datetime.timedelta(days=3)
    member.save()

    page = profile_page(client, member)

    assert "Maria Lopez" in page.find("h1").text
    assert "suspend" not in page.find("main").text.lower()


def test_profile_refuses_writes(client, member):
    assert client.post(profile_url(member)).status_code == 405
    assert client.head(profile_url(member)).status_code == 200


def test_profile_never_shows_the_email_address(client, member, other_member):
    client.force_login(other_member)

    html = client.get(profile_url(member)).content.decode()

    assert member.email not in html


def test_hostile_bio_and_name_are_escaped(client):
    build_member(username="mallory", display_name="<img src=x onerror=alert(1)>", bio="<script>alert(1)</script>")

    html = client.get(reverse("recognition:profile", kwargs={"username": "mallory"})).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "<img src=x onerror" not in html
    assert "&lt;script&gt;" in html


def test_profile_shows_reputation_rank_and_badges_grouped_by_tier(client, member):
    give_points(member, 120, days_ago=10)
    give_points(member, 15)
    award(member, "first-answer")
    award(member, "helpful-10")
    award(member, "thank-you")
    award(member, "thank-you")

    page = profile_page(client, member)

    stats = page.find(cls="profile-stat-reputation")
    assert stats.find("dd").text == "135"
    assert page.find(cls="profile-rank").text == "Helper"
    tiers = [title.text.split()[0] for title in page.find_all("h3", cls="badge-tier-title")]
    assert tiers == ["Gold", "Bronze"]
    chips = {chip.text for chip in page.find_all(cls="badge-chips")[0].find_all(cls="badge-chip")}
    assert chips == {"Thank you \u00d72"}
    bronze = page.find_all(cls="badge-chips")[1]
    assert {chip.text for chip in bronze.find_all(cls="badge-chip")} == {"First answer", "Helpful"}
    assert all("tier-bronze" in chip.classes for chip in bronze.find_all(cls="badge-chip"))


def test_reputation_chart_is_well_formed_accessible_and_cumulative(client, member):
    give_points(member, 20, days_ago=20)
    give_points(member, 15, days_ago=5)
    give_points(member, -5, days_ago=1)

    response = client.get(profile_url(member))

    html = response.content.decode()
    svg = chart_svg(html)
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == svg.find(f"{SVG}title").get("id")
    assert "30 points now" in svg.find(f"{SVG}desc").text
    summary = parse_html(html).find(id=svg.get("aria-describedby"))
    assert summary.text == svg.find(f"{SVG}desc").text
    table = parse_html(html).find("table", cls="visually-hidden")
    values = [int(cell.text) for cell in table.find_all("td")]
    # Where the total moved, then where it stands today.
    assert values == [20, 35, 30, 30]
    assert values[-1] == User.objects.get(pk=member.pk).reputation


def test_chart_holds_only_numbers_and_dates_whatever_the_member_is_called(client):
    mallory = build_member(username="mallory", display_name='</title><script>alert(1)</script>"')
    give_points(mallory, 10)

    html = client.get(profile_url(mallory)).content.decode()

    svg = chart_svg(html)
    assert svg.find(f"{SVG}title").text == "</title><script>alert(1)</script>\"'s reputation over time"
    assert not [element for element in svg.iter() if element.tag.endswith("script")]
    for path in svg.iter(f"{SVG}path"):
        assert set(path.get("d")) <= set("MLZ0123456789., -")


def test_chart_is_drawn_once_and_again_after_the_next_ledger_line(
    client, member, monkeypatch, django_capture_on_commit_callbacks
):
    reads = []
    read = selectors.reputation_by_day
    monkeypatch.setattr(selectors, "reputation_by_day", lambda m: reads.append(m.pk) or read(m))
    give_points(member, 10, days_ago=3)
    first = chart_svg(client.get(profile_url(member)).content.decode())
    client.get(profile_url(member))

    with django_capture_on_commit_callbacks(execute=True):
        give_points(member, 25)
    second = chart_svg(client.get(profile_url(member)).content.decode())

    assert reads == [member.pk, member.pk]
    assert "10 points now" in first.find(f"{SVG}desc").text
    assert "35 points now" in second.find(f"{SVG}desc").text


def test_member_without_points_sees_an_invitation_instead_of_a_chart(client, member):
    page = profile_page(client, member)

    assert page.find("svg", role="img") is None
    assert "No points yet" in page.find("section", aria_labelledby="reputation-heading").text


def test_accepted_answers_threads_and_replies_are_listed_with_links(client, member, other_member, category):
    question = build_thread(member, category=category, title="Bulb will not pair")
    answer = build_reply(other_member, question.opening_post, body="Hold the button for five seconds.")
    accept_answer(member, post=answer)
    own = build_thread(other_member, category=category, title="Hub firmware notes")

    page = profile_page(client, other_member)

    accepted = page.find("section", aria_labelledby="accepted-heading")
    assert [a.attrs["href"] for a in accepted.find_all("a")] == [f"{question.get_absolute_url()}#post-{answer.pk}"]
    threads = page.find(id="posts")
    assert [a.text for a in threads.find_all("a", cls="profile-item-title")] == ["Hub firmware notes"]
    answers = profile_page(client, other_member, tab="answers").find(id="posts")
    assert [a.text for a in answers.find_all("a", cls="profile-item-title")] == ["Bulb will not pair"]
    assert "Accepted answer" in answers.text
    assert "Hold the button for five seconds." in answers.text
    assert own.get_absolute_url() in threads.find("a", cls="profile-item-title").attrs["href"]


def test_threads_and_answers_are_paginated_per_tab(client, member, other_member, category):
    question = build_thread(other_member, category=category, title="Many answers here")
    for n in range(12):
        build_thread(member, category=category, title=f"Thread number {n}")
        build_reply(member, question.opening_post, body=f"Answer number {n}")

    first = profile_page(client, member)
    second = profile_page(client, member, tab="threads", page=2)
    answers_two = profile_page(client, member, tab="answers", page=2)

    assert len(first.find_all(cls="profile-item")) == 10
    assert [a.text for a in second.find_all("a", cls="profile-item-title")] == ["Thread number 1", "Thread number 0"]
    assert len(answers_two.find_all(cls="profile-item")) == 2
    assert first.find("a", rel="next").attrs["href"] == "?tab=threads&page=2#posts"
    assert answers_two.find("a", rel="prev").attrs["href"] == "?tab=answers&page=1#posts"


def test_top_categories_rank_by_points_then_answers(client, member, other_member):
    hubs = build_category(name="Hubs")
    bulbs = build_category(name="Bulbs")
    apps = build_category(name="Apps")
    give_points(member, 40, category=bulbs)
    give_points(member, 10, category=hubs)
    question = build_thread(other_member, category=apps, title="App crashes")
    build_reply(member, question.opening_post)

    page = profile_page(client, member)

    section = page.find("section", aria_labelledby="categories-heading")
    assert [a.text for a in section.find_all("a")] == ["Bulbs", "Hubs", "Apps"]
    assert "40 points" in section.text and "1 reply" in section.text


def test_recent_activity_mixes_posts_and_badges_newest_first(client, member, other_member, category):
    question = build_thread(other_member, category=category, title="Scenes at sunset")
    build_reply(member, question.opening_post)
    award(member, "first-answer", awarded_at=timezone.now() + datetime.timedelta(1))
    build_thread(member, category=category, title="My first thread")

    page = profile_page(client, member)

    items = [li.text for li in page.find("ol", cls="profile-activity").find_all("li")]
    assert items[0].startswith("Earned First answer")
    assert items[1].startswith("Started My first thread")
    assert items[2].startswith("Replied in Scenes at sunset")


@pytest.fixture
def hidden_work(member, other_member):
    """Maria's public, held, hidden and removed posts and threads, in two categories."""
    public_cat = build_category(name="Public place")
    other_cat = build_category(name="Other place")
    open_question = build_thread(other_member, category=public_cat, title="An open question")
    build_reply(member, open_question.opening_post, body="A published answer")
    hidden = build_reply(member, open_question.opening_post, body="A hidden answer")
    set_review(hidden, review=Review.HIDDEN)
    removed = build_reply(member, open_question.opening_post, body="A removed answer")
    delete_post(member, post=removed)
    build_thread(member, category=public_cat, title="A visible thread")
    held_here = build_thread(member, category=public_cat, title="A held thread here")
    set_review(held_here.opening_post, review=Review.PENDING)
    held_there = build_thread(member, category=other_cat, title="A held thread there")
    set_review(held_there.opening_post, review=Review.PENDING)
    gone = build_thread(member, category=public_cat, title="A removed thread")
    delete_post(member, post=gone.opening_post)
    return public_cat, other_cat


def _all_text(client, member):
    return " ".join(profile_page(client, member, tab=tab).find("main").text for tab in ("threads", "answers"))


@pytest.mark.parametrize("viewer", ["visitor", "other member"])
def test_other_viewers_never_see_held_hidden_or_removed_work(client, member, other_member, hidden_work, viewer):
    if viewer == "other member":
        client.force_login(other_member)

    text = _all_text(client, member)

    assert "A published answer" in text and "A visible thread" in text
    for unseen in ("A hidden answer", "A removed answer", "A held thread", "A removed thread"):
        assert unseen not in text
    stats = profile_page(client, member).find(cls="profile-stats").text
    assert "Answers and replies 1" in stats and "Threads 1" in stats


def test_a_moderator_sees_held_work_only_in_the_categories_they_moderate(client, member, hidden_work):
    public_cat, _ = hidden_work
    client.force_login(build_moderator(username="scoped", category=public_cat))

    text = _all_text(client, member)

    assert "A held thread here" in text
    assert "A hidden answer" in text
    assert "A held thread there" not in text
    assert "A removed thread" not in text and "A removed answer" not in text


def test_hidden_and_held_posts_do_not_feed_activity_or_categories(client, member, other_member, hidden_work):
    page = profile_page(client, member)

    activity = page.find("section", aria_labelledby="activity-heading").text
    categories = page.find("section", aria_labelledby="categories-heading").text
    assert "A held thread" not in activity and "A removed thread" not in activity
    assert "Other place" not in categories
    assert "1 reply" in categories


def test_an_accepted_answer_that_was_later_hidden_is_not_listed(client, member, other_member, category):
    question = build_thread(member, category=category, title="Pairing trouble")
    answer = build_reply(other_member, question.opening_post)
    accept_answer(member, post=answer)
    set_review(answer, review=Review.HIDDEN)

    page = profile_page(client, other_member)

    accepted = page.find("section", aria_labelledby="accepted-heading")
    assert accepted.find("a") is None
    assert page.find(cls="profile-stats").find_all("dd")[1].text == "0"


def test_the_member_sees_an_edit_link_and_others_do_not(client, member, other_member):
    client.force_login(member)
    assert profile_page(client, member).find(cls="profile-actions").find("a").attrs["href"] == "/settings/"

    client.force_login(other_member)
    assert profile_page(client, member).find(cls="profile-actions") is None


@pytest.mark.counters_unchecked
@pytest.mark.parametrize("viewer", ["member", "moderator"])
def test_profile_query_count_stays_constant_as_the_member_does_more(
    client, member, other_member, category, viewer, django_assert_max_num_queries
):
    def grow(n):
        for i in range(n):
            thread = build_thread(member, category=category, title=f"Thread {n}-{i}")
            elsewhere = build_category(name=f"Cat {n}-{i}")
            question = build_thread(other_member, category=elsewhere, title=f"Question {n}-{i}")
            answer = build_reply(member, question.opening_post)
            accept_answer(other_member, post=answer)
            build_reply(other_member, thread.opening_post)
            give_points(member, 15, days_ago=i, category=question.category)
            award(member, ["first-answer", "helpful-10", "thank-you", "accepted-10"][i % 4])

    client.force_login(other_member if viewer == "member" else build_moderator(username="mod"))
    client.get(reverse("home"))  # what every page reads once per process
    # A moderator's header also counts their review queue.
    header = 0 if viewer == "member" else 1
    for n in (1, 12):
        grow(n)
        for tab in ("threads", "answers"):
            # Built: the member row, the viewer's, two counts, one page of posts, badges, accepted answers
            # and their count, points and replies by category, recent posts and badges, the chart.
            with django_assert_max_num_queries(PROFILE_QUERIES + header):
                client.get(profile_url(member, tab=tab))
            # Shared with other readers: the member row and the viewer's, the bell and the mute state
            # (moderators' are never shared).
            with django_assert_max_num_queries(4 if viewer == "member" else PROFILE_QUERIES - 1 + header):
                client.get(profile_url(member, tab=tab))


def test_a_shared_profile_drops_a_post_the_moment_it_is_hidden_or_removed(
    client, member, other_member, category, django_capture_on_commit_callbacks
):
    question = build_thread(other_member, category=category, title="Which hub firmware?")
    hidden = build_reply(member, question.opening_post, body="Soon to be hidden")
    removed = build_reply(member, question.opening_post, body="Soon to be removed")
    assert "Soon to be hidden" in _all_text(client, member)

    with django_capture_on_commit_callbacks(execute=True):
        set_review(hidden, review=Review.HIDDEN)
        delete_post(member, post=removed)

    text = _all_text(client, member)
    assert "Soon to be hidden" not in text and "Soon to be removed" not in text


@pytest.mark.parametrize("change", ["name", "badge", "thread", "points"])
def test_a_shared_profile_shows_a_new_name_badge_thread_and_points_at_once(
    client, member, category, change, django_capture_on_commit_callbacks
):
    profile_page(client, member)

    with django_capture_on_commit_callbacks(execute=True):
        if change == "name":
            update_profile(member, display_name="Maria L.", bio=member.bio)
        elif change == "badge":
            awarding.award("welcomer", member.pk)
        elif change == "thread":
            build_thread(member, category=category, title="A brand new thread")
        else:
            give_points(member, 10)

    page = profile_page(client, member)
    assert (page.find("h1").text == "Maria L.") == (change == "name")
    assert ("Welcomer" in page.find("section", aria_labelledby="badges-heading").text) == (change == "badge")
    assert ("A brand new thread" in page.find(id="posts").text) == (change == "thread")
    assert page.find(cls="profile-stat-reputation").find("dd").text == ("10" if change == "points" else "0")


def test_a_profile_keeps_its_shared_rendering_while_nothing_it_shows_changes(
    client, member, other_member, category, django_capture_on_commit_callbacks
):
    elsewhere = build_thread(other_member, category=category, title="Not Maria's thread")
    key = f"member-version:profile:{member.pk}"
    profile_page(client, member)
    version = cache.get(key)

    with django_capture_on_commit_callbacks(execute=True):
        build_reply(other_member, elsewhere.opening_post, body="Nothing to do with Maria")
        update_profile(other_member, display_name="Olaf J.", bio="")

    assert cache.get(key) == version


def test_the_member_sees_their_own_held_reply_and_others_still_do_not(client, member, other_member, category):
    question = build_thread(other_member, category=category, title="Where is the reset button?")
    held = build_reply(member, question.opening_post, body="My reply waiting for a moderator")
    set_review(held, review=Review.PENDING)
    client.force_login(other_member)
    assert "waiting for a moderator" not in _all_text(client, member)

    client.force_login(member)
    answers = profile_page(client, member, tab="answers").find(id="posts").text
    assert "My reply waiting for a moderator" in answers and "Awaiting review" in answers

    client.force_login(other_member)
    assert "waiting for a moderator" not in _all_text(client, member)


def test_a_username_that_changes_hands_shows_its_new_owners_page_as_it_changes(
    client, django_capture_on_commit_callbacks
):
    """A member renamed (by an admin) while the cache still remembers whose the old name was, and another member
    given that name: visitors get the new owner's page, and it follows the new owner's changes."""
    from accounts.events import ProfileChanged
    from outbox import bus

    first = build_member(username="robin", display_name="Robin First")
    second = build_member(username="sam", display_name="Sam Second")

    def rename(member, username):
        # As the admin's change form does it.
        with django_capture_on_commit_callbacks(execute=True):
            member.username = username
            member.save(update_fields=["username"])
            bus.publish(ProfileChanged(member_id=member.pk, fields=("username",)))

    url = reverse("recognition:profile", kwargs={"username": "robin"})
    assert "Robin First" in client.get(url).content.decode()
    rename(first, "robin-before")
    rename(second, "robin")
    page = client.get(url).content.decode()
    assert "Sam Second" in page and "Robin First" not in page

    with django_capture_on_commit_callbacks(execute=True):
        update_profile(second, display_name="Sam Later", bio="")
    page = client.get(url).content.decode()
    assert "Sam Later" in page and "Sam Second" not in page
