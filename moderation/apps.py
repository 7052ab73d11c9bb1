from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation"

    def ready(self):
        from community.events import event_published
        from moderation import receivers

        event_published.connect(receivers.on_event, dispatch_uid="moderation.receivers")
