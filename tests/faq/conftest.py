import pytest
from django.urls import NoReverseMatch, reverse


@pytest.fixture(autouse=True)
def _faq_pages(settings):
    """Article links need the FAQ's own pages; until faq.urls serves them, stand-ins do."""
    try:
        reverse("faq:article", kwargs={"section": "s", "slug": "a"})
    except NoReverseMatch:
        settings.ROOT_URLCONF = "tests.faq.urls"
