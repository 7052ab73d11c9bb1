from django.db import transaction

from accounts.models import User
from community.models import Post, Review, Thread
from faq import candidates
from faq.models import Article, Section, SourcePost, Visibility
from faq.roles import editors_group
from faq.services import articles
from recognition import awarding

# The command this one extends: the next app after faq in INSTALLED_APPS that has a seed_demo.
from recognition.management.commands import seed_demo as extended

EDITOR = "tess"
SECTIONS = (
    ("Getting started", "getting-started", "Setting up the hub, pairing lights and the first scenes."),
    ("Troubleshooting", "troubleshooting", "When something stops working, start here."),
    ("For the team", "for-the-team", "Internal notes for staff: how we handle recurring cases."),
)


class Command(extended.Command):
    """The demo data of the apps before it, plus an FAQ promoted from the demo's answered questions."""

    def handle(self, *args, **options):
        super().handle(*args, **options)
        with transaction.atomic():
            editor = User.objects.get(username=EDITOR)
            editor.groups.add(editors_group())
            sections = {
                slug: Section.objects.get_or_create(
                    slug=slug, defaults={"name": name, "description": description, "position": n}
                )[0]
                for n, (name, slug, description) in enumerate(SECTIONS)
            }
            if not Article.objects.exists():
                self._articles(editor, sections)
                # The FAQ badge follows the promotions, as the awarding task would after their events.
                awarding.check_badges(SourcePost.objects.values_list("author_id", flat=True).distinct())
        # The editors' queue of threads worth promoting, as beat would fill it.
        candidates.refresh_candidates()
        self.stdout.write(
            "  and an FAQ promoted from answered questions, one article internal to the team, and its candidates."
        )

    def _articles(self, editor, sections):
        live = {"is_deleted": False, "review": Review.PUBLISHED}
        replies = Post.objects.filter(parent__isnull=False, **live).order_by("-helpful_count", "pk")
        # The answered questions first (their accepted answer), then the busiest threads' most helpful reply.
        chosen: list[tuple[Thread, list[Post]]] = [
            (thread, []) for thread in Thread.objects.filter(accepted_answer__isnull=False, **live).order_by("pk")[:2]
        ]
        for thread in Thread.objects.filter(accepted_answer__isnull=True, **live).order_by("-reply_count", "pk"):
            if len(chosen) >= 4:
                break
            best = replies.filter(thread=thread).first()
            if best is not None:
                chosen.append((thread, [best]))
        public = ("getting-started", "troubleshooting")
        for n, (thread, posts) in enumerate(chosen[:3]):
            article = articles.promote(
                editor,
                posts=posts,
                thread=thread,
                section=sections[public[n % 2]],
                summary=f"What the community found about “{thread.title}”.",
            )
            articles.publish(editor, article)
        # The team's own note, readable by staff only.
        if len(chosen) > 3:
            thread, posts = chosen[3]
            internal = articles.promote(
                editor,
                posts=posts,
                thread=thread,
                section=sections["for-the-team"],
                question=f"How we answer: {thread.title}",
                visibility=Visibility.STAFF,
            )
            articles.publish(editor, internal)
