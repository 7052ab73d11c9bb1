import pytest

from community.services import posts as post_services
from faq.models import Section
from tests.faq.builders import build_editor


@pytest.fixture
def editor(db):
    return build_editor(username="edith", display_name="Edith Editor")


@pytest.fixture
def section(db):
    return Section.objects.create(name="Pairing and setup", slug="pairing")


@pytest.fixture
def accepted(member, question, answer):
    """The asker accepted `answer` (by other_member)."""
    post_services.accept_answer(member, post=answer)
    answer.refresh_from_db()
    return answer
