from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        from community import caching
        from notifications import escalation, events, live, receivers
        from outbox import bus

        receivers.connect()
        live.connect()
        escalation.connect()
        bus.subscribe(events.UnreadChanged, caching.member_inbox_changed, in_transaction=True)
