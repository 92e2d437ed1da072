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


class MonthFigure(models.Model):
    """One figure at the end of one month, written once when the month is over (ordna.reports.month_end): the
    12-month trend reads these instead of counting a year of findings. A row per (month, scope, figure,
    currency), so a new figure is new rows, not a new column."""

    month = models.DateField()  # the month's first day
    scope = models.CharField(max_length=24, default="", blank=True)  # "": the group; "c<id>": a company
    key = models.CharField(max_length=40)
    currency = models.CharField(max_length=3, default="", blank=True)  # for money; "" for counts
    value = models.DecimalField(max_digits=20, decimal_places=2)
    written_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "month", "key", "currency"], name="month_figure_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.scope or 'group'} {self.key} {self.currency} {self.value}"
