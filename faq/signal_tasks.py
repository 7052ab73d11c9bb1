"""Beat's work for the FAQ's signals: thin tasks over faq.candidates and faq.deflection.

Discovered by config/celery.py (`autodiscover_tasks(related_name="signal_tasks")`).
"""

from celery import shared_task

from faq import candidates, deflection


@shared_task
def refresh_candidates() -> None:
    candidates.refresh_candidates()


@shared_task
def record_deflections() -> None:
    deflection.record_deflections()
