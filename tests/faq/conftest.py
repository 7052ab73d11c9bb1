import pytest

from community.services import posts as post_services
from faq.models import Section
from faq.roles import editors_group
from tests.builders import build_member


def build_editor(**fields):
    """A staff member in the "FAQ editors" group (faq migration 0002), as the admin makes one."""
    fields.setdefault("is_staff_member", True)
    user = build_member(**fields)
    user.groups.add(editors_group())
    return user


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
