import pytest


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Run an action and what it hands over after commit, as the relay and a worker would."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


@pytest.fixture
def services_up():
    """PostgreSQL and Redis, or a skip (a failure under CI=true, for tests marked integration)."""
    from tests.services import require_services

    require_services()


@pytest.fixture(autouse=True)
def quiet_badges(settings):
    """Badges and ranks earned along the way (a first answer) would join every list these tests compare;
    test_faq_and_badges.py and test_ranks.py, which are about them, choose for themselves."""
    quiet = {"in_app": False, "email": False}
    settings.NOTIFICATION_DEFAULTS = {**settings.NOTIFICATION_DEFAULTS, "badge": quiet, "rank": quiet}
