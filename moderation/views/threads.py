"""Views still to be written raise 404."""

from django.http import Http404


def tools(request, *args, **kwargs):
    raise Http404


def act(request, *args, **kwargs):
    raise Http404
