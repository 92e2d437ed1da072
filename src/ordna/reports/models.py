"""What the reports keep: which monthly follow-up was mailed, so a schedule run twice mails it once."""

from __future__ import annotations

from django.db import models


class MonthlyMailing(models.Model):
    """The monthly follow-up of `month` (its first day), mailed once: the row is the claim, made before sending."""

    month = models.DateField(unique=True)
    recipients = models.JSONField(default=list)
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"monthly report {self.month:%Y-%m}"
