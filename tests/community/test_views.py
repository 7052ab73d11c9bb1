import re

import pytest
from django.urls import reverse

from community.models import Category, HelpfulVote, Post, Thread
from community.services import posts, votes
from moderation.services import threads as moderation_threads
from tests.builders import build_category, build_reply, build_thread

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"community:{name}", kwargs=kwargs)


def listed(response):
    """Thread ids in the order the rendered list shows them."""
    assert response.status_code == 200
    ids = re.findall(r'class="thread-title">.*?<a href="/t/(\d+)/', str(response.context["list_html"]), re.DOTALL)
    return [int(pk) for pk in ids]


def test_home_lists_threads_with_filters(client, member, other_member, category, question, answer):
    idea = build_thread(other_member, category=category, kind="idea", title="Add a sunrise scene")
    unanswered = build_thread(other_member, category=category, title="Nobody has answered this yet")
    posts.accept_answer(member, post=answer)

    def home(**params):
        return listed(client.get(reverse("home"), params))

    assert set(home()) == {question.pk, idea.pk, unanswered.pk}
    assert home(filter="unanswered") == [unanswered.pk]
    assert home(filter="solved") == [question.pk]
    assert home(filter="ideas") == [idea.pk]
    assert home(kind="idea") == [idea.pk]


def test_member_filters_need_login(client, member, question):
    response = client.get(reverse("home"), {"filter": "mine"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))

    client.force_login(member)
    assert listed(client.get(reverse("home"), {"filter": "mine"})) == [question.pk]
    assert listed(client.get(reverse("home"), {"filter": "following"})) == [question.pk]


def test_ideas_sort_by_votes_and_problems_by_me_too(client, member, other_member, staff, category):
    quiet = build_thread(member, category=category, kind="idea", title="A quiet idea here")
    loud = build_thread(member, category=category, kind="idea", title="A popular idea here")
    votes.vote_idea(other_member, thread=loud)
    votes.vote_idea(staff, thread=loud)
    votes.vote_idea(other_member, thread=quiet)

    assert listed(client.get(reverse("home"), {"filter": "ideas"})) == [loud.pk, quiet.pk]


def test_category_page_puts_pinned_first_and_includes_subcategories(client, member, moderator, category):
    child = build_category(name="Schedules", parent=category)
    old = build_thread(member, category=category, title="An older thread to pin")
    newer = build_thread(member, category=child, title="A newer thread in a child")
    moderation_threads.pin_thread(moderator, thread=old)

    response = client.get(url("category", slug=category.slug))

    assert listed(response) == [old.pk, newer.pk]


def test_unanswered_list_is_oldest_first(client, member, category):
    first = build_thread(member, category=category, title="The first unanswered question")
    second = build_thread(member, category=category, title="The second unanswered question")

    response = client.get(url("unanswered"))

    assert listed(response) == [first.pk, second.pk]


def test_list_query_count_is_constant(
    client, member, category, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(3):
            build_thread(member, category=category, title=f"Thread number {i} in the list")
    with django_assert_max_num_queries(8):
        client.get(reverse("home"))
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(30):
            build_thread(member, category=category, title=f"More thread number {i} in the list")
    with django_assert_max_num_queries(8):
        response = client.get(reverse("home"))
    assert len(listed(response)) == 25


def test_cached_list_changes_after_a_committed_write(client, member, category, django_capture_on_commit_callbacks):
    client.get(reverse("home"))

    with django_capture_on_commit_callbacks(execute=True):
        thread = build_thread(member, category=category, title="Written after the list was cached")

    assert listed(client.get(reverse("home"))) == [thread.pk]


def test_start_thread_flow(client, member, category):
    client.force_login(member)
    assert client.get(url("start_thread")).status_code == 200

    response = client.post(
        url("start_thread"),
        {"category": category.pk, "kind": "question", "title": "How do I reset my hub?", "body": "It's stuck."},
    )

    thread = Thread.objects.get()
    assert response.status_code == 302 and response["Location"] == thread.get_absolute_url()


def test_start_thread_errors_are_shown_on_the_form(client, member, category):
    client.force_login(member)

    response = client.post(
        url("start_thread"), {"category": category.pk, "kind": "question", "title": "short", "body": "hi @ghost"}
    )

    form = response.context["form"]
    assert "at least 8" in str(form.errors["title"])
    assert not Thread.objects.exists()


def test_staff_only_category_is_not_offered_to_members(client, member):
    news = build_category(name="News", who_can_start=Category.StartPolicy.STAFF)
    client.force_login(member)

    response = client.post(
        url("start_thread"), {"category": news.pk, "kind": "discussion", "title": "Can I post here?", "body": "x"}
    )

    assert "category" in response.context["form"].errors
    assert not Thread.objects.exists()


def test_reply_flow_and_errors(client, member, other_member, moderator, question):
    client.force_login(other_member)

    response = client.post(url("reply", pk=question.opening_post.pk), {"body": "Try this."})
    reply = Post.objects.get(thread=question, level=1)
    assert response["Location"].endswith(f"#post-{reply.pk}")

    response = client.post(url("reply", pk=question.opening_post.pk), {"body": "   "})
    assert response.status_code == 400

    moderation_threads.lock_thread(moderator, thread=question)
    response = client.post(url("reply", pk=question.opening_post.pk), {"body": "Still here?"})
    assert response.status_code == 400
    assert "locked" in response.content.decode()
    assert Post.objects.filter(thread=question).count() == 2


def test_visitors_are_sent_to_log_in(client, question, answer):
    for name, pk in [("reply", question.opening_post.pk), ("helpful", answer.pk), ("accept", answer.pk)]:
        response = client.post(url(name, pk=pk), {"body": "x"})
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("account_login")), name
    assert not HelpfulVote.objects.exists()


def test_stranger_accepting_gets_403_and_nothing_changes(client, other_member, question, answer):
    client.force_login(other_member)

    response = client.post(url("accept", pk=answer.pk))

    assert response.status_code == 403
    question.refresh_from_db()
    assert question.accepted_answer is None


def test_member_cannot_verify_set_status_or_moderate(client, member, other_member, question, answer):
    client.force_login(other_member)

    assert client.post(url("verify", pk=answer.pk)).status_code == 403
    assert client.post(f"/mod/threads/{question.pk}/act/", {"action": "lock"}).status_code == 403
    question.refresh_from_db()
    assert question.state == "open"


def test_asker_accepts_through_the_page(client, member, question, answer):
    client.force_login(member)

    response = client.post(url("accept", pk=answer.pk))

    assert response.status_code == 302
    question.refresh_from_db()
    assert question.accepted_answer == answer


def test_helpful_vote_via_htmx_returns_the_button(client, member, answer):
    client.force_login(member)

    response = client.post(url("helpful", pk=answer.pk), {"on": "1"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.content.decode()
    assert HelpfulVote.objects.filter(voter=member, post=answer).exists()
    again = client.post(url("helpful", pk=answer.pk), {"on": "1"}, headers={"HX-Request": "true"})
    assert again.status_code == 400
    assert HelpfulVote.objects.count() == 1


def test_voting_on_own_post_is_refused(client, other_member, answer):
    client.force_login(other_member)

    response = client.post(url("helpful", pk=answer.pk), {"on": "1"}, follow=True)

    assert "own post" in response.content.decode()
    assert not HelpfulVote.objects.exists()


def test_deleted_thread_is_404_for_members_but_visible_to_moderators(client, member, moderator, question):
    posts.delete_post(member, post=question.opening_post)

    assert client.get(question.get_absolute_url()).status_code == 404
    client.force_login(moderator)
    assert client.get(question.get_absolute_url()).status_code == 200


def test_edit_page_and_revisions(client, member, other_member, question):
    client.force_login(member)
    response = client.post(
        url("edit_post", pk=question.opening_post.pk), {"title": "A better title for this", "body": "New body"}
    )
    assert response.status_code == 302

    page = client.get(url("revisions", pk=question.opening_post.pk))
    assert page.status_code == 200
    assert "New body" in page.content.decode()

    client.force_login(other_member)
    assert client.get(url("edit_post", pk=question.opening_post.pk)).status_code == 403


def test_preview_renders_sanitised_markdown(client, member):
    client.force_login(member)

    response = client.post(url("preview"), {"body": "**bold** <script>alert(1)</script>"})

    html = response.content.decode()
    assert "<strong>bold</strong>" in html
    assert "<script>" not in html


def test_mention_suggestions(client, member, other_member):
    client.force_login(member)

    response = client.get(url("mentions"), {"q": "ol"})

    assert response.json() == {"members": [{"username": "olaf", "display_name": "Olaf Jensen"}]}


def test_attachment_upload_and_bad_file(client, member):
    from tests.accounts.test_profile import image_upload

    client.force_login(member)
    response = client.post(url("upload_attachment"), {"image": image_upload()})
    assert response.status_code == 201
    assert response.json()["markdown"].startswith("![image](/media/attachments/")

    response = client.post(url("upload_attachment"), {"image": image_upload(fmt="BMP", name="x.bmp")})
    assert response.status_code == 400
    assert "JPEG, PNG, GIF or WebP" in response.json()["errors"]["image"][0]["message"]


def test_follow_and_unfollow_thread(client, other_member, question):
    client.force_login(other_member)

    client.post(url("follow_thread", pk=question.pk), {"on": "1"})
    assert question.subscriptions.filter(user=other_member).exists()
    client.post(url("follow_thread", pk=question.pk), {"on": "0"})
    assert not question.subscriptions.filter(user=other_member).exists()


def test_idea_status_by_staff_through_the_page(client, member, staff, category):
    idea = build_thread(member, category=category, kind="idea", title="Add a sunrise scene")
    client.force_login(staff)

    client.post(url("set_status", pk=idea.pk), {"status": "planned", "note": "Spring!"})

    idea.refresh_from_db()
    assert idea.idea_status == "planned"


def test_build_reply_builder(member, question):
    assert build_reply(member, question.opening_post).level == 1


HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>"'


def test_hostile_titles_tags_and_names_are_inert_everywhere(client, member, other_member, category):
    from community.models import Tag
    from tests.builders import build_member
    from tests.test_security_headers import ScriptAudit

    mallory = build_member(username="mallory", display_name=HOSTILE)
    tag = Tag.objects.create(name=HOSTILE[:40], slug="hostile")
    thread = build_thread(mallory, category=category, title=f"Help {HOSTILE}", body="alert body", tags=[tag])
    build_reply(mallory, thread.opening_post, body="alert reply")

    pages = [
        thread.get_absolute_url(),
        reverse("home"),
        url("category", slug=category.slug),
        url("tag", slug="hostile"),
        reverse("search") + "?q=alert",
        reverse("recognition:profile", kwargs={"username": "mallory"}),
    ]
    for page in pages:
        html = client.get(page).content.decode()
        audit = ScriptAudit()
        audit.feed(html)
        assert audit.problems == [], page
        assert "&lt;script&gt;" in html, page
