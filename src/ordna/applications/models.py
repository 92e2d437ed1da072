"""Applications (IT systems and services) and the licences bought for them."""

from __future__ import annotations

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
        "suppliers.Supplier", null=True, blank=True, on_delete=models.SET_NULL, related_name="applications"
    )
    criticality = models.CharField(max_length=10, choices=Criticality.choices, default=Criticality.MEDIUM)
    # Business days after the leaver's last day by which the account must be closed (DESIGN.md 2).
    deprovision_days = models.PositiveSmallIntegerField(default=1)
    account_source = models.CharField(
        max_length=40, blank=True, help_text=_("File preset or connector the accounts come from")
    )
    attest_only = models.BooleanField(
        default=False, help_text=_("No export and no connector: lines can only be attested")
    )
    # A column mapping for an export no preset knows, set up in the web on the first upload.
    account_mapping = models.JSONField(null=True, blank=True)
    # Raised by every write to the application's accounts; an import planned outside the write lock
    # re-plans when it changed meanwhile (optimistic concurrency, see accounts.services).
    accounts_version = models.PositiveBigIntegerField(default=0)
    # When the last full import saw the application's accounts: an account that is not gone was seen
    # then, so imports need not rewrite every account's own last_seen (see Account.seen).
    accounts_seen_at = models.DateTimeField(null=True, blank=True)
    # Which people the links of the live accounts were last made with (a digest of their version): an
    # import with the same people keeps the identifier links of unchanged rows instead of correlating again.
    accounts_people_stamp = models.CharField(max_length=64, blank=True, default="")
    # Account counts by status, written by the import's apply step (the only writer of statuses), so that
    # lists and the dashboard need not count a million accounts per request.
    accounts_active = models.PositiveIntegerField(default=0)
    accounts_disabled = models.PositiveIntegerField(default=0)
    accounts_gone = models.PositiveIntegerField(default=0)
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
