"""`make bench` measures the pages about people, and holds them to the recognition targets."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from bench import run
from community.management.commands.seed_bench import BENCH_MEMBER
from tests.builders import build_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def bench():
    call_command("seed_bench", "--scale", "0.002", stdout=StringIO())
    call_command("seed_bench_recognition", stdout=StringIO())


def test_the_bench_loads_every_recognition_page_and_each_answers_visitors_and_members(bench):
    from accounts.models import User

    pages = dict(run.find_pages())

    assert set(run.RECOGNITION_PAGES) <= set(pages)
    busiest = User.objects.filter(username__startswith="bench").order_by("-reputation").first()
    assert pages["profile"] == f"/u/{busiest.username}/"
    assert pages["leaderboard, all"].endswith("?period=all")
    visitor, member = Client(), Client()
    member.force_login(User.objects.get(username=BENCH_MEMBER))
    for name in run.RECOGNITION_PAGES:
        for client in (visitor, member):
            assert client.get(pages[name]).status_code == 200, name


def test_the_busiest_members_profile_is_the_one_measured(bench):
    from accounts.models import User

    top = User.objects.filter(username__startswith="bench").order_by("-reputation", "pk").first()
    build_member(username="outsider")  # members outside the bench are never picked

    assert dict(run.recognition_pages())["profile"] == f"/u/{top.username}/"


@pytest.mark.parametrize(("who", "share"), [("anonymous", 0.25), ("member", 0.10)])
def test_recognition_pages_are_held_to_a_quarter_and_a_tenth_of_the_ceiling(who, share):
    for page in run.RECOGNITION_PAGES:
        assert run.goal({"page": page, "who": who}) == share
    assert run.goal({"page": "hot thread", "who": who}) == (0.50 if who == "anonymous" else 0.20)


def test_a_page_that_answered_errors_under_load_misses_however_fast_it_was():
    fast = {"page": "badge", "who": "anonymous", "rps": 500.0, "p50_ms": 1, "p99_ms": 2, "of_ceiling": 0.9}
    rows = [{**fast, "errors": 0}, {**fast, "who": "member", "errors": 12}]

    run.verdicts(rows)

    assert rows[0]["targets"] == "25% of ceiling: ok"
    assert rows[1]["targets"].startswith("12 errors: MISS")
