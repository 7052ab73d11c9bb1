"""The signed-in member is loaded when first asked for, and then held by the request as themselves."""

import pytest
from django.contrib.auth import login
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.functional import SimpleLazyObject

from config.middleware import AuthenticationMiddleware

pytestmark = pytest.mark.django_db


def signed_in_request(member):
    request = RequestFactory().get("/")
    SessionMiddleware(lambda request: HttpResponse()).process_request(request)
    request.user = AnonymousUser()
    login(request, member, backend="accounts.backends.AuthenticationBackend")
    return request


def test_the_member_is_held_as_themselves_once_loaded(member):
    request = signed_in_request(member)
    AuthenticationMiddleware(lambda request: HttpResponse()).process_request(request)

    assert isinstance(request.user, SimpleLazyObject)
    assert request.user.is_authenticated
    assert type(request.user) is type(member)
    assert request.user.pk == member.pk


def test_a_request_that_never_asks_loads_no_member(member, django_assert_num_queries):
    request = signed_in_request(member)

    with django_assert_num_queries(0):
        AuthenticationMiddleware(lambda request: HttpResponse()).process_request(request)

    assert not hasattr(request, "_cached_user")


def test_a_visitor_is_held_as_anonymous(client):
    request = RequestFactory().get("/")
    SessionMiddleware(lambda request: HttpResponse()).process_request(request)
    AuthenticationMiddleware(lambda request: HttpResponse()).process_request(request)

    assert not request.user.is_authenticated
    assert isinstance(request.user, AnonymousUser)
