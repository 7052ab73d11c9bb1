"""What the FAQ's signals learn from community events (connected in faq.apps)."""

from community import events
from faq.models import SourcePost
from faq.services import signals
from outbox import bus


def connect() -> None:
    bus.subscribe(events.PostEdited, on_post_edited)


def on_post_edited(event: events.PostEdited) -> None:
    """An edit to a post an article was built from is queued for the FAQ's editors."""
    for source in SourcePost.objects.filter(post_id=event.post_id):
        signals.note_source_change(source)
