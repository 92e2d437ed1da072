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


# Processors: data-processing agreements (GDPR article 28), their sub-processors, transfers and oversight ---------


class EndOfProcessing(models.TextChoices):
    DELETE = "delete", _("Delete the data")
    RETURN = "return", _("Return the data")
    RETURN_AND_DELETE = "return_and_delete", _("Return, then delete the data")


class ProcessingAgreement(models.Model):
    """A data-processing agreement with a supplier (docs/processors.md): what it processes for which applications
    and contracts, for how long, and how often we oversee it. In force from `signed_on` to `valid_until` (none:
    until ended); `objection_days` is how long we have to decide about a sub-processor the supplier announces."""

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="processing_agreements")
    title = models.CharField(max_length=200)
    version = models.CharField(max_length=40, blank=True)
    signed_on = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    applications = models.ManyToManyField("applications.Application", blank=True, related_name="processing_agreements")
    contracts = models.ManyToManyField(Contract, blank=True, related_name="processing_agreements")
    purpose = models.TextField(blank=True)  # subject and purpose of the processing
    data_subjects = models.TextField(blank=True)  # categories of people
    data_categories = models.TextField(blank=True)
    special_categories = models.TextField(blank=True)  # article 9 data (health, union membership, ...); blank: none
    retention = models.TextField(blank=True)
    end_of_processing = models.CharField(max_length=20, choices=EndOfProcessing.choices, default=EndOfProcessing.DELETE)
    audit_right = models.BooleanField(default=True)
    oversight_interval_months = models.PositiveSmallIntegerField(default=12)
    objection_days = models.PositiveSmallIntegerField(default=30)
    responsible = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="processing_agreements"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["supplier__name", "title"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "title"], name="dpa_unique_title_per_supplier"),
            models.CheckConstraint(name="dpa_title_not_blank", condition=~Q(title="")),
            models.CheckConstraint(name="dpa_interval_positive", condition=Q(oversight_interval_months__gte=1)),
            models.CheckConstraint(name="dpa_known_end", condition=Q(end_of_processing__in=EndOfProcessing.values)),
        ]

    def __str__(self) -> str:
        return f"{self.supplier}: {self.title}"

    @property
    def has_special_categories(self) -> bool:
        return bool(self.special_categories.strip())


class AgreementDocument(models.Model):
    """A signed version of an agreement; the supplier may upload a new one from its portal."""

    agreement = models.ForeignKey(ProcessingAgreement, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(storage=document_storage, upload_to="processors/%Y/%m")
    name = models.CharField(max_length=255)
    version = models.CharField(max_length=40, blank=True)
    uploaded_by = models.CharField(max_length=150)
    uploaded_at = models.DateTimeField()
    by_supplier = models.BooleanField(default=False)

    class Meta:
        ordering = ["agreement_id", "-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.name


class SubProcessorStatus(models.TextChoices):
    PROPOSED = "proposed", _("Announced, to decide")
    ACCEPTED = "accepted", _("Accepted")
    OBJECTED = "objected", _("Objected to")


class SubProcessor(models.Model):
    """A sub-processor the supplier uses under the agreement. One the supplier announces is `proposed` until we
    accept or object, by `decide_by`."""

    agreement = models.ForeignKey(ProcessingAgreement, on_delete=models.CASCADE, related_name="sub_processors")
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2)  # ISO 3166 code
    role = models.CharField(max_length=200, blank=True)
    since = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=SubProcessorStatus.choices, default=SubProcessorStatus.ACCEPTED)
    decide_by = models.DateField(null=True, blank=True)
    announced_by = models.CharField(max_length=150, blank=True)
    announced_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["agreement_id", "name"]
        constraints = [
            models.CheckConstraint(name="subprocessor_known_status", condition=Q(status__in=SubProcessorStatus.values)),
            models.CheckConstraint(name="subprocessor_country_code", condition=Q(country__regex=r"^[A-Z]{2}$")),
            models.CheckConstraint(
                name="subprocessor_proposed_has_deadline",
                condition=~Q(status="proposed") | Q(decide_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.country})"


class Safeguard(models.TextChoices):
    ADEQUACY = "adequacy", _("Adequacy decision")
    SCC = "scc", _("Standard contractual clauses")
    BCR = "bcr", _("Binding corporate rules")
    DEROGATION = "derogation", _("Derogation (article 49)")
    NONE = "none", _("None")


class Transfer(models.Model):
    """Personal data leaving the EU/EEA under the agreement: to which country, to whom, on which safeguard."""

    agreement = models.ForeignKey(ProcessingAgreement, on_delete=models.CASCADE, related_name="transfers")
    country = models.CharField(max_length=2)
    recipient = models.CharField(max_length=200, blank=True)
    safeguard = models.CharField(max_length=12, choices=Safeguard.choices)

    class Meta:
        ordering = ["agreement_id", "country", "recipient"]
        constraints = [
            models.CheckConstraint(name="transfer_known_safeguard", condition=Q(safeguard__in=Safeguard.values)),
            models.CheckConstraint(name="transfer_country_code", condition=Q(country__regex=r"^[A-Z]{2}$")),
        ]

    def __str__(self) -> str:
        return f"{self.country}: {self.safeguard}"


class OversightMethod(models.TextChoices):
    QUESTIONNAIRE = "questionnaire", _("Questionnaire")
    AUDIT_REPORT = "audit_report", _("Audit report")
    CERTIFICATION = "certification", _("Certification")
    AUDIT = "audit", _("Audit on site")


class OversightRecord(models.Model):
    """One oversight of a processor: when, how, what was found and what follows. A certification (ISO 27001,
    say) carries its expiry; the next oversight is due `oversight_interval_months` after the latest one."""

    agreement = models.ForeignKey(ProcessingAgreement, on_delete=models.CASCADE, related_name="oversights")
    held_on = models.DateField()
    method = models.CharField(max_length=14, choices=OversightMethod.choices)
    certification = models.CharField(max_length=120, blank=True)
    certification_expires = models.DateField(null=True, blank=True)
    findings = models.TextField(blank=True)
    actions = models.TextField(blank=True)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["agreement_id", "-held_on", "-id"]
        constraints = [
            models.CheckConstraint(name="oversight_known_method", condition=Q(method__in=OversightMethod.values)),
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id}:{self.held_on}:{self.method}"


class ProcessingActivity(models.Model):
    """What the record of processing (article 30) says of one application where the agreements do not: each
    field left blank is taken from the agreements that cover the application."""

    application = models.OneToOneField(
        "applications.Application", on_delete=models.CASCADE, related_name="processing_activity"
    )
    purpose = models.TextField(blank=True)
    legal_basis = models.CharField(max_length=200, blank=True)
    data_subjects = models.TextField(blank=True)
    data_categories = models.TextField(blank=True)
    recipients = models.TextField(blank=True)
    retention = models.TextField(blank=True)
    security_measures = models.TextField(blank=True)
    updated_by = models.CharField(max_length=150, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return str(self.application_id)
