"""How other apps add to community's pages and reads, which never import them: settings name their functions."""

import functools

from django.conf import settings
from django.utils.module_loading import import_string


@functools.cache
def providers(setting: str) -> list:
    """The functions a setting names (imported once per process)."""
    return [import_string(path) for path in getattr(settings, setting)]
