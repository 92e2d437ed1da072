"""Applications (IT systems and services) and the licences bought for them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Criticality(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Application(models.Model):
    """An IT system or service whose accounts Ordna reconciles and whose leavers it offboards."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_applications"
    )
    supplier = models.ForeignKey(
        "core.Supplier", null=True, blank=True, on_delete=models.SET_NULL, related_name="applications"
    )
    # The company of the group the application belongs to (its own tenant, say); none: shared by the group.
    company = models.ForeignKey(
        "core.Company", null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    criticality = models.CharField(max_length=10, choices=Criticality.choices, default=Criticality.MEDIUM)
    # Business days after the leaver's last day by which the account must be closed (docs/offboarding.md).
    deprovision_days = models.PositiveSmallIntegerField(default=1)
    account_source = models.CharField(
        max_length=40, blank=True, help_text=_("File preset or connector the accounts come from")
    )
    attest_only = models.BooleanField(
        default=False, help_text=_("No export and no connector: lines can only be attested")
    )
    # Whether the application holds personal data: then its supplier is a processor and needs an agreement in
    # force (docs/processors.md).
    holds_personal_data = models.BooleanField(default=False)
    # A column mapping for an export no preset knows, set up in the web on the first upload.
    account_mapping = models.JSONField(null=True, blank=True)
    # Raised by every write to the application's accounts; an import planned outside the write lock
    # re-plans when it changed meanwhile (optimistic concurrency, see accounts.applying.plan_stale).
    accounts_version = models.PositiveBigIntegerField(default=0)
    # When the last full import saw the application's accounts: an account that is not gone was seen
    # then, so imports need not rewrite every account's own last_seen (see Account.seen).
    accounts_seen_at = models.DateTimeField(null=True, blank=True)
    # Which people the links of the live accounts were last made with (a digest of their version): an
    # import with the same people keeps the identifier links of unchanged rows instead of correlating again.
    accounts_people_stamp = models.CharField(max_length=64, blank=True, default="")
    # What the last `ordna reconcile` of the application saw (a digest of its accounts' version, the people's,
    # the prices and the day): a reconcile that would see the same returns at once (accounts.services.reconcile).
    reconciled_stamp = models.CharField(max_length=64, blank=True, default="")
    # Account counts by status, written by the import's apply step (the only writer of statuses), so that
    # lists and the dashboard need not count a million accounts per request.
    accounts_active = models.PositiveIntegerField(default=0)
    accounts_disabled = models.PositiveIntegerField(default=0)
    accounts_gone = models.PositiveIntegerField(default=0)
    # The resolution time the supplier promises for escalated questions, in business hours (docs/key-users.md);
    # empty means no service level. Contracts (docs/suppliers.md) will set it from their ServiceLevel.
    supplier_resolution_hours = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Business hours the supplier has to resolve an escalated question")
    )
    # Days after which the application's accounts are stale (docs/feeds.md); empty: ORDNA_SOURCE_MAX_AGE_DAYS.
    source_max_age_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Days after which the account data is stale (empty: the default)")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(name="application_slug_not_blank", condition=~Q(slug="")),
            models.CheckConstraint(
                name="application_known_criticality", condition=Q(criticality__in=Criticality.values)
            ),
        ]

    def __str__(self) -> str:
        return self.name


class License(models.Model):
    """A licence (SKU) of an application, with its monthly price and the seats bought."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="licenses")
    name = models.CharField(max_length=200)
    monthly_cost = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(max_length=3, default="SEK")
    seats = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["application__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["application", "name"], name="license_unique_per_application"),
            models.CheckConstraint(name="license_cost_not_negative", condition=Q(monthly_cost__gte=0)),
            models.CheckConstraint(name="license_currency_code", condition=Q(currency__regex=r"^[A-Z]{3}$")),
        ]

    def __str__(self) -> str:
        return f"{self.application.slug}: {self.name}"


class AppointmentRole(models.TextChoices):
    KEY_USER = "key_user", _("Key user")
    DEPUTY = "deputy", _("Deputy")
    COORDINATOR = "coordinator", _("Coordinator")


class Responsibility(models.TextChoices):
    """What the role of key user covers (docs/key-users.md); each appointment lists the ones it takes on."""

    FIRST_LINE = "first_line", _("First line for colleagues")
    SUPPLIER_CONTACT = "supplier_contact", _("Contact with the supplier")
    FOLLOW_DEVELOPMENTS = "follow_developments", _("Follow developments")
    PROPOSE_IMPROVEMENTS = "propose_improvements", _("Propose improvements")
    CONFIGURE = "configure", _("Configure")
    TEST = "test", _("Test updates")
    RELEASE = "release", _("Release updates")


class KeyUserAppointment(models.Model):
    """A person appointed to an application as key user, deputy or coordinator, for dated period, with a
    time budget. Its existence on a day gives the person the key user's scope on the application that day.

    Lives next to Application (not in support) because the access scope of key users, the catalogue and later
    releases all read it, and support only routes questions with it.
    """

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="appointments")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="appointments")
    role = models.CharField(max_length=20, choices=AppointmentRole.choices, default=AppointmentRole.KEY_USER)
    # The primary key user gets every new question while present; others share them round robin.
    primary = models.BooleanField(default=False)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    hours_per_month = models.DecimalField(max_digits=6, decimal_places=1, default=Decimal("0"))
    responsibilities = models.JSONField(default=list, blank=True)
    # A planned absence (holiday, leave): questions go round robin to the others meanwhile.
    away_from = models.DateField(null=True, blank=True)
    away_until = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application__name", "-primary", "role", "starts_on", "id"]
        constraints = [
            models.CheckConstraint(name="appointment_known_role", condition=Q(role__in=AppointmentRole.values)),
            models.CheckConstraint(
                name="appointment_ends_after_start",
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
            ),
            models.CheckConstraint(name="appointment_hours_not_negative", condition=Q(hours_per_month__gte=0)),
            models.CheckConstraint(
                name="appointment_primary_is_key_user", condition=Q(primary=False) | Q(role=AppointmentRole.KEY_USER)
            ),
            models.CheckConstraint(
                name="appointment_away_is_a_period",
                condition=(Q(away_from__isnull=True) & Q(away_until__isnull=True))
                | (Q(away_from__isnull=False) & Q(away_until__gte=models.F("away_from"))),
            ),
        ]
        indexes = [models.Index(fields=["person", "application"], name="appointment_person_idx")]

    def __str__(self) -> str:
        return f"{self.application_id}:{self.person_id}:{self.role}"

    def active_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)

    def away_on(self, day: date) -> bool:
        return self.away_from is not None and self.away_until is not None and self.away_from <= day <= self.away_until


def active_on(day: date, prefix: str = "") -> Q:
    """The filter for appointments in force on `day` (`prefix` reaches them through a relation)."""
    return Q(**{f"{prefix}starts_on__lte": day}) & (
        Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gte": day})
    )
