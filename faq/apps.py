from django.apps import AppConfig


class FaqConfig(AppConfig):
    name = "faq"
    verbose_name = "FAQ"

    def ready(self):
        from community import caching
        from faq import events, signal_receivers
        from outbox import bus

        # The pages that show an article (its own, the FAQ's lists, its source thread's banner)
        # or name a section move to new versions in the writing transaction, through the one
        # module that keeps them.
        for event_type in (events.ArticleChanged, events.ArticlePublished):
            bus.subscribe(event_type, caching.article_changed, in_transaction=True)
        bus.subscribe(events.SectionChanged, caching.faq_section_changed, in_transaction=True)
        signal_receivers.connect()
