from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation"

    def ready(self):
        from community import caching
        from moderation import events, receivers
        from outbox import bus

        receivers.connect()
        # A banned member has no profile; a sanction may change what it shows.
        for event_type in (events.MemberBanned, events.MemberSanctioned):
            bus.subscribe(event_type, caching.member_profile_changed, in_transaction=True)
