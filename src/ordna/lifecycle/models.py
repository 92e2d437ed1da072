"""Leaver cases and their lines (DESIGN.md 2 and 3.2), and the templates that add tasks to them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CaseKind(models.TextChoices):
    LEAVER = "leaver", _("Leaver")
    JOINER = "joiner", _("Joiner")
    MOVER = "mover", _("Mover")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class LineKind(models.TextChoices):
    ACCOUNT = "account", _("Account")
    LICENCE = "licence", _("Licence")
    DEVICE = "device", _("Device")
    TASK = "task", _("Task")


class LineState(models.TextChoices):
    OPEN = "open", _("Open")
    VERIFIED = "verified", _("Verified")
    ATTESTED = "attested", _("Attested")
    WAIVED = "waived", _("Waived")


class VerifiedBy(models.TextChoices):
    IMPORT = "import", _("Import")
    READ_BACK = "read-back", _("Connector read-back")
    CHECK_IN = "check-in", _("Device check-in")


class Responsible(models.TextChoices):
    """Who must close a line: a role, made concrete by a person or a supplier where the role needs one."""

    HR = "hr", _("HR")
    MANAGER = "manager", _("Manager")
    COORDINATOR = "coordinator", _("IT coordinator")
    OWNER = "owner", _("Application owner or key user")
    SUPPLIER = "supplier", _("The application's supplier")
    EMPLOYEE = "employee", _("The employee")


class CaseTemplate(models.Model):
    """The tasks a leaver case gets, for an employment type and/or department (blank: any).

    The most specific active template applies: type and department, then department, then type, then the
    template for anyone.
    """

    name = models.CharField(max_length=150)
    kind = models.CharField(max_length=10, choices=CaseKind.choices, default=CaseKind.LEAVER)
    employment_type = models.CharField(max_length=20, blank=True)
    department = models.CharField(max_length=150, blank=True)
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(name="casetemplate_known_kind", condition=Q(kind__in=CaseKind.values)),
            models.CheckConstraint(name="casetemplate_name_not_blank", condition=~Q(name="")),
            models.UniqueConstraint(
                fields=["kind", "employment_type", "department"],
                condition=Q(active=True),
                name="casetemplate_one_active_per_match",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TemplateTask(models.Model):
    """One task of a template: who does it, when (business days from the last day) and how."""

    template = models.ForeignKey(CaseTemplate, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    instructions = models.TextField(blank=True)
    responsible = models.CharField(max_length=12, choices=Responsible.choices)
    # For the owner and supplier roles: whose owner or supplier.
    application = models.ForeignKey(
        "applications.Application", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    offset_days = models.SmallIntegerField(default=0, help_text=_("Business days from the last day; negative: before"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["template_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                name="templatetask_known_responsible", condition=Q(responsible__in=Responsible.values)
            ),
            models.CheckConstraint(name="templatetask_title_not_blank", condition=~Q(title="")),
            models.CheckConstraint(
                name="templatetask_application_for_owner_or_supplier",
                condition=~Q(responsible__in=["owner", "supplier"]) | Q(application__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Case(models.Model):
    """A leaver (joiner, mover) case of one person: open until every line is verified, attested or waived.

    One open case per person and kind is a database constraint; a completed or cancelled case stays as
    history, and a rehire gets a new case.
    """

    kind = models.CharField(max_length=10, choices=CaseKind.choices, default=CaseKind.LEAVER)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="cases")
    effective_date = models.DateField()
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    urgent = models.BooleanField(default=False)
    holiday_country = models.CharField(max_length=2, default="SE")
    template = models.ForeignKey(CaseTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    opened_by = models.CharField(max_length=150)
    opened_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["effective_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind"], condition=Q(status="open"), name="case_one_open_per_person"
            ),
            models.CheckConstraint(name="case_known_kind", condition=Q(kind__in=CaseKind.values)),
            models.CheckConstraint(name="case_known_status", condition=Q(status__in=CaseStatus.values)),
            models.CheckConstraint(
                name="case_completed_has_time", condition=~Q(status="completed") | Q(completed_at__isnull=False)
            ),
            models.CheckConstraint(
                name="case_cancelled_has_reason", condition=~Q(status="cancelled") | ~Q(cancel_reason="")
            ),
        ]
        indexes = [models.Index(fields=["status", "effective_date"], name="case_status_date_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.person_id} {self.effective_date}"


class Line(models.Model):
    """One thing to take back or do for a case, with who must do it, by when, and how it was closed.

    Closing: verified (an import, a connector read-back or a device check-in shows it done), attested (a
    named user says so, with a time and an optional note and file) or waived (a named user and a reason).
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=10, choices=LineKind.choices)
    application = models.ForeignKey(
        "applications.Application", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="lines"
    )
    device = models.ForeignKey("devices.Device", null=True, blank=True, on_delete=models.SET_NULL, related_name="lines")
    task = models.ForeignKey(TemplateTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    subject = models.CharField(max_length=255)  # the account's key, the licence, the asset tag, the task's title
    instructions = models.TextField(blank=True)
    responsible = models.CharField(max_length=12, choices=Responsible.choices)
    responsible_person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    responsible_supplier = models.ForeignKey(
        "suppliers.Supplier", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    due = models.DateField()
    state = models.CharField(max_length=10, choices=LineState.choices, default=LineState.OPEN)
    verified_by = models.CharField(max_length=10, choices=VerifiedBy.choices, blank=True)
    closed_by = models.CharField(max_length=150, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)  # the attestation's note or the waiver's reason
    evidence = models.FileField(upload_to="evidence/%Y/%m/", blank=True)
    reopened = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["case_id", "due", "kind", "id"]
        constraints = [
            models.CheckConstraint(name="line_known_kind", condition=Q(kind__in=LineKind.values)),
            models.CheckConstraint(name="line_known_state", condition=Q(state__in=LineState.values)),
            models.CheckConstraint(name="line_known_responsible", condition=Q(responsible__in=Responsible.values)),
            models.CheckConstraint(name="line_verified_says_how", condition=~Q(state="verified") | ~Q(verified_by="")),
            models.CheckConstraint(
                name="line_closed_says_who_and_when",
                condition=Q(state="open") | (~Q(closed_by="") & Q(closed_at__isnull=False)),
            ),
            models.CheckConstraint(name="line_waived_has_reason", condition=~Q(state="waived") | ~Q(note="")),
            # A line per account (and licence) and per device per case, so hooks can add lines idempotently.
            models.UniqueConstraint(
                fields=["case", "account", "kind", "subject"],
                condition=Q(account__isnull=False),
                name="line_unique_account_per_case",
            ),
            models.UniqueConstraint(
                fields=["case", "device"], condition=Q(device__isnull=False), name="line_unique_device_per_case"
            ),
        ]
        # The reminder engine's and the boards' questions: open lines by due date, per responsible party.
        indexes = [
            models.Index(fields=["state", "due"], name="line_state_due_idx"),
            models.Index(fields=["responsible", "state", "due"], name="line_role_state_due_idx"),
            models.Index(
                fields=["responsible_person", "due"], condition=Q(state="open"), name="line_open_person_due_idx"
            ),
            models.Index(
                fields=["responsible_supplier", "due"], condition=Q(state="open"), name="line_open_supplier_due_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject}"
