"""A prepared query answers what its queryset would, for any arguments, on the database the suite runs on."""

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef
from django.test.utils import CaptureQueriesContext

from community.models import Post, Thread
from config.prepared import PreparedValues
from tests.builders import build_reply, build_thread

pytestmark = pytest.mark.django_db

FIELDS = ("id", "title", "created_at", "is_pinned", "category__name", "author__username")


def threads_by(pk):
    return Thread.objects.filter(pk=pk).values(*FIELDS)


def test_it_answers_as_its_queryset_for_each_new_argument(member, category):
    first = build_thread(member, category=category)
    second = build_thread(member, category=category, title="Another question entirely")
    prepared = PreparedValues(threads_by)

    for thread in (first, second, first):
        assert prepared(thread.pk) == list(threads_by(thread.pk))
    assert prepared(-1) == []
    # Dates and booleans come back as Python values on every database, as the ORM gives them.
    assert prepared(first.pk)[0]["created_at"] == first.created_at
    assert prepared(first.pk)[0]["is_pinned"] is False


def test_the_sql_is_built_once_and_each_call_is_one_query(member, category):
    thread = build_thread(member, category=category)
    prepared = PreparedValues(threads_by)
    built = []
    prepared._build = lambda pk: built.append(pk) or threads_by(pk)

    for _ in range(3):
        with CaptureQueriesContext(connection) as captured:
            prepared(thread.pk)
        assert len(captured) == 1
    assert len(built) == 1


def test_several_arguments_and_empty_places_in_a_list(member, category):
    thread = build_thread(member, category=category)
    reply = build_reply(member, thread.opening_post, body="A reply")
    prepared = PreparedValues(lambda *pks: Post.objects.filter(pk__in=pks).order_by("pk").values("id", "body"), 3)

    opening = thread.opening_post_id
    assert [row["id"] for row in prepared(opening, reply.pk, None)] == [opening, reply.pk]
    assert [row["id"] for row in prepared(reply.pk, None, None)] == [reply.pk]
    assert prepared(None, None, None) == []


def test_text_arguments_and_annotations_in_the_order_values_names_them(member, other_member, category):
    from community.models import Category, Subscription

    Subscription.objects.create(user=member, category=category)

    def categories(slug, user_id):
        following = Exists(Subscription.objects.filter(user_id=user_id, category=OuterRef("pk")))
        return Category.objects.filter(slug=slug).annotate(following=following).values("following", "id", "name")

    prepared = PreparedValues(categories, arity=2)

    for user in (member, other_member):
        assert prepared(category.slug, user.pk) == list(categories(category.slug, user.pk))
    assert prepared(category.slug, member.pk)[0]["following"] is True
    assert prepared(category.slug, other_member.pk)[0]["following"] is False
    assert prepared("no-such-category", member.pk) == []


def test_a_query_it_cannot_replay_is_refused_when_first_used():
    models = PreparedValues(lambda pk: Thread.objects.filter(pk=pk))
    with pytest.raises(ValueError, match="values"):
        models(1)
    # A marker turned into something else (here a string) cannot be found again in the parameters.
    transformed = PreparedValues(lambda pk: Thread.objects.filter(title=f"#{pk}").values("id"))
    with pytest.raises(ValueError, match="every marker"):
        transformed(1)


def test_rows_read_in_binary_are_the_values_the_orm_reads(member, category):
    """On PostgreSQL, reads of numbers, text, times and JSON come in the binary format (nothing to format and
    parse); a column of any other type, a post's search vector here, keeps the whole read in text."""
    from accounts.models import User

    member.moderated_categories = [category.pk, 7]
    member.save(update_fields=["moderated_categories"])
    thread = build_thread(member, category=category)
    binary = connection.vendor == "postgresql"

    def members(pk):
        return User.objects.filter(pk=pk).values("id", "username", "moderated_categories", "date_joined", "is_active")

    def posts(pk):
        return Post.objects.filter(pk=pk).values("id", "created_at", "search_vector")

    for build, pk, in_binary in ((members, member.pk, binary), (posts, thread.opening_post_id, False)):
        prepared = PreparedValues(build)
        read, expected_rows = prepared(pk), list(build(pk))
        assert prepared._compiled[connection.alias][-1] is in_binary
        assert read == expected_rows
        for name, value in read[0].items():
            expected = expected_rows[0][name]
            assert type(value) is type(expected), name
            if hasattr(value, "tzinfo"):
                assert value.tzinfo == expected.tzinfo, name
    assert PreparedValues(members)(member.pk)[0]["moderated_categories"] == [category.pk, 7]
