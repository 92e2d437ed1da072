"""The schemas of the offboarding API: cases, lines, closing requests, tasks, templates."""

from datetime import date, datetime
from typing import Any

from ninja import Schema


class CaseOut(Schema):
    id: int
    kind: str
    from_department: str
    from_employment_type: str
    from_company: str | None  # a move between companies of the group: the code of the company left
    person: str
    person_name: str
    department: str
    effective_date: date
    status: str
    urgent: bool
    opened_by: str
    opened_at: datetime
    completed_at: datetime | None
    cancel_reason: str

    @staticmethod
    def resolve_from_company(obj: Any) -> str | None:
        return obj.from_company.code if obj.from_company_id else None

    @staticmethod
    def resolve_person(obj: Any) -> str:
        return str(obj.person.employee_id)

    @staticmethod
    def resolve_person_name(obj: Any) -> str:
        return str(obj.person.full_name)

    @staticmethod
    def resolve_department(obj: Any) -> str:
        return str(obj.person.department)


class ReopeningOut(Schema):
    """A closed line that reopened (issue 28): when, why (`contradicted`: the import run whose accounts, taken at
    `taken_at`, show it active or assigned again; `last_day_moved`), and how it had closed."""

    reopened_at: datetime
    cause: str
    import_run: int | None
    taken_at: datetime | None
    was_state: str
    was_verified_by: str | None
    was_closed_by: str
    was_closed_at: datetime | None
    was_proof_import_run: int | None
    was_proof_taken_at: datetime | None
    was_attest_reason: str | None

    @staticmethod
    def resolve_import_run(obj: Any) -> int | None:
        return obj.import_run_id

    @staticmethod
    def resolve_was_proof_import_run(obj: Any) -> int | None:
        return obj.was_proof_run_id

    @staticmethod
    def resolve_was_verified_by(obj: Any) -> str | None:
        return obj.was_verified_by or None

    @staticmethod
    def resolve_was_attest_reason(obj: Any) -> str | None:
        return obj.was_attest_reason or None


class LineOut(Schema):
    id: int
    case_id: int
    case_person: str
    kind: str
    application: str | None
    subject: str
    instructions: str
    responsible: str
    responsible_person: str | None
    responsible_supplier: str | None
    due: date
    state: str
    verified_by: str | None
    closed_by: str
    closed_at: datetime | None
    note: str
    reopened: int
    grant: bool
    attest_reason: str | None
    attest_reference: str
    override: bool
    override_reason: str
    approved_by: str
    approved_at: datetime | None
    proof_import_run: int | None
    proof_taken_at: datetime | None
    claim_ticket: str
    claimed_by: str
    claimed_done_at: datetime | None
    reopenings: list[ReopeningOut]

    @staticmethod
    def resolve_reopenings(obj: Any) -> list[Any]:
        return list(obj.reopenings.all())

    @staticmethod
    def resolve_case_person(obj: Any) -> str:
        return str(obj.case.person.employee_id)

    @staticmethod
    def resolve_application(obj: Any) -> str | None:
        return obj.application.slug if obj.application_id else None

    @staticmethod
    def resolve_responsible_person(obj: Any) -> str | None:
        return obj.responsible_person.employee_id if obj.responsible_person_id else None

    @staticmethod
    def resolve_responsible_supplier(obj: Any) -> str | None:
        return obj.responsible_supplier.name if obj.responsible_supplier_id else None

    @staticmethod
    def resolve_verified_by(obj: Any) -> str | None:
        return obj.verified_by or None

    @staticmethod
    def resolve_attest_reason(obj: Any) -> str | None:
        return obj.attest_reason or None

    @staticmethod
    def resolve_proof_import_run(obj: Any) -> int | None:
        return obj.proof_run_id


class CaseDetailOut(CaseOut):
    lines: list[LineOut]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.visible_lines)


class CasesRunOut(Schema):
    opened: list[str]
    replanned: list[str]
    cancelled: list[str]
    lines_added: int


class AttestIn(Schema):
    """`reason` from the fixed list for account, licence and device lines (see /api/docs: AttestReason);
    `reference` is the supplier's ticket for reason supplier_ticket. `override` (with `override_reason`) closes a
    line someone else is responsible for (admins and IT coordinators)."""

    reason: str = ""
    reference: str = ""
    note: str = ""
    override: bool = False
    override_reason: str = ""


class LinesBulkIn(Schema):
    """`action` claim (a claim under `ticket`: the lines stay open until an export or read-back verifies them),
    attest (with `reason`, `reference`, `note`) or waive (with `reason`); attest and waive are for admins and IT
    coordinators. All or nothing: a refused line applies none."""

    lines: list[int]
    action: str
    ticket: str = ""
    reason: str = ""
    reference: str = ""
    note: str = ""
    override: bool = False
    override_reason: str = ""


class LinesBulkOut(Schema):
    action: str
    lines: list[LineOut]
    pending: int


class WaiveIn(Schema):
    reason: str = ""
    override: bool = False
    override_reason: str = ""


class ClosingRequestOut(Schema):
    """A waiver, or an override, waiting for a second person's approval (or decided)."""

    id: int
    line_id: int
    kind: str
    note: str
    attest_reason: str | None
    attest_reference: str
    override: bool
    override_reason: str
    requested_by: str
    requested_at: datetime
    decision: str
    decided_by: str
    decided_at: datetime | None
    decision_note: str

    @staticmethod
    def resolve_attest_reason(obj: Any) -> str | None:
        return obj.attest_reason or None


class ClosingDecisionIn(Schema):
    note: str = ""


class TaskOut(Schema):
    id: int
    title: str
    instructions: str
    responsible: str
    application: str | None
    offset_days: int

    @staticmethod
    def resolve_application(obj: Any) -> str | None:
        return obj.application.slug if obj.application_id else None


class BirthrightOut(Schema):
    id: int
    kind: str
    application: str | None
    licence: str
    device_kind: str

    @staticmethod
    def resolve_application(obj: Any) -> str | None:
        return obj.application.slug if obj.application_id else None


class BirthrightIn(Schema):
    application: str | None = None
    licence: str = ""
    device_kind: str = ""


class TemplateOut(Schema):
    id: int
    kind: str
    company: str | None  # a company's own template (its code); null: the group's
    exit_survey: bool
    birthrights: list[BirthrightOut]
    name: str
    employment_type: str
    department: str
    active: bool
    tasks: list[TaskOut]

    @staticmethod
    def resolve_tasks(obj: Any) -> list[Any]:
        return list(obj.tasks.all())

    @staticmethod
    def resolve_birthrights(obj: Any) -> list[Any]:
        return list(obj.birthrights.all())

    @staticmethod
    def resolve_company(obj: Any) -> str | None:
        return obj.company.code if obj.company_id else None


class TemplateIn(Schema):
    name: str
    company: str | None = None  # a company's code: its own template; none: the group's
    employment_type: str = ""
    department: str = ""
    active: bool = True
    kind: str = "leaver"
    exit_survey: bool = False


class TemplatePatch(Schema):
    name: str | None = None
    company: str | None = None
    employment_type: str | None = None
    department: str | None = None
    active: bool | None = None
    exit_survey: bool | None = None


class TaskIn(Schema):
    title: str
    responsible: str
    offset_days: int = 0
    instructions: str = ""
    application: str | None = None
