import pytest


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Run an action and what it hands over after commit, as the relay and a worker would."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run
