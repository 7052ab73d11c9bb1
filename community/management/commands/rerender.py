from django.core.management.base import BaseCommand

from community import caching
from community.models import Post, StatusChange
from community.rendering import render_markdown

CHUNK = 500


class Command(BaseCommand):
    help = "Render every stored post and status note again, after the Markdown or sanitiser policy changed."

    def handle(self, *args, **options):
        changed = 0
        for model, source, target in ((Post, "body", "body_html"), (StatusChange, "note", "note_html")):
            last = 0
            while batch := list(
                model.objects.filter(pk__gt=last).order_by("pk").values_list("pk", source, target)[:CHUNK]
            ):
                updates = []
                for pk, text, html in batch:
                    fresh = render_markdown(text).html if text else ""
                    if fresh != html:
                        updates.append(model(pk=pk, **{target: fresh}))
                model.objects.bulk_update(updates, [target])
                changed += len(updates)
                last = batch[-1][0]
        # Cached pages key on these versions, so none keeps serving the old HTML.
        caching.everything_changed()
        self.stdout.write(self.style.SUCCESS(f"Re-rendered {changed} stored texts."))
