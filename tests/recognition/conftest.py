import pytest

from recognition.views import shared


@pytest.fixture
def a_minute_later(monkeypatch):
    """Moves the clock of the pages about people on by their cache's lifetime, each call."""
    real = shared.clock
    minutes = 0

    def advance():
        nonlocal minutes
        minutes += 1
        # From the real clock at each reading, so a minute turning during the test can't undo the move.
        monkeypatch.setattr(shared, "clock", lambda: real() + minutes * shared.PEOPLE_SECONDS)

    return advance
