"""The pages about people cost a constant number of queries for the viewers their own tests leave out:
a visitor on a profile, and a signed-in member on the badge list and the team page."""

import pytest
from django.urls import reverse

from accounts.models import User
from community.services.posts import accept_answer
from recognition import awarding
from tests.builders import build_category, build_member, build_reply, build_thread
from tests.recognition.ledger_rows import award, give_points
from tests.recognition.test_profiles import PROFILE_QUERIES, profile_url

pytestmark = pytest.mark.django_db


@pytest.mark.counters_unchecked
def test_a_visitors_profile_costs_the_same_queries_however_much_the_member_does(
    client, member, other_member, category, django_assert_max_num_queries
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

    client.get(reverse("home"))  # what every page reads once per process
    for n in (1, 12):
        grow(n)
        for tab in ("threads", "answers"):
            # Built: what a member's view builds, less the viewer's own row, plus the member's row
            # read once more by the visitors' page cache for its key.
            with django_assert_max_num_queries(PROFILE_QUERIES):
                response = client.get(profile_url(member, tab=tab))
            assert response.status_code == 200
            # The visitors' copy: the member's row for its key, and nothing else.
            with django_assert_max_num_queries(1):
                client.get(profile_url(member, tab=tab))


def test_a_members_badge_list_costs_the_same_queries_as_holders_grow(
    client, member, django_assert_max_num_queries, a_minute_later
):
    client.force_login(member)
    client.get(reverse("home"))
    awarding.award("first-answer", build_member(username="early").pk)
    # The holder counts, the member's own row, and the header bell's unread count.
    with django_assert_max_num_queries(3) as few:
        client.get(reverse("recognition:badges"))
    for i in range(20):
        holder = build_member(username=f"late{i}")
        awarding.award("first-answer", holder.pk)
        awarding.award("welcomer", holder.pk)
    a_minute_later()

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("recognition:badges"))

    assert "Held by 21 members" in response.content.decode()


def test_a_members_team_page_costs_the_same_queries_however_large_the_team(
    client, member, django_assert_max_num_queries, a_minute_later
):
    client.force_login(member)
    client.get(reverse("home"))
    build_member(username="first", is_staff_member=True)
    # The member's own row, the header bell's unread count, and the team.
    with django_assert_max_num_queries(3) as few:
        client.get(reverse("recognition:team"))
    for i in range(8):
        staff = build_member(username=f"staff{i}", is_staff_member=True)
        User.objects.filter(pk=staff.pk).update(staff_role="Engineer", team_focus="Everything", bio="Hello")
    a_minute_later()

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("recognition:team"))

    assert response.content.decode().count('class="card team-card"') == 9
