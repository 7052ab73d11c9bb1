import hashlib
import math
import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core.internal import ratelimit
from django.contrib.sites.shortcuts import get_current_site
from django.core.cache import cache
from django.core.exceptions import ValidationError

from outbox import mail


class SignInLockedOut(ValidationError):
    """Too many failed sign-ins; `retry_after` says in how many seconds the member may try again."""

    def __init__(self, retry_after: int):
        super().__init__(
            "Too many failed sign-ins. Try again in %(wait)s.",
            code="too_many_login_attempts",
            params={"wait": _wait_text(retry_after)},
        )
        self.retry_after = retry_after


def _wait_text(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        """Account email (verification, password reset) goes out through the outbox, as notifications do.

        It is queued in the sign-up's own transaction, so a rolled-back sign-up
        never mails a link to an account that does not exist, and a broker that
        is away when it commits delays the mail instead of losing it (the
        outbox's sweep sends it later). It is about the account, not news the
        member chose, so it is sent whatever their notification settings and
        carries no unsubscribe link. Its Message-ID is made of what it is (the
        template, the address and the one-time link in its text), so the same
        mail handed over twice is one message to the reader.
        """
        # What allauth's own send_mail adds: its templates name the site from current_site.
        request = allauth_context.request
        context = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        message = self.render_mail(template_prefix, email, context)
        html = next((content for content, mimetype in message.alternatives if mimetype == "text/html"), None)
        key = hashlib.sha256("\0".join((template_prefix, email, message.body)).encode()).hexdigest()[:40]
        mail.queue_mail(
            message_id=mail.message_id(f"{key}.account"),
            subject=message.subject,
            body=message.body,
            to=list(message.to),
            from_email=message.from_email or "",
            html=html,
        )

    def _get_login_attempts_cache_key(self, request, **credentials):
        """The `key` of the `login_failed` rate limit: the account and the address trying it.

        allauth keys it by the account alone, so anyone who knows a member's
        email could lock them out with a few wrong passwords. With the address
        in the key, only the address guessing is locked out; the per-IP rate of
        `login_failed` still bounds guessing across all accounts. allauth's
        maintainer suggests overriding this method for exactly this
        (pennersr/django-allauth#3584).
        """
        return f"{super()._get_login_attempts_cache_key(request, **credentials)}:{ratelimit.get_ip(request)}"

    def pre_authenticate(self, request, **credentials):
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError as refused:
            raise SignInLockedOut(self._login_retry_after(request, **credentials)) from refused

    def _login_retry_after(self, request, **credentials) -> int:
        """Seconds until every `login_failed` rate has room for another attempt by these credentials.

        allauth keeps each rate's attempts in the cache, newest first; a rate
        has room again once its amount-th newest attempt leaves the window.
        """
        where = {"app": "allauth.account", "action": "login_failed"}
        key = self._get_login_attempts_cache_key(request, **credentials)
        now = time.time()
        wait = 0.0
        for rate in ratelimit.get_rates(**where):
            cache_key = ratelimit.get_cache_key(request, rate=rate, key=key, **where)
            live = [stamp for stamp in cache.get(cache_key, []) if stamp > now - rate.duration]
            if len(live) >= rate.amount:
                wait = max(wait, live[rate.amount - 1] + rate.duration - now)
        # A lock that was busy also refuses; the member may simply try again.
        return max(1, math.ceil(wait))
