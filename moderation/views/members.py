"""Views still to be written raise 404."""

from django.http import Http404


def member(request, *args, **kwargs):
    raise Http404


def sanction(request, *args, **kwargs):
    raise Http404


def add_note(request, *args, **kwargs):
    raise Http404


def purge(request, *args, **kwargs):
    raise Http404


def unpurge(request, *args, **kwargs):
    raise Http404


def lift(request, *args, **kwargs):
    raise Http404
