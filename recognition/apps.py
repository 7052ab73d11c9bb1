from django.apps import AppConfig


class RecognitionConfig(AppConfig):
    name = "recognition"
    verbose_name = "Recognition"

    def ready(self):
        from recognition import awarding, receivers

        receivers.connect()
        receivers.connect_faq()
        awarding.connect()
