"""The FAQ's articles a visitor may read, for search engines (`faq.permissions` decides which)."""

from django.contrib.auth.models import AnonymousUser

from config.sitemaps import SiteSitemap
from faq import permissions


class ArticleSitemap(SiteSitemap):
    changefreq = "weekly"
    # Answers the team stands behind: ahead of the threads they came from.
    priority = 0.8

    def items(self):
        return permissions.visible_articles(AnonymousUser()).select_related("section").order_by("pk")

    def lastmod(self, article):
        return article.updated_at
