"""Views still to be written raise 404."""

from django.http import Http404


def log(request, *args, **kwargs):
    raise Http404


def moderators(request, *args, **kwargs):
    raise Http404
