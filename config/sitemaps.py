"""What every sitemap shares: its links name the site as SITE_URL does, whatever host or scheme the crawler used.

(The sitemap index takes the host from the Sites framework, which `config.site.sync_site` keeps at SITE_URL's.)
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap


class SiteSitemap(Sitemap):
    @property
    def protocol(self):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc
