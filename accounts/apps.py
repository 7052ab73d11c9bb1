from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from django.core import checks

        from config.site import check_site_url, sync_site

        # allauth names the site and builds links in its mail from the Sites
        # framework's row, which would otherwise say example.com.
        post_migrate.connect(sync_site, sender=self)
        checks.register(check_site_url, checks.Tags.sites, deploy=True)
