"""Our middleware: form posts whose text is not valid UTF-8 are refused, not stored garbled;
and authentication that hands the view the member itself (AuthenticationMiddleware).

Django never refuses them itself: it reads a url-encoded body that isn't UTF-8
as Latin-1, decodes percent-escapes and multipart fields with errors="replace",
and the form then saves mojibake or U+FFFD in place of what the member wrote.
"""

import codecs
from functools import partial
from urllib.parse import unquote_to_bytes

from django.contrib.auth import middleware as auth_middleware
from django.http import HttpResponseBadRequest, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.utils.functional import SimpleLazyObject

INVALID_UTF8 = (
    "The form contained text that is not valid UTF-8, so nothing was saved. "
    "Copy the text again from where it came from, or type it, and send the form again."
)
WITH_BODY = {"POST", "PUT", "PATCH"}


def form_is_utf8(request) -> bool:
    """Whether every field of a form post decodes as UTF-8; other bodies are not this check's business."""
    if request.encoding and codecs.lookup(request.encoding).name != "utf-8":
        # The sender named another charset, which Django decodes with.
        return True
    if request.content_type == "application/x-www-form-urlencoded":
        # Separators are ASCII, so the fields all decode exactly when the whole body does.
        try:
            unquote_to_bytes(request.body).decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True
    if request.content_type == "multipart/form-data":
        # The raw field bytes are gone once Django has parsed them; what is
        # left of an invalid sequence is the replacement character.
        try:
            fields = request.POST.lists()
        except (MultiPartParserError, UnreadablePostError):
            return True  # a broken body is Django's to refuse, as before
        return not any("\ufffd" in name or any("\ufffd" in value for value in values) for name, values in fields)
    return True


class RefuseInvalidUtf8Forms:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in WITH_BODY and not form_is_utf8(request):
            return HttpResponseBadRequest(INVALID_UTF8, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, except that once the member is loaded, `request.user` is the member itself.

    Django leaves a lazy proxy there for the whole request, and a member's page
    reads the user through it hundreds of times (templates, permission checks),
    each read a few function calls. The user is still loaded only when first
    asked for, so a request that never asks (a static file, the health check)
    pays nothing for it.
    """

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(partial(_load_user, request))


def _load_user(request):
    user = auth_middleware.get_user(request)
    # Later reads get the user without the proxy; what already holds the proxy keeps working through it.
    request.user = user
    return user
