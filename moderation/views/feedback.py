"""Views still to be written raise 404."""

from django.http import Http404


def conversations(request, *args, **kwargs):
    raise Http404


def start(request, *args, **kwargs):
    raise Http404


def conversation(request, *args, **kwargs):
    raise Http404


def inbox(request, *args, **kwargs):
    raise Http404
