"""People as HR knows them; their status is derived from their dates, never stored."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ordna.core.constraints import one_of
from ordna.core.models import default_company_id


class EmploymentType(models.TextChoices):
    EMPLOYEE = "employee", _("Employee")
    CONSULTANT = "consultant", _("Consultant")
    CONTRACTOR = "contractor", _("Contractor")


class PersonStatus(models.TextChoices):
    FUTURE = "future", _("Future")
    ACTIVE = "active", _("Active")
    LEAVING = "leaving", _("Leaving")
    LEFT = "left", _("Left")


def person_status(*, start_date: date | None, end_date: date | None, today: date, lead_days: int) -> str:
    """Derived status (docs/hr-import.md): the end date is the last working day, so a person leaves the day after."""
    if end_date is not None and end_date < today:
        return PersonStatus.LEFT
    if start_date is not None and start_date > today:
        return PersonStatus.FUTURE
    if end_date is not None and end_date <= today + timedelta(days=lead_days):
        return PersonStatus.LEAVING
    return PersonStatus.ACTIVE


def status_filter(status: str, *, today: date, lead_days: int) -> Q:
    """The database filter equivalent to `person_status(...) == status`."""
    horizon = today + timedelta(days=lead_days)
    not_left = Q(end_date__isnull=True) | Q(end_date__gte=today)
    started = Q(start_date__isnull=True) | Q(start_date__lte=today)
    if status == PersonStatus.LEFT:
        return Q(end_date__lt=today)
    if status == PersonStatus.FUTURE:
        return not_left & Q(start_date__gt=today)
    if status == PersonStatus.LEAVING:
        return started & Q(end_date__gte=today, end_date__lte=horizon)
    if status == PersonStatus.ACTIVE:
        return started & (Q(end_date__isnull=True) | Q(end_date__gt=horizon))
    raise ValueError(f"unknown status {status!r}")


class Person(models.Model):
    """A person from the HR source, keyed by `employee_id`; the start of every leaver, joiner or mover case."""

    employee_id = models.CharField(max_length=64, unique=True)
    # The company of the group the person works for (docs/companies.md): the default company unless the HR
    # file's `company` column names another. Every write through Ordna sets it (the HR import, the default);
    # the column accepts null only so that rows written in an older schema's shape (a migration test's
    # historical model) still fit.
    company = models.ForeignKey(
        "core.Company", null=True, on_delete=models.PROTECT, default=default_company_id, related_name="people"
    )
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    email = models.EmailField(max_length=254, blank=True, db_index=True)
    email_aliases = models.JSONField(default=list, blank=True)
    department = models.CharField(max_length=150, blank=True, db_index=True)
    manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    employment_type = models.CharField(max_length=20, choices=EmploymentType.choices, default=EmploymentType.EMPLOYEE)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True, db_index=True)
    cost_center = models.CharField(max_length=64, blank=True)
    locale = models.CharField(max_length=2, default="en")
    holiday_country = models.CharField(max_length=2, blank=True, help_text=_("SE or NL; empty for the default"))
    # Set by hand in Ordna (HR, in the web or the API) rather than by the HR file: by whom, when and why. The
    # next HR file that disagrees shows it in its preview as a change over the hand-set date.
    end_date_set_by = models.CharField(max_length=150, blank=True, db_default="")
    end_date_set_at = models.DateTimeField(null=True, blank=True)
    end_date_reason = models.TextField(blank=True, db_default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When the person's personal data was erased (retention or a request, docs/privacy.md); their employee id is
    # then a pseudonym and their names are gone, while dates, counts and how every line closed remain.
    erased_at = models.DateTimeField(null=True, blank=True)
    erased_because = models.CharField(max_length=20, blank=True, db_default="")

    class Meta:
        ordering = ["last_name", "first_name", "employee_id"]
        constraints = [
            models.CheckConstraint(name="person_employee_id_not_blank", condition=~Q(employee_id="")),
            models.CheckConstraint(
                name="person_end_not_before_start",
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
            ),
            models.CheckConstraint(name="person_not_own_manager", condition=~Q(manager=models.F("pk"))),
            models.CheckConstraint(
                name="person_known_employment_type", condition=one_of("employment_type", EmploymentType.values)
            ),
            models.CheckConstraint(name="person_known_locale", condition=one_of("locale", ["en", "sv", "nl"])),
            models.CheckConstraint(
                name="person_known_holiday_country", condition=one_of("holiday_country", ["", "SE", "NL"])
            ),
        ]
        # The list's whole order, so a deep page skips through the index alone (no sort of every person).
        indexes = [models.Index(fields=["last_name", "first_name", "employee_id"], name="person_order_idx")]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.employee_id})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def status_on(self, today: date, lead_days: int) -> str:
        return person_status(start_date=self.start_date, end_date=self.end_date, today=today, lead_days=lead_days)


class LegalHold(models.Model):
    """A legal hold on a person's data: while it is in force (not released) neither retention nor an erasure
    request touches them (docs/privacy.md)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="legal_holds")
    reason = models.TextField()
    placed_by = models.CharField(max_length=150)
    placed_at = models.DateTimeField()
    released_by = models.CharField(max_length=150, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-placed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(released_at__isnull=True), name="legalhold_one_in_force_per_person"
            ),
            models.CheckConstraint(name="legalhold_reason_not_blank", condition=~Q(reason="")),
        ]

    def __str__(self) -> str:
        return f"legal hold {self.person_id}"


class ErasureRequest(models.Model):
    """A request to erase one person's data ahead of the retention period: made by one admin, carried out only
    when a second admin approves it (four eyes), under the same rules as retention (docs/privacy.md)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for a second admin")
        DONE = "done", _("Approved and erased")
        REJECTED = "rejected", _("Rejected")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="erasure_requests")
    reason = models.TextField()
    requested_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    requested_by_label = models.CharField(max_length=150)
    requested_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_by_label = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(state="pending"), name="erasurerequest_one_pending_per_person"
            ),
            models.CheckConstraint(name="erasurerequest_reason_not_blank", condition=~Q(reason="")),
            models.CheckConstraint(
                name="erasurerequest_known_state", condition=one_of("state", ["pending", "done", "rejected"])
            ),
        ]

    def __str__(self) -> str:
        return f"erasure request {self.pk} ({self.state})"
