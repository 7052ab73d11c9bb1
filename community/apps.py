from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = "Community"

    def ready(self):
        from django.core import checks
        from django.db.models.signals import post_delete, post_save

        from community import caching
        from community.checks import check_personal_regions
        from community.models import Synonym
        from community.search import forget_synonyms

        caching.connect()
        checks.register(check_personal_regions, checks.Tags.templates)

        # Staff edit synonyms in the admin; searches then see the new list at once.
        post_save.connect(forget_synonyms, sender=Synonym, dispatch_uid="synonyms-saved")
        post_delete.connect(forget_synonyms, sender=Synonym, dispatch_uid="synonyms-deleted")
