"""What the reports keep: which monthly follow-up was mailed, so a schedule run twice mails it once; the month-end
figures; and the auditor's evidence packs that the worker builds and people download."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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


class EvidencePackState(models.TextChoices):
    QUEUED = "queued", _("queued")
    BUILDING = "building", _("building")
    READY = "ready", _("ready")
    FAILED = "failed", _("failed")


class EvidencePackRequest(models.Model):
    """An evidence pack someone asked for in the web or the API (docs/reports.md): the worker claims it
    (queued -> building), writes the ZIP into the files folder and marks it ready, or failed with the reason.
    Deleted with its file `ORDNA_EVIDENCE_PACK_DAYS` after it was asked for (reports.evidence_packs)."""

    start = models.DateField()
    end = models.DateField()
    sample = models.PositiveIntegerField()
    seed = models.BigIntegerField()  # drawn when asked for, so the answer names it before the pack exists
    # The companies it is of: null for the whole group, else their ids (the visibility of the pack follows them).
    companies = models.JSONField(null=True, blank=True)
    made_on = models.DateField()  # the day it was asked for: every date stamped inside the pack
    language = models.CharField(max_length=10)  # the requester's, for the certificates and a failure's reason
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_ref = models.CharField(max_length=200)
    actor_label = models.CharField(max_length=200)
    requested_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=EvidencePackState.choices, default=EvidencePackState.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)  # why it failed, a sentence for the person who asked
    leavers = models.PositiveIntegerField(null=True, blank=True)
    file = models.FileField(upload_to="evidence-packs/%Y/%m", blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["state", "requested_at"], name="evidence_pack_state")]

    def __str__(self) -> str:
        return f"evidence pack {self.pk} ({self.state})"

    @property
    def file_name(self) -> str:
        return f"evidence-seed-{self.seed}.zip"
