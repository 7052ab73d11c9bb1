from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.core.mail import make_msgid

from outbox.mail import queue_mail


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        """Account email (verification, password reset) goes out through the outbox.

        It is queued in the sign-up's own transaction, so a rolled-back sign-up
        never mails a link to an account that does not exist, and a broker that
        is away when it commits delays the mail instead of losing it.
        """
        # What allauth's own send_mail adds: its templates name the site from current_site.
        request = allauth_context.request
        context = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        message = self.render_mail(template_prefix, email, context)
        html = next((content for content, mimetype in message.alternatives if mimetype == "text/html"), None)
        queue_mail(
            message_id=make_msgid(domain="concierge"),
            subject=message.subject,
            body=message.body,
            to=list(message.to),
            from_email=message.from_email or "",
            html=html,
        )
