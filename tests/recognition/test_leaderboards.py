"""The leaderboards at /leaderboard/: this week, this month and all time; per category; staff hidden or shown."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import User
from recognition import selectors
from tests.builders import build_category, build_member
from tests.conftest import clear_cache
from tests.helpers import parse_html
from tests.recognition.ledger_rows import give_points

pytestmark = pytest.mark.django_db

LEADERBOARD_QUERIES = 3


def board(client, **query):
    response = client.get(reverse("recognition:leaderboard"), query)
    assert response.status_code == 200
    page = parse_html(response.content)
    rows = page.find_all("li", cls="leaderboard-row")
    return page, [
        (row.find(cls="leaderboard-position").text.replace("Rank ", ""), row.find("a").text, row.find("strong").text)
        for row in rows
    ]


@pytest.fixture
def long_ago():
    return selectors.period_start("month") - datetime.timedelta(days=3)


def test_week_is_the_default_and_sums_only_this_weeks_points(client, member, other_member, long_ago):
    give_points(member, 10)
    give_points(member, 500, at=long_ago)
    give_points(other_member, 25)

    _, rows = board(client)

    assert rows == [("1", "Olaf Jensen", "25"), ("2", "Maria Lopez", "10")]


def test_month_counts_from_the_first_of_the_month(client, member, other_member, long_ago):
    start = selectors.period_start("month")
    give_points(member, 30, at=start + datetime.timedelta(minutes=1))
    give_points(other_member, 40, at=start - datetime.timedelta(minutes=1))

    _, rows = board(client, period="month")

    assert rows == [("1", "Maria Lopez", "30")]


def test_all_time_reads_reputation(client, member, other_member, long_ago):
    give_points(member, 500, at=long_ago)
    give_points(other_member, 25)

    _, rows = board(client, period="all")

    assert rows == [("1", "Maria Lopez", "500"), ("2", "Olaf Jensen", "25")]


def test_equal_scores_share_a_place(client, member, other_member):
    third = build_member(username="zoe", display_name="Zoe Quinn")
    give_points(member, 20)
    give_points(other_member, 20)
    give_points(third, 5)

    _, rows = board(client, period="all")

    assert [position for position, _, _ in rows] == ["1", "1", "3"]


def test_a_category_board_counts_its_own_and_its_sub_categories_points(client, member, other_member):
    hubs = build_category(name="Hubs")
    hub_apps = build_category(name="Hub apps", parent=hubs)
    bulbs = build_category(name="Bulbs")
    give_points(member, 10, category=hub_apps)
    give_points(member, 5, category=hubs)
    give_points(other_member, 50, category=bulbs)

    _, hub_rows = board(client, period="all", category="hubs")
    _, bulb_rows = board(client, period="week", category="bulbs")

    assert hub_rows == [("1", "Maria Lopez", "15")]
    assert bulb_rows == [("1", "Olaf Jensen", "50")]


def test_staff_are_hidden_unless_asked_for(client, member, staff):
    give_points(staff, 100)
    give_points(member, 10)

    _, hidden = board(client, period="all")
    _, shown = board(client, period="all", staff="1")

    assert [name for _, name, _ in hidden] == ["Maria Lopez"]
    assert [name for _, name, _ in shown] == ["Tess Nakamura", "Maria Lopez"]


def test_deactivated_and_banned_members_never_rank(client, member, other_member):
    give_points(member, 10)
    give_points(other_member, 99)
    User.objects.filter(pk=other_member.pk).update(is_active=False)

    for period in selectors.PERIODS:
        _, rows = board(client, period=period)
        assert [name for _, name, _ in rows] == ["Maria Lopez"], period


def test_members_without_points_or_with_net_losses_are_left_out(client, member, other_member):
    give_points(member, 10)
    give_points(member, -10)
    give_points(other_member, 5)

    _, rows = board(client)

    assert [name for _, name, _ in rows] == ["Olaf Jensen"]


def test_only_the_top_fifty_are_shown(client):
    for n in range(selectors.LEADERBOARD_SIZE + 3):
        give_points(build_member(username=f"helper{n}"), n + 1)

    _, rows = board(client, period="all")

    assert len(rows) == selectors.LEADERBOARD_SIZE
    assert rows[0][2] == str(selectors.LEADERBOARD_SIZE + 3)


def test_a_signed_in_member_below_the_top_sees_their_own_position(client, member, settings):
    for n in range(3):
        give_points(build_member(username=f"helper{n}"), 50 + n)
    give_points(member, 7)
    client.force_login(member)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(selectors, "LEADERBOARD_SIZE", 2)
        page, rows = board(client, period="all")

    assert len(rows) == 2
    assert page.find(cls="leaderboard-you-rank").text == "#4 with 7 points"


def test_a_member_on_the_board_is_told_so_and_one_without_points_is_invited(client, member, other_member):
    give_points(member, 7)

    client.force_login(member)
    on_board, _ = board(client)
    client.force_login(other_member)
    off_board, _ = board(client)

    assert "You are on this board" in on_board.find(cls="leaderboard-you").text
    assert "No points this week" in off_board.find(cls="leaderboard-you").text


def test_unknown_period_or_category_falls_back_to_the_whole_week(client, member):
    give_points(member, 3)

    page, rows = board(client, period="decade", category="no-such-thing")

    assert rows == [("1", "Maria Lopez", "3")]
    assert page.find("a", aria_current="page").text == "This week"


def test_leaderboard_refuses_writes(client):
    assert client.post(reverse("recognition:leaderboard")).status_code == 405
    assert client.head(reverse("recognition:leaderboard")).status_code == 200


def test_hostile_names_are_escaped(client):
    mallory = build_member(username="mallory", display_name="<script>alert(1)</script>")
    give_points(mallory, 5)

    html = client.get(reverse("recognition:leaderboard")).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_board_is_cached_for_a_minute(client, member, other_member):
    give_points(member, 10)
    client.force_login(other_member)
    board(client)

    give_points(other_member, 90)
    _, cached = board(client)

    assert [name for _, name, _ in cached] == ["Maria Lopez"]


def test_the_header_links_to_the_leaderboard(client):
    page = parse_html(client.get(reverse("home")).content)

    assert page.find("header").find("a", href=reverse("recognition:leaderboard")) is not None


@pytest.mark.parametrize("signed_in", [False, True])
def test_query_count_stays_constant_as_the_board_fills(client, member, signed_in, django_assert_max_num_queries):
    hubs = build_category(name="Hubs")
    if signed_in:
        client.force_login(member)

    for size in (2, 60):
        for n in range(size):
            give_points(build_member(username=f"h{size}-{n}"), 10 + n, category=hubs)
        clear_cache()  # so the board is read again, not served from the last round
        client.get(reverse("home"))  # what every page reads once per process
        for query in ({"period": "week"}, {"period": "all", "category": "hubs", "staff": "1"}):
            # The board, and for a member their own standing (their points and who is ahead), at most.
            with django_assert_max_num_queries(LEADERBOARD_QUERIES + 2 * signed_in):
                client.get(reverse("recognition:leaderboard"), query)
