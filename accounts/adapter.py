from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.mail import make_msgid
from django.db import transaction

from accounts.tasks import send_email_message


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        """Hand account email (verification, password reset) to Celery.

        It is queued after commit so a rolled-back sign-up never mails a link
        to an account that does not exist.
        """
        message = self.render_mail(template_prefix, email, context)
        html = next((content for content, mimetype in message.alternatives if mimetype == "text/html"), None)
        payload = {
            "message_id": make_msgid(domain="concierge"),
            "subject": message.subject,
            "body": message.body,
            "to": list(message.to),
            "from_email": message.from_email or settings.DEFAULT_FROM_EMAIL,
            "html": html,
        }
        transaction.on_commit(lambda: send_email_message.delay(**payload))
