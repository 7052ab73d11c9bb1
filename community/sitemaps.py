"""What search engines may list of the community: the threads a visitor may read.

A crawler is a visitor, so `community.permissions` decides what it sees, as
it does for every other surface: held, removed and merged threads never appear.
"""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Max

from community import permissions
from community.models import Thread
from config.sitemaps import SiteSitemap


class ThreadSitemap(SiteSitemap):
    changefreq = "daily"
    # Well under the protocol's 50,000, so a page of it stays quick to build.
    limit = 5_000

    def items(self):
        threads = Thread.objects.only("pk", "slug", "last_activity_at").order_by("pk")
        return permissions.visible_threads(AnonymousUser(), threads)

    def lastmod(self, thread):
        return thread.last_activity_at

    def get_latest_lastmod(self):
        # For the index: one aggregate, where Django's default would load every thread.
        return self.items().aggregate(latest=Max("last_activity_at"))["latest"]
