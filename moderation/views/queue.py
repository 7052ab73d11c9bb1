"""Views still to be written raise 404."""

from django.http import Http404


def queue(request, *args, **kwargs):
    raise Http404


def item(request, *args, **kwargs):
    raise Http404


def claim(request, *args, **kwargs):
    raise Http404


def act(request, *args, **kwargs):
    raise Http404


def bulk(request, *args, **kwargs):
    raise Http404


def flag(request, *args, **kwargs):
    raise Http404


def my_flags(request, *args, **kwargs):
    raise Http404
