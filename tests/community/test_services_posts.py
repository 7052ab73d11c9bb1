import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from community.models import Post, PostRevision, Thread
from community.services import posts
from moderation.services import posts as moderation_posts
from moderation.services import threads as moderation_threads
from tests.builders import build_reply, build_thread

pytestmark = pytest.mark.django_db


def test_replies_nest_under_their_parent(member, other_member, question):
    top = build_reply(other_member, question.opening_post)
    child = build_reply(member, top, body="That didn't work.")
    grandchild = build_reply(other_member, child, body="Then reset the hub.")

    root = Post.objects.get(pk=question.opening_post.pk)
    assert [p.pk for p in root.get_descendants()] == [top.pk, child.pk, grandchild.pk]
    assert (top.level, child.level, grandchild.level) == (1, 2, 3)
    assert (top.branch_id, child.branch_id, grandchild.branch_id) == (None, top.pk, top.pk)
    question.refresh_from_db()
    assert question.reply_count == 3
    assert question.last_poster == other_member


def test_reply_to_locked_thread_is_refused(member, other_member, moderator, question):
    moderation_threads.lock_thread(moderator, thread=question)

    with pytest.raises(PermissionDenied, match="locked"):
        build_reply(other_member, question.opening_post)
    assert build_reply(moderator, question.opening_post).pk
    assert Post.objects.filter(thread=question).count() == 2


def test_reply_to_closed_thread_is_refused(other_member, moderator, question):
    moderation_threads.close_thread(moderator, thread=question)

    with pytest.raises(PermissionDenied, match="closed"):
        build_reply(other_member, question.opening_post)


def test_reply_to_deleted_post_or_thread_is_refused(member, other_member, question, answer):
    posts.delete_post(other_member, post=answer)
    with pytest.raises(ValidationError, match="removed"):
        build_reply(member, answer)

    posts.delete_post(member, post=question.opening_post)
    with pytest.raises(PermissionDenied, match="removed"):
        build_reply(other_member, question.opening_post)


def test_empty_reply_is_refused(other_member, question):
    with pytest.raises(ValidationError):
        build_reply(other_member, question.opening_post, body="  \n ")
    assert Post.objects.filter(thread=question).count() == 1


def test_asker_accepts_changes_and_undoes_answer(member, other_member, staff, question, answer):
    second = build_reply(staff, question.opening_post, body="Official: reset it.")

    posts.accept_answer(member, post=answer)
    question.refresh_from_db()
    assert question.accepted_answer == answer and question.is_answered

    posts.accept_answer(member, post=second)
    question.refresh_from_db()
    assert question.accepted_answer == second

    posts.unaccept_answer(member, thread=question)
    question.refresh_from_db()
    assert question.accepted_answer is None


def test_staff_can_accept_in_anyones_question(staff, question, answer):
    posts.accept_answer(staff, post=answer)

    question.refresh_from_db()
    assert question.accepted_answer == answer


def test_stranger_cannot_accept_in_someone_elses_question(other_member, question, answer):
    with pytest.raises(PermissionDenied):
        posts.accept_answer(other_member, post=answer)
    question.refresh_from_db()
    assert question.accepted_answer is None


def test_accepting_in_a_non_question_is_refused(member, other_member, category):
    idea = build_thread(member, category=category, kind="idea", title="Add a sunrise scene")
    reply = build_reply(other_member, idea.opening_post)

    with pytest.raises(ValidationError, match="Only questions"):
        posts.accept_answer(member, post=reply)


def test_question_cannot_be_its_own_answer(member, question):
    with pytest.raises(ValidationError):
        posts.accept_answer(member, post=question.opening_post)


def test_staff_verify_answer_and_thread_shows_it(member, staff, question, answer):
    with pytest.raises(PermissionDenied):
        posts.verify_answer(member, post=answer)

    posts.verify_answer(staff, post=answer)
    answer.refresh_from_db()
    question.refresh_from_db()
    assert answer.is_verified and answer.verified_by == staff and question.has_team_verified

    posts.verify_answer(staff, post=answer, verified=False)
    question.refresh_from_db()
    assert not question.has_team_verified


def test_accepted_and_verified_can_coexist(member, staff, question, answer):
    posts.accept_answer(member, post=answer)
    posts.verify_answer(staff, post=answer)

    question.refresh_from_db()
    assert question.is_answered and question.has_team_verified


def test_edit_keeps_revisions_and_renames_thread(member, question):
    posts.edit_post(member, post=question.opening_post, body="Updated body", title="How do I pair bulbs at all?")
    posts.edit_post(member, post=question.opening_post, body="Updated again")

    post = Post.objects.get(pk=question.opening_post.pk)
    assert post.body == "Updated again" and post.revision_count == 2 and post.edited_at
    revisions = list(PostRevision.objects.filter(post=post).order_by("number"))
    assert [(r.number, r.body) for r in revisions] == [(1, "It won't pair."), (2, "Updated body")]
    assert revisions[0].title == "How do I pair a new bulb?"
    thread = Thread.objects.get(pk=question.pk)
    assert thread.title == "How do I pair bulbs at all?" and thread.slug == "how-do-i-pair-bulbs-at-all"


def test_stranger_cannot_edit_or_delete(other_member, question):
    with pytest.raises(PermissionDenied):
        posts.edit_post(other_member, post=question.opening_post, body="Vandalised")
    with pytest.raises(PermissionDenied):
        posts.delete_post(other_member, post=question.opening_post)
    assert Post.objects.get(pk=question.opening_post.pk).body == "It won't pair."


def test_moderator_can_edit_others_through_moderation(moderator, question):
    with pytest.raises(PermissionDenied):
        posts.edit_post(moderator, post=question.opening_post, body="Tidied up")
    moderation_posts.edit_post(moderator, post=question.opening_post, body="Tidied up")

    assert Post.objects.get(pk=question.opening_post.pk).body == "Tidied up"


def test_soft_delete_keeps_tree_and_fixes_counters(member, other_member, question, answer):
    child = build_reply(member, answer)
    posts.accept_answer(member, post=answer)

    posts.delete_post(other_member, post=answer)

    answer.refresh_from_db()
    question.refresh_from_db()
    assert answer.is_deleted and answer.deleted_by == other_member
    assert Post.objects.get(pk=child.pk).parent_id == answer.pk
    assert question.accepted_answer is None
    assert question.reply_count == 1


def test_unknown_mention_in_reply_is_refused(other_member, question):
    with pytest.raises(ValidationError, match="@ghost"):
        build_reply(other_member, question.opening_post, body="ask @ghost")


def test_a_post_keeps_the_words_it_shows_beside_its_html_through_every_edit(member, moderator, question):
    reply = build_reply(
        member, question.opening_post, body="Hold **reset** for `10 s`, then [pair](https://example.com/p)."
    )
    assert Post.objects.get(pk=reply.pk).body_text == "Hold reset for 10 s, then pair."

    posts.edit_post(member, post=reply, body="# Fixed\n\nIt was the *hub*.")
    assert Post.objects.get(pk=reply.pk).body_text == "Fixed It was the hub."
    moderation_posts.edit_post(moderator, post=Post.objects.get(pk=reply.pk), body="Tidied > up", reason="Tidy")
    assert Post.objects.get(pk=reply.pk).body_text == "Tidied > up"
