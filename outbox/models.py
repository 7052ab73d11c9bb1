from django.db import models
from django.utils import timezone


class Event(models.Model):
    """One published domain event, written in the transaction that caused it.

    After commit a relay hands it to Celery, one delivery task per subscriber;
    `relayed_at` stays empty until that hand-over succeeded, so the sweep can
    re-drive what a broker outage left behind.
    """

    id = models.UUIDField(primary_key=True)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    relayed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["created_at"], condition=models.Q(relayed_at=None), name="outbox_event_unrelayed"),
            models.Index(fields=["type", "created_at"], name="outbox_event_type"),
        ]

    def __str__(self):
        return f"{self.type} {self.pk}"


class Delivery(models.Model):
    """One subscriber handled one event; the constraint makes a redelivery a no-op."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.CharField(max_length=200)
    delivered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "subscriber"], name="outbox_delivery_once")]

    def __str__(self):
        return f"{self.subscriber} ← {self.event_id}"
