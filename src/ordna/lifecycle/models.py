"""Leaver, joiner and mover cases and their lines (docs/offboarding.md) on one engine; the templates that add
tasks (and, for joiners and movers, birthright access and devices) to them; the leaver's exit survey."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# The purposes of the signed links in the reminder mails (core/action_links.py): doing one line, and a service
# desk's answer for one case (by_link.py, service_desk.py).
LINE_LINK = "lifecycle.line"
SUPPLIER_LINK = "lifecycle.supplier"


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
    CHECK_OUT = "check-out", _("Device check-out")


class AttestReason(models.TextChoices):
    """Why a person vouches for a line instead of proof (docs/offboarding.md): a fixed list, each with free text.
    Which reasons a line may give depends on its kind (`closing.attest_reasons_for`)."""

    NO_EXPORT = "no_export", _("The system has no export or connector")
    SUPPLIER_TICKET = "supplier_ticket", _("Removed by the supplier's ticket")
    ADMIN_CONSOLE = "admin_console", _("Removed by hand in the admin console")
    RETURNED_ELSEWHERE = "returned_elsewhere", _("Returned outside Ordna (courier, lessor, another office)")
    OTHER = "other", _("Other (say what in the text)")


class Responsible(models.TextChoices):
    """Who must close a line: a role, made concrete by a person or a supplier where the role needs one."""

    HR = "hr", _("HR")
    MANAGER = "manager", _("Manager")
    COORDINATOR = "coordinator", _("IT coordinator")
    OWNER = "owner", _("Application owner or key user")
    SUPPLIER = "supplier", _("The application's supplier")
    EMPLOYEE = "employee", _("The employee")


class CaseTemplate(models.Model):
    """The tasks a case of `kind` gets, for an employment type and/or department (blank: any). A joiner
    template also lists the person's birthright (applications, licences, devices): what they should have.

    The most specific active template applies: the person's company's own before the group's, then type and
    department, then department, then type, then the template for anyone.
    """

    name = models.CharField(max_length=150)
    kind = models.CharField(max_length=10, choices=CaseKind.choices, default=CaseKind.LEAVER)
    # A company's own template (docs/companies.md) applies to its people before the group's (none: the group's).
    company = models.ForeignKey(
        "core.Company", null=True, blank=True, on_delete=models.PROTECT, related_name="case_templates"
    )
    employment_type = models.CharField(max_length=20, blank=True)
    department = models.CharField(max_length=150, blank=True)
    active = models.BooleanField(default=True)
    # Leaver templates: invite the leaver to the exit survey when the case opens.
    exit_survey = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(name="casetemplate_known_kind", condition=Q(kind__in=CaseKind.values)),
            models.CheckConstraint(name="casetemplate_name_not_blank", condition=~Q(name="")),
            models.UniqueConstraint(
                fields=["kind", "employment_type", "department"],
                condition=Q(active=True, company__isnull=True),
                name="casetemplate_one_active_per_match",
            ),
            models.UniqueConstraint(
                fields=["kind", "company", "employment_type", "department"],
                condition=Q(active=True, company__isnull=False),
                name="casetemplate_one_active_per_company_match",
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


class BirthrightKind(models.TextChoices):
    APPLICATION = "application", _("Application (an account)")
    DEVICE = "device", _("Device")


class Birthright(models.Model):
    """What a joiner template says its people should have: an account in an application (with a licence,
    optionally), or a device of a kind. Joiner cases grant it; mover cases add or remove the difference;
    the expected-versus-actual page and the `excess_access` finding compare imports with it."""

    template = models.ForeignKey(CaseTemplate, on_delete=models.CASCADE, related_name="birthrights")
    kind = models.CharField(max_length=12, choices=BirthrightKind.choices)
    application = models.ForeignKey(
        "applications.Application", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    licence = models.CharField(max_length=200, blank=True)
    device_kind = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["template_id", "kind", "id"]
        constraints = [
            models.CheckConstraint(name="birthright_known_kind", condition=Q(kind__in=BirthrightKind.values)),
            models.CheckConstraint(
                name="birthright_application_or_device",
                condition=(Q(kind="application") & Q(application__isnull=False) & Q(device_kind=""))
                | (Q(kind="device") & Q(application__isnull=True) & ~Q(device_kind="") & Q(licence="")),
            ),
            models.UniqueConstraint(
                fields=["template", "application", "licence"],
                condition=Q(application__isnull=False),
                name="birthright_unique_application",
            ),
            models.UniqueConstraint(
                fields=["template", "device_kind"], condition=Q(kind="device"), name="birthright_unique_device"
            ),
        ]

    def __str__(self) -> str:
        return self.licence or self.device_kind or str(self.application_id)


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
    # A mover case: where the person came from (the department and employment type before the move).
    from_department = models.CharField(max_length=150, blank=True)
    from_employment_type = models.CharField(max_length=20, blank=True)
    # A mover case of a move between companies of the group (issue 19): the company the person left.
    from_company = models.ForeignKey("core.Company", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

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

    Closing: verified (an import or a connector read-back taken after the last day, or a device check-in,
    shows it done: `proof_run` and `proof_taken_at` say which and when), attested (a named user says so,
    with a reason from a fixed list for what an import could prove, a time, text and an optional file) or
    waived (a named user and a reason). `override` marks a line closed by someone not responsible for it;
    `approved_by` the second person who approved a waiver or an override (closing.py).
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
    # A line that gives (a joiner's or mover's new account, licence or device) rather than takes back; its
    # subject is the application's slug, the licence or the device kind until the import or check-out shows it.
    grant = models.BooleanField(default=False, db_default=False)
    instructions = models.TextField(blank=True)
    responsible = models.CharField(max_length=12, choices=Responsible.choices)
    responsible_person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    responsible_supplier = models.ForeignKey(
        "core.Supplier", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    due = models.DateField()
    state = models.CharField(max_length=10, choices=LineState.choices, default=LineState.OPEN)
    verified_by = models.CharField(max_length=10, choices=VerifiedBy.choices, blank=True)
    closed_by = models.CharField(max_length=150, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)  # the attestation's note or the waiver's reason
    evidence = models.FileField(upload_to="evidence/%Y/%m/", blank=True)
    reopened = models.PositiveSmallIntegerField(default=0)
    # New columns have database defaults: the engine inserts lines set-based, naming the columns it plans.
    attest_reason = models.CharField(max_length=20, choices=AttestReason.choices, blank=True, db_default="")
    attest_reference = models.CharField(max_length=100, blank=True, db_default="")  # the supplier's ticket
    # Closed by someone other than the responsible party (an admin or IT coordinator), who said why.
    override = models.BooleanField(default=False, db_default=False)
    override_reason = models.TextField(blank=True, db_default="")
    # The second person who approved the waiver or override (ORDNA_WAIVER_APPROVAL), and when.
    approved_by = models.CharField(max_length=150, blank=True, db_default="")
    approved_at = models.DateTimeField(null=True, blank=True)
    # The proof of a verified account or licence line: the import run (none for a read-back) and the moment
    # the accounts it shows were taken from the source.
    proof_run = models.ForeignKey(
        "core.ImportRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    proof_taken_at = models.DateTimeField(null=True, blank=True)
    # Someone says the line is done under their own ticket (a supplier's bulk "done, our ticket N"): a claim
    # like a service desk's (SupplierRequest), shown on the line, never a verification: the line stays open
    # until an export or a read-back verifies it (lifecycle/bulk.py).
    claim_ticket = models.CharField(max_length=100, blank=True, db_default="")
    claimed_by = models.CharField(max_length=150, blank=True, db_default="")
    claimed_done_at = models.DateTimeField(null=True, blank=True)

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
            models.CheckConstraint(
                name="line_known_attest_reason", condition=Q(attest_reason__in=["", *AttestReason.values])
            ),
            # What an import or a check-in could prove is attested only with a reason from the fixed list.
            models.CheckConstraint(
                name="line_attested_take_back_has_reason",
                condition=~Q(state="attested", grant=False, kind__in=["account", "licence", "device"])
                | ~Q(attest_reason=""),
            ),
            models.CheckConstraint(
                name="line_supplier_ticket_has_reference",
                condition=~Q(attest_reason="supplier_ticket") | ~Q(attest_reference=""),
            ),
            models.CheckConstraint(
                name="line_override_has_reason", condition=Q(override=False) | ~Q(override_reason="")
            ),
            models.CheckConstraint(
                name="line_proof_says_when",
                condition=~Q(state="verified", verified_by__in=["import", "read-back"])
                | Q(proof_taken_at__isnull=False),
            ),
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
        # The reminder engine's and the boards' questions: open lines by due date, per responsible party (the
        # coordinator's in the order of their list, `my_tasks`: thousands of lines share a due date when the HR
        # file brings many end dates late); lines closed after a moment (what was open at a day's end).
        indexes = [
            models.Index(fields=["state", "due"], name="line_state_due_idx"),
            models.Index(fields=["responsible", "state", "due", "case", "id"], name="line_role_state_due_case_idx"),
            models.Index(fields=["closed_at"], name="line_closed_at_idx"),
            # The API's list of lines, in its order (due, id).
            models.Index(fields=["due", "id"], name="line_due_id_idx"),
            models.Index(
                fields=["responsible_person", "due"], condition=Q(state="open"), name="line_open_person_due_idx"
            ),
            models.Index(
                fields=["responsible_supplier", "due"], condition=Q(state="open"), name="line_open_supplier_due_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject}"


class ReopenCause(models.TextChoices):
    CONTRADICTED = "contradicted", _("A later export contradicts it")
    LAST_DAY_MOVED = "last_day_moved", _("The last day moved after its proof")


class LineReopening(models.Model):
    """A closed line that reopened, and what it had been (issue 28): the line's history as evidence shows it.

    A verified or attested account or licence line reopens when a later import or read-back shows its account
    active (or its licence assigned) again: `import_run` names that import and `taken_at` when its accounts were
    taken. It also reopens when the last day moves after its proof. The `was_*` fields keep how it had closed,
    since reopening clears them on the line; the audit trail records the same, but the case page, the
    certificate and the evidence pack read it here, per line, in one query (and it survives the audit's
    erasure of personal details).
    """

    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="reopenings")
    reopened_at = models.DateTimeField()
    cause = models.CharField(max_length=20, choices=ReopenCause.choices)
    import_run = models.ForeignKey(
        "core.ImportRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    taken_at = models.DateTimeField(null=True, blank=True)
    was_state = models.CharField(max_length=10, choices=LineState.choices)
    was_verified_by = models.CharField(max_length=10, choices=VerifiedBy.choices, blank=True)
    was_closed_by = models.CharField(max_length=150, blank=True)
    was_closed_at = models.DateTimeField(null=True, blank=True)
    was_proof_run = models.ForeignKey(
        "core.ImportRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    was_proof_taken_at = models.DateTimeField(null=True, blank=True)
    was_attest_reason = models.CharField(max_length=20, choices=AttestReason.choices, blank=True)
    was_note = models.TextField(blank=True)
    was_evidence = models.CharField(max_length=255, blank=True)  # the attestation's file, kept in the store

    class Meta:
        ordering = ["line_id", "reopened_at", "id"]
        constraints = [
            models.CheckConstraint(name="linereopening_known_cause", condition=Q(cause__in=ReopenCause.values)),
            models.CheckConstraint(
                name="linereopening_was_closed", condition=Q(was_state__in=["verified", "attested", "waived"])
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line_id} reopened {self.reopened_at:%Y-%m-%d}"


class ClosingRequest(models.Model):
    """A waiver, or an attestation for someone else (an override), waiting for a second person's approval
    (ORDNA_WAIVER_APPROVAL): the line stays open and shows it. An admin or IT coordinator other than the
    requester approves (the line closes with the request's values) or rejects it; the requester may withdraw
    it. One pending request per line is a database constraint; decided requests stay as history."""

    class Kind(models.TextChoices):
        WAIVE = "waive", _("Waiver")
        ATTEST = "attest", _("Attestation for someone else")

    class Decision(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="closing_requests")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    note = models.TextField(blank=True)  # the waiver's reason, or the attestation's text
    attest_reason = models.CharField(max_length=20, choices=AttestReason.choices, blank=True)
    attest_reference = models.CharField(max_length=100, blank=True)
    evidence = models.FileField(upload_to="evidence/%Y/%m/", blank=True)
    override = models.BooleanField(default=False)
    override_reason = models.TextField(blank=True)
    requested_by = models.CharField(max_length=150)
    requested_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["line"], condition=Q(decision="pending"), name="closingrequest_one_pending"
            ),
            models.CheckConstraint(name="closingrequest_known_kind", condition=Q(kind__in=["waive", "attest"])),
            models.CheckConstraint(
                name="closingrequest_known_decision",
                condition=Q(decision__in=["pending", "approved", "rejected", "withdrawn"]),
            ),
            models.CheckConstraint(name="closingrequest_waiver_says_why", condition=~Q(kind="waive") | ~Q(note="")),
            models.CheckConstraint(
                name="closingrequest_decided_says_who_and_when",
                condition=Q(decision="pending") | (~Q(decided_by="") & Q(decided_at__isnull=False)),
            ),
            models.CheckConstraint(
                name="closingrequest_override_has_reason", condition=Q(override=False) | ~Q(override_reason="")
            ),
        ]
        indexes = [
            models.Index(fields=["requested_at"], condition=Q(decision="pending"), name="closingrequest_pending_idx")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.line_id} {self.decision}"


class ExitSurveyInvitation(models.Model):
    """The leaver's personal link to the exit survey: one per leaver case, answered once, expiring.

    The link carries a signed token naming the invitation and its `nonce`; the answers are stored apart,
    without any reference back to the invitation or the person.
    """

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="exit_survey")
    nonce = models.CharField(max_length=32)
    locale = models.CharField(max_length=2, default="en")
    # Copied from the person when invited, so the anonymous answer can be grouped without a link to them.
    department = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    answered = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"exit survey {self.case_id}"


class ExitSurveyAnswer(models.Model):
    """One anonymous answer: department and quarter only, never who or when exactly (docs/joiners-movers.md)."""

    department = models.CharField(max_length=150, blank=True)
    quarter = models.CharField(max_length=7)  # 2026-Q4
    overall = models.PositiveSmallIntegerField()
    recommend = models.PositiveSmallIntegerField()
    offboarding = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["quarter", "department"]
        constraints = [
            models.CheckConstraint(
                name="exitsurveyanswer_ratings_1_to_5",
                condition=Q(overall__gte=1, overall__lte=5)
                & Q(recommend__gte=1, recommend__lte=5)
                & Q(offboarding__gte=1, offboarding__lte=5),
            ),
        ]
        indexes = [models.Index(fields=["quarter", "department"], name="exitanswer_quarter_dept_idx")]

    def __str__(self) -> str:
        return f"{self.quarter} {self.department}"


class AlumniConsent(models.Model):
    """A leaver's consent to be contacted as an alumnus, kept apart from the survey's answers and removable
    by the person through their link (withdrawn consent keeps only when it was withdrawn)."""

    invitation = models.OneToOneField(ExitSurveyInvitation, on_delete=models.CASCADE, related_name="alumni_consent")
    person = models.ForeignKey("people.Person", null=True, on_delete=models.SET_NULL, related_name="+")
    email = models.EmailField(max_length=254, blank=True)
    given_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"alumni consent {self.person_id}"


class RequestState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")


class SupplierRequest(models.Model):
    """One mail to a supplier's service desk for one case: the accounts (and licences) it must take back in the
    systems it runs, under a reference that stays the same for the case (docs/notifications.md).

    The supplier answers through a signed link with its own ticket reference and "done": a claim, shown on
    the lines, never a verification (an export or a connector's read-back still verifies them). Sent like a
    digest: a conditional update claims it (pending to sending), a failure goes back to pending with a later
    attempt; `lines` is what the last mail listed, so new accounts send an update under the same reference.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supplier_requests")
    supplier = models.ForeignKey("core.Supplier", on_delete=models.CASCADE, related_name="+")
    reference = models.CharField(max_length=40, unique=True)
    address = models.CharField(max_length=254)
    due = models.DateField()
    lines = models.JSONField(default=list)  # the line ids listed in the last mail
    state = models.CharField(max_length=10, choices=RequestState.choices, default=RequestState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    mails_sent = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    ticket_reference = models.CharField(max_length=100, blank=True)
    claimed_done_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "supplier"], name="supplierrequest_one_per_case_supplier"),
            models.CheckConstraint(name="supplierrequest_known_state", condition=Q(state__in=RequestState.values)),
            models.CheckConstraint(
                name="supplierrequest_sent_has_time", condition=~Q(state="sent") | Q(sent_at__isnull=False)
            ),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="supplierreq_state_next_idx")]

    def __str__(self) -> str:
        return self.reference
