"""Contracts with suppliers: their terms and dates, decisions, documents and service levels (docs/suppliers.md).

The supplier companies themselves are core's (ordna.core.models.Supplier); the reviews held with them are the
reviews app's."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ordna.core.models import Supplier
from ordna.suppliers.contract_dates import ContractDates, ContractTerms, Notice, contract_dates


class Renewal(models.TextChoices):
    NONE = "none", _("None: ends after the initial term")
    TACIT = "tacit", _("Tacit: renews unless cancelled")
    EXPRESS = "express", _("Express: renews only when agreed")


class NoticeUnit(models.TextChoices):
    MONTHS = "months", _("months")
    DAYS = "days", _("days")


class Contract(models.Model):
    """A contract with a supplier (docs/suppliers.md); its dates are computed by suppliers.contract_dates.

    `express_renewals` and `terminated_at_term` are written only by the decision service: how many times an
    express contract was renewed, and the term at whose end a tacit one was terminated.
    """

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="contracts")
    title = models.CharField(max_length=200)
    applications = models.ManyToManyField("applications.Application", blank=True, related_name="contracts")
    start_date = models.DateField()
    initial_term_months = models.PositiveSmallIntegerField()
    renewal = models.CharField(max_length=10, choices=Renewal.choices, default=Renewal.TACIT)
    renewal_term_months = models.PositiveSmallIntegerField(null=True, blank=True)
    notice_amount = models.PositiveSmallIntegerField(default=0)
    notice_unit = models.CharField(max_length=6, choices=NoticeUnit.choices, default=NoticeUnit.MONTHS)
    decision_buffer_days = models.PositiveSmallIntegerField(default=0)
    annual_value = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(max_length=3, default="SEK")
    owner = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_contracts"
    )
    notes = models.TextField(blank=True)
    express_renewals = models.PositiveSmallIntegerField(default=0)
    terminated_at_term = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["supplier__name", "title"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "title"], name="contract_unique_title_per_supplier"),
            models.CheckConstraint(name="contract_title_not_blank", condition=~Q(title="")),
            models.CheckConstraint(name="contract_known_renewal", condition=Q(renewal__in=Renewal.values)),
            models.CheckConstraint(name="contract_known_notice_unit", condition=Q(notice_unit__in=NoticeUnit.values)),
            models.CheckConstraint(name="contract_initial_term_positive", condition=Q(initial_term_months__gte=1)),
            models.CheckConstraint(
                name="contract_renewal_has_term",
                condition=Q(renewal="none") | Q(renewal_term_months__gte=1),
            ),
            models.CheckConstraint(name="contract_value_not_negative", condition=Q(annual_value__gte=0)),
            models.CheckConstraint(name="contract_currency_code", condition=Q(currency__regex=r"^[A-Z]{3}$")),
        ]

    def __str__(self) -> str:
        return f"{self.supplier}: {self.title}"

    @property
    def terms(self) -> ContractTerms:
        return ContractTerms(
            start=self.start_date,
            initial_term_months=self.initial_term_months,
            renewal=self.renewal,
            renewal_term_months=self.renewal_term_months,
            notice=Notice(self.notice_amount, self.notice_unit),
            decision_buffer_days=self.decision_buffer_days,
        )

    def dates(self, today: date) -> ContractDates:
        return contract_dates(
            self.terms, today=today, express_renewals=self.express_renewals, terminated_at_term=self.terminated_at_term
        )

    @property
    def notice(self) -> str:
        return str(Notice(self.notice_amount, self.notice_unit))


def document_storage() -> FileSystemStorage:
    """Contract documents live in the data directory, outside anything served statically."""
    return FileSystemStorage(location=settings.DATA_DIR / "contracts")


class ContractDocument(models.Model):
    """A signed contract, an annex or an amendment, downloadable by whoever sees the contract."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(storage=document_storage, upload_to="%Y/%m")
    name = models.CharField(max_length=255)
    uploaded_by = models.CharField(max_length=150)
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["contract_id", "-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.name


class DecisionKind(models.TextChoices):
    RENEW = "renew", _("Renew")
    TERMINATE = "terminate", _("Terminate")
    RENEGOTIATE = "renegotiate", _("Renegotiate")


class ContractDecision(models.Model):
    """What was decided about a contract's term, and why: recording one stops that term's alerts."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="decisions")
    term_number = models.PositiveSmallIntegerField()
    term_end = models.DateField()
    decision = models.CharField(max_length=12, choices=DecisionKind.choices)
    reason = models.TextField()
    decided_by = models.CharField(max_length=150)
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["contract_id", "-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(name="decision_known_kind", condition=Q(decision__in=DecisionKind.values)),
            models.CheckConstraint(name="decision_has_reason", condition=~Q(reason="")),
        ]
        indexes = [models.Index(fields=["contract", "term_number"], name="decision_contract_term_idx")]

    def __str__(self) -> str:
        return f"{self.contract_id}:{self.term_number}:{self.decision}"


class Metric(models.TextChoices):
    """What a service level measures; targets of question metrics are business hours, of lines business days."""

    FIRST_RESPONSE = "first_response", _("First response to an escalated question")
    RESOLUTION = "resolution", _("Resolution of an escalated question")
    LINE_COMPLETION = "line_completion", _("Offboarding line closed after its due date")


class Priority(models.TextChoices):
    """A service level's priority is the criticality of the application; blank applies to any."""

    ANY = "", _("Any")
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class ServiceLevel(models.Model):
    """One promise of a contract: a metric, for a priority (or any), a target, and the share to meet it.

    Targets: business hours for first response and resolution; business days after the line's due date for
    offboarding lines (0: by the due date).
    """

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="service_levels")
    metric = models.CharField(max_length=20, choices=Metric.choices)
    priority = models.CharField(max_length=10, choices=Priority.choices, blank=True, default="")
    target = models.PositiveIntegerField()
    target_percent = models.PositiveSmallIntegerField(default=95)

    class Meta:
        ordering = ["contract_id", "metric", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "metric", "priority"], name="servicelevel_unique"),
            models.CheckConstraint(name="servicelevel_known_metric", condition=Q(metric__in=Metric.values)),
            models.CheckConstraint(name="servicelevel_known_priority", condition=Q(priority__in=Priority.values)),
            models.CheckConstraint(
                name="servicelevel_percent", condition=Q(target_percent__gte=1) & Q(target_percent__lte=100)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}:{self.metric}:{self.priority or 'any'}"

    @property
    def target_text(self) -> str:
        """The target with its unit, as every page and agenda shows it: "16 business hours", "2 business days"."""
        if self.metric == Metric.LINE_COMPLETION:
            return ngettext("%(count)d business day", "%(count)d business days", self.target) % {"count": self.target}
        return ngettext("%(count)d business hour", "%(count)d business hours", self.target) % {"count": self.target}
