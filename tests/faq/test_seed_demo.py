import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from faq.candidates import candidate_queue
from faq.models import Article, Candidate, SourcePost, Visibility
from faq.permissions import can_edit_articles

pytestmark = pytest.mark.django_db


def test_seed_demo_promotes_published_articles_one_internal_and_is_idempotent(client):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    counts = (Article.objects.count(), SourcePost.objects.count(), Candidate.objects.count())
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert (Article.objects.count(), SourcePost.objects.count(), Candidate.objects.count()) == counts
    assert Article.objects.filter(status="published", visibility=Visibility.PUBLIC).count() >= 2
    internal = Article.objects.get(visibility=Visibility.STAFF)
    assert can_edit_articles(User.objects.get(username="tess"))
    assert internal.sources.exists()
    home = client.get(reverse("faq:home")).content.decode()
    assert internal.question not in home
    assert Article.objects.filter(visibility=Visibility.PUBLIC).first().question in home


def test_seed_demo_fills_the_editors_candidate_queue_with_answered_threads_not_yet_promoted():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    queue = list(candidate_queue())
    assert queue
    promoted = set(Article.objects.values_list("source_thread_id", flat=True))
    assert all(candidate.thread_id not in promoted for candidate in queue)
    assert all(candidate.has_accepted_answer for candidate in queue)
