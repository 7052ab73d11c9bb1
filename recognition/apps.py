from django.apps import AppConfig


class RecognitionConfig(AppConfig):
    name = "recognition"
    verbose_name = "Recognition"

    def ready(self):
        from community import caching
        from outbox import bus
        from recognition import awarding, events, receivers

        # In-transaction subscribers run in the order they subscribed, and recognition is listed
        # before community (its seed_demo must win). Lock order: a thread row before members' rows.
        # accept_answer locks the thread and then the ledger locks the answerer; a vote locks no
        # thread itself, and takes its row when caching bumps the thread's version. Were the
        # ledger to run first there, a vote would hold the answerer and wait for the thread while
        # an accept held the thread and waited for the answerer. Subscribing caching first (a
        # second subscription is a no-op) keeps the thread first, whatever INSTALLED_APPS says.
        caching.connect()
        receivers.connect()
        receivers.connect_faq()
        awarding.connect()
        # A member's profile shows their reputation, badges and standing.
        for event_type in (events.ReputationMoved, events.BadgeAwarded, events.StandingChanged):
            bus.subscribe(event_type, caching.member_profile_changed, in_transaction=True)
