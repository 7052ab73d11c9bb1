"""`make bench` seeds an FAQ from the bench community and measures its pages like thread pages."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from bench import run
from community.management.commands.seed_bench import BENCH_MEMBER
from faq.models import Article, Visibility

pytestmark = pytest.mark.django_db


@pytest.fixture
def bench():
    call_command("seed_bench", "--scale", "0.002", stdout=StringIO())
    call_command("seed_bench_faq", "--articles", "12", stdout=StringIO())


def test_the_bench_loads_every_faq_page_for_visitors_and_members(bench):
    pages = dict(run.find_pages())

    assert set(run.FAQ_PAGES) <= set(pages)
    assert Article.objects.filter(status="published").count() >= 5
    assert Article.objects.filter(visibility=Visibility.MEMBERS).exists()
    member = Client()
    member.force_login(User.objects.get(username=BENCH_MEMBER))
    for name in run.FAQ_PAGES:
        for client in (Client(), member):
            assert client.get(pages[name]).status_code == 200, name


def test_seeding_twice_does_nothing_and_remove_takes_the_faq_away(bench, django_capture_on_commit_callbacks):
    seeded = Article.objects.count()
    call_command("seed_bench_faq", stdout=StringIO())
    assert Article.objects.count() == seeded
    article = dict(run.find_pages())["faq article"]
    assert Client().get(article).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_bench_faq", "--remove", stdout=StringIO())

    assert not Article.objects.exists()
    # A visitor's cached copy of a removed article is never served again.
    assert Client().get(article).status_code == 404


@pytest.mark.parametrize(("who", "share"), [("anonymous", 0.50), ("member", 0.20)])
def test_faq_pages_are_held_to_the_thread_pages_targets(who, share):
    for page in run.FAQ_PAGES:
        assert run.goal({"page": page, "who": who}) == share
