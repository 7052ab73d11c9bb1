import pytest
from django.core.exceptions import ValidationError
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.text import slugify

from faq.models import RESERVED_SECTION_SLUGS, Section


def first_segments(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from first_segments(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and route.startswith("faq/"):
            segment = route.removeprefix("faq/").split("/")[0]
            # A segment no slug can spell (sitemap.xml) can't be taken by a section.
            if segment and "<" not in segment and slugify(segment) == segment:
                yield segment


def test_every_page_of_the_faqs_own_is_a_reserved_section_slug():
    assert set(first_segments(get_resolver().url_patterns)) == RESERVED_SECTION_SLUGS


@pytest.mark.parametrize("slug", sorted(RESERVED_SECTION_SLUGS))
def test_a_section_cant_take_the_address_of_an_faq_page(slug):
    with pytest.raises(ValidationError) as refused:
        Section(name="Candidates", slug=slug).full_clean()
    assert "slug" in refused.value.message_dict


@pytest.mark.django_db
def test_any_other_slug_is_a_section():
    Section(name="Pairing", slug="pairing").full_clean()
