"""A URLconf without the community's addresses, for tests/test_paths.py."""

from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("", lambda request: HttpResponse("ok"), name="home")]
