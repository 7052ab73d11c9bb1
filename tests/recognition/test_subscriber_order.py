from community import events
from outbox import bus

THREAD_VERSIONS = "community.caching.thread_changed"


def _order(event_type) -> list[str]:
    return [subscriber.name for subscriber in bus.subscribers(event_type.__name__, in_transaction=True)]


def test_page_versions_are_bumped_before_points_are_written_whatever_the_app_order():
    """The thread's row is locked before the members' rows in every writing transaction."""
    for event_type, points in (
        (events.AnswerAccepted, "recognition.receivers.answer_accepted"),
        (events.AnswerUnaccepted, "recognition.receivers.answer_unaccepted"),
        (events.PostVoted, "recognition.receivers.post_voted"),
        (events.IdeaVoted, "recognition.receivers.idea_voted"),
        (events.StatusChanged, "recognition.receivers.status_changed"),
        (events.PostDeleted, "recognition.receivers.post_deleted"),
        (events.PostRestored, "recognition.receivers.post_restored"),
        (events.PostReviewed, "recognition.receivers.post_reviewed"),
    ):
        order = _order(event_type)
        assert order.index(THREAD_VERSIONS) < order.index(points), (event_type.__name__, order)
