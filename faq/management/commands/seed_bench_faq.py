"""FAQ sections and articles for the `seed_bench` community, so `make bench` measures the FAQ's pages.

Articles are promoted from the bench's answered questions through
faq.services.articles, as an editor would (each writes its audit entry),
then published, which earns their authors points; one in ten is
members-only. Running it again when the bench's FAQ exists does nothing;
`--remove` takes the articles and sections away (their audit entries and
points stay, as the append-only log and ledger require), which `seed_bench
--force` needs first, since articles credit the bench's members.
"""

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from accounts.services import create_member
from community.management.commands.seed_bench import CATEGORY_PREFIX
from community.models import Review, Thread
from faq.events import SectionChanged
from faq.models import Article, Section, Visibility
from faq.roles import editors_group
from faq.services import articles as article_services
from outbox import bus

SECTION_PREFIX = "bench-faq-"
EDITOR = "bench-faq-editor"
SECTIONS = ("Setup", "Hubs", "Apps", "Troubleshooting", "Accounts")
ARTICLES = 100


def bench_sections():
    return Section.objects.filter(slug__startswith=SECTION_PREFIX)


def busiest_article() -> Article | None:
    """The public article the bench loads: the first of the first section."""
    return (
        Article.objects.filter(section__slug__startswith=SECTION_PREFIX, visibility=Visibility.PUBLIC)
        .select_related("section")
        .order_by("pk")
        .first()
    )


class Command(BaseCommand):
    help = "Promote FAQ articles from the bench community's answered questions."

    def add_arguments(self, parser):
        parser.add_argument("--articles", dest="count", type=int, default=ARTICLES)
        parser.add_argument("--remove", action="store_true", help="Remove the bench's FAQ articles and sections.")

    def handle(self, *args, count: int, remove: bool, **options):
        if remove:
            with transaction.atomic():
                sections = list(bench_sections().values_list("pk", flat=True))
                removed, _ = Article.objects.filter(section__in=sections).delete()
                bench_sections().delete()
                # The pages that showed them learn of it as of any section removed.
                for pk in sections:
                    bus.publish(SectionChanged(section_id=pk))
            self.stdout.write(f"Removed {removed} bench FAQ rows.")
            return
        if bench_sections().exists():
            self.stdout.write("The bench FAQ is already present; nothing to do.")
            return
        started = time.monotonic()
        editor = User.objects.filter(username=EDITOR).first() or create_member(
            username=EDITOR, email=f"{EDITOR}@example.com", display_name="FAQ Editor", is_staff_member=True
        )
        editor.groups.add(editors_group())
        editor = User.objects.get(pk=editor.pk)  # a fresh row: permissions are cached on the instance
        sections = [
            Section.objects.create(name=name, slug=f"{SECTION_PREFIX}{name.lower()}", position=n)
            for n, name in enumerate(SECTIONS)
        ]
        answered = Thread.objects.filter(
            category__slug__startswith=CATEGORY_PREFIX,
            accepted_answer__isnull=False,
            accepted_answer__is_deleted=False,
            accepted_answer__review=Review.PUBLISHED,
            is_deleted=False,
            review=Review.PUBLISHED,
        ).order_by("pk")[:count]
        made = 0
        for n, thread in enumerate(answered):
            with transaction.atomic():
                article = article_services.promote(
                    editor,
                    thread=thread,
                    section=sections[n % len(sections)],
                    summary=f"How the community answered “{thread.title}”.",
                    visibility=Visibility.MEMBERS if n % 10 == 3 else Visibility.PUBLIC,
                )
                article_services.publish(editor, article)
            made += 1
        self.stdout.write(f"Promoted {made} bench FAQ articles in {time.monotonic() - started:.1f} s.")
