import logging
from smtplib import SMTPException

from celery import shared_task
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives

logger = logging.getLogger(__name__)

SENT_MARK_SECONDS = 7 * 24 * 3600


@shared_task(
    autoretry_for=(OSError, SMTPException),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=10,
    acks_late=True,
)
def send_email_message(*, message_id, subject, body, to, from_email=None, html=None):
    """Send one email; a retry of an already delivered message is a no-op.

    The mark is written after the SMTP server accepted the message, so a crash
    in between can still repeat it once; it can never lose it.
    """
    mark = f"mail-sent:{message_id}"
    if cache.get(mark):
        logger.info("mail %s already sent, skipping", message_id)
        return False
    message = EmailMultiAlternatives(
        subject=subject, body=body, from_email=from_email, to=to, headers={"Message-ID": message_id}
    )
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
    cache.set(mark, 1, timeout=SENT_MARK_SECONDS)
    return True
