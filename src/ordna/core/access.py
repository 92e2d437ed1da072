"""Who may do what, and on which objects (DESIGN.md 3.7).

One table of capabilities says which roles may use a page or endpoint at all; the scope functions say
which objects each role sees. Both web views and API handlers call these, so a page and its endpoint
can never disagree. Anything outside a user's capabilities or scope answers 404, never 403, so that
its existence is not revealed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from ordna.core.models import Role, Supplier

if TYPE_CHECKING:
    from ordna.accounts.models import Account, Finding
    from ordna.applications.models import Application
    from ordna.core.models import User
    from ordna.devices.models import Device
    from ordna.lifecycle.models import Case, Line
    from ordna.people.models import Person
    from ordna.releases.models import Release
    from ordna.support.models import Question, Wish

M = TypeVar("M", bound=Model)

A, C, H, MG, K, S, E, AU = (
    Role.ADMIN,
    Role.COORDINATOR,
    Role.HR,
    Role.MANAGER,
    Role.KEY_USER,
    Role.SUPPLIER,
    Role.EMPLOYEE,
    Role.AUDITOR,
)

# Capability -> roles that hold it. Every view and API operation names exactly one capability.
CAPABILITIES: dict[str, frozenset[str]] = {
    "dashboard": frozenset({A, C, H, MG, K, S, E, AU}),
    "people.list": frozenset({A, C, H, MG, AU}),
    "people.view": frozenset({A, C, H, MG, E, AU}),  # scoped: managers their reports, employees themselves
    "people.import": frozenset({A, C, H}),
    "people.export": frozenset({A, C, H, AU}),
    "applications.list": frozenset({A, C, H, MG, K, S, AU}),  # scoped
    "applications.view": frozenset({A, C, H, MG, K, S, AU}),  # scoped
    "applications.edit": frozenset({A, C}),
    "licenses.list": frozenset({A, C, K, AU}),  # scoped to visible applications
    "licenses.edit": frozenset({A, C}),
    "accounts.list": frozenset({A, C, K, E, AU}),  # scoped: key users their applications, employees their own
    "accounts.import": frozenset({A, C}),
    "accounts.review": frozenset({A, C, K}),  # scoped to the key user's applications
    "findings.list": frozenset({A, C, K, AU}),  # scoped to the key user's applications
    "findings.accept": frozenset({A, C, K}),  # scoped
    "devices.list": frozenset({A, C, H, MG, E, AU}),  # scoped: managers their reports', employees their own
    "devices.edit": frozenset({A, C}),
    "imports.history": frozenset({A, C, H, AU}),
    "suppliers.list": frozenset({A, C, AU}),
    "suppliers.edit": frozenset({A, C}),
    "users.manage": frozenset({A, C}),
    "audit.view": frozenset({A, C, AU}),
    # Offboarding (ordna.lifecycle). Cases and lines are scoped (cases_scope, lines_scope, lines_closable_scope).
    "cases.list": frozenset({A, C, H, MG, AU}),  # the board; managers see their reporting line's cases
    "cases.view": frozenset({A, C, H, MG, K, S, E, AU}),  # scoped: a case with a line of theirs
    "cases.open": frozenset({A, C, H}),  # run the opening rules now
    "cases.export": frozenset({A, C, H, AU}),
    "cases.certificate": frozenset({A, C, H, AU}),
    "lines.list": frozenset({A, C, H, MG, K, S, E, AU}),  # scoped
    "lines.close": frozenset({A, C, H, MG, K, S, E}),  # scoped to the lines the user is responsible for
    "tasks.mine": frozenset({A, C, H, MG, K, S, E}),
    "templates.view": frozenset({A, C, H, AU}),
    "templates.edit": frozenset({A, C, H}),
    # Joiners, movers and the exit survey (issue 11).
    "access.view": frozenset({A, C, H, MG, AU}),  # expected versus actual, scoped to people_scope
    "exitsurvey.invite": frozenset({A, C, H}),
    "exitsurvey.report": frozenset({A, C, H, AU}),  # anonymous, groups below five answers hidden
    "alumni.list": frozenset({A, H}),
    # Key users and support (DESIGN.md 3.4).
    "appointments.edit": frozenset({A, C}),
    "questions.list": frozenset({A, C, H, MG, K, S, E, AU}),  # scoped: questions_scope
    "questions.ask": frozenset({A, C, H, MG, K, E}),  # for oneself (a linked person); also replying when asked back
    "questions.ask_for_others": frozenset({A, C}),  # an intranet page or chat bot asking on someone's behalf
    "questions.handle": frozenset({A, C, K}),  # scoped: key users their applications' questions
    "questions.supplier_answer": frozenset({S}),  # scoped: escalated to the user's own company
    "knowledge.list": frozenset({A, C, H, MG, K, S, E, AU}),  # scoped to visible applications for suppliers
    "workload.view": frozenset({A, C, K, AU}),  # scoped: key users themselves
    "insight.view": frozenset({A, C, K, AU}),  # scoped: key users their applications
    "surveys.list": frozenset({A, C, H, MG, K, E, AU}),
    "surveys.manage": frozenset({A, C}),
    "surveys.results": frozenset({A, C, AU}),
    "surveys.answer": frozenset({A, C, H, MG, K, E}),  # scoped: one's own invitations
    "wishes.list": frozenset({A, C, H, MG, K, S, E, AU}),  # scoped: suppliers their applications' planned wishes
    "wishes.propose": frozenset({A, C, H, MG, K, E}),  # also voting
    "wishes.triage": frozenset({A, C, K}),  # scoped: key users their applications
    # Reports (ordna.reports): organisation-wide figures, licence money and the auditor's evidence.
    "reports.view": frozenset({A, C, AU}),
    "reports.evidence": frozenset({A, C, AU}),  # reads only; records who drew which sample
    # Reminders (DESIGN.md 3.3): the notification log (scoped: one's own digests, all for A, C, AU), running the
    # reminders now, and one's own calendar feed.
    "notifications.log": frozenset({A, C, H, MG, K, S, E, AU}),
    "reminders.run": frozenset({A, C}),
    "calendar.own": frozenset({A, C, H, MG, K, S, E, AU}),
    # Connectors (DESIGN.md 5): configuration, test, sync and disabling, and the outbox of disables.
    "connectors.view": frozenset({A, C, AU}),
    "connectors.manage": frozenset({A, C}),  # set, test, sync now, deprovision one account
    "outbox.list": frozenset({A, C, AU}),
    "outbox.decide": frozenset({A, C}),  # approve, cancel or retry a disable
    # Suppliers, contracts, service levels and reviews (DESIGN.md 3.5); supplier users see their own company.
    "suppliers.view": frozenset({A, C, AU, S}),  # scoped: suppliers_scope (the portal for supplier users)
    "contracts.list": frozenset({A, C, AU, S}),  # scoped: suppliers.scopes.contracts_scope
    "contracts.edit": frozenset({A, C}),  # also import, decisions, documents and service levels
    "contracts.export": frozenset({A, C, AU, S}),  # scoped
    "reviews.list": frozenset({A, C, AU, S}),  # scoped: reviews.scopes.reviews_scope, actions_scope
    "reviews.edit": frozenset({A, C}),  # plan, agenda, minutes, action items
    "actions.close": frozenset({A, C, S}),  # scoped: supplier users their company's own ("theirs") actions
    # Releases (DESIGN.md 3.6).
    "releases.list": frozenset({A, C, H, MG, K, S, E, AU}),  # scoped: releases_scope
    "releases.manage": frozenset({A, C, K}),  # scoped: handled applications
    "releases.test": frozenset({K}),  # scoped: one's own test cases
    "releases.approve": frozenset({MG, K}),  # the service checks: an appointed key user, or the owner
}

ORG_WIDE_READERS = frozenset({A, C, H, AU})


def can(user: User, capability: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.has_role(*CAPABILITIES[capability])


def require(user: User, capability: str) -> None:
    """Raise 404 unless `user` holds `capability`."""
    if not can(user, capability):
        raise Http404


def _report_ids(manager_id: int) -> set[int]:
    """Everyone below `manager_id` in the reporting line, one query per level (cycles are harmless)."""
    from ordna.people.models import Person

    found: set[int] = set()
    frontier = {manager_id}
    while frontier:
        below = set(Person.objects.filter(manager_id__in=frontier).values_list("id", flat=True)) - found
        below.discard(manager_id)
        found |= below
        frontier = below
    return found


def people_scope(user: User) -> QuerySet[Person]:
    """The people `user` may see: all for HR, IT and auditors; reports for managers; oneself for employees."""
    from ordna.people.models import Person

    people = Person.objects.all()
    if user.has_role(*ORG_WIDE_READERS):
        return people
    condition = Q(pk__in=[])
    if user.person_id is not None:
        if user.has_role(MG):
            condition |= Q(pk__in=_report_ids(user.person_id)) | Q(pk=user.person_id)
        if user.has_role(E):
            condition |= Q(pk=user.person_id)
    return people.filter(condition)


def appointed_application_ids(user: User) -> QuerySet[Any]:
    """The applications `user`'s person is appointed to today (key user, deputy or coordinator)."""
    from ordna.applications.models import KeyUserAppointment, active_on

    return KeyUserAppointment.objects.filter(active_on(timezone.localdate()), person_id=user.person_id or -1).values(
        "application_id"
    )


def applications_scope(user: User) -> QuerySet[Application]:
    """All applications for HR, IT and auditors; owned ones for owners; appointed ones for key users; the
    company's own for suppliers."""
    from ordna.applications.models import Application

    apps = Application.objects.all()
    if user.has_role(*ORG_WIDE_READERS):
        return apps
    condition = Q(pk__in=[])
    if user.person_id is not None and user.has_role(MG, K):
        condition |= Q(owner_id=user.person_id)
    if user.person_id is not None and user.has_role(K):
        condition |= Q(pk__in=appointed_application_ids(user))
    if user.supplier_id is not None and user.has_role(S):
        condition |= Q(supplier_id=user.supplier_id)
    return apps.filter(condition)


def accounts_scope(user: User) -> QuerySet[Account]:
    from ordna.accounts.models import Account

    accounts = Account.objects.all()
    if user.has_role(A, C, AU):
        return accounts
    condition = Q(pk__in=[])
    if user.has_role(K):
        condition |= Q(application__in=applications_scope(user))
    if user.person_id is not None and user.has_role(E):
        condition |= Q(person_id=user.person_id)
    return accounts.filter(condition)


def findings_scope(user: User) -> QuerySet[Finding]:
    from ordna.accounts.models import Finding

    findings = Finding.objects.all()
    if user.has_role(A, C, AU):
        return findings
    return findings.filter(application__in=applications_scope(user))


def devices_scope(user: User) -> QuerySet[Device]:
    from ordna.devices.models import Device

    devices = Device.objects.all()
    if user.has_role(*ORG_WIDE_READERS):
        return devices
    return devices.filter(holder__in=people_scope(user))


def lines_closable_scope(user: User) -> QuerySet[Line]:
    """The lines `user` may close: all for admins and IT coordinators; else those of their responsibility."""
    from ordna.lifecycle.models import Line, Responsible

    lines = Line.objects.all()
    if user.has_role(A, C):
        return lines
    condition = Q(pk__in=[])
    if user.has_role(H):
        condition |= Q(responsible=Responsible.HR)
    if user.person_id is not None:
        if user.has_role(MG):
            condition |= Q(responsible=Responsible.MANAGER, responsible_person_id=user.person_id)
        if user.has_role(MG, K):
            condition |= Q(responsible=Responsible.OWNER, responsible_person_id=user.person_id)
        if user.has_role(E):
            condition |= Q(responsible=Responsible.EMPLOYEE, responsible_person_id=user.person_id)
    if user.supplier_id is not None and user.has_role(S):
        condition |= Q(responsible=Responsible.SUPPLIER, responsible_supplier_id=user.supplier_id)
    return lines.filter(condition)


def lines_scope(user: User) -> QuerySet[Line]:
    """The lines `user` may see: all for HR, IT and auditors; else their own, their reports' cases' lines
    (managers), and the devices they must return (employees)."""
    from ordna.lifecycle.models import Line, LineKind

    lines = Line.objects.all()
    if user.has_role(*ORG_WIDE_READERS):
        return lines
    condition = Q(pk__in=lines_closable_scope(user).values("pk"))
    if user.person_id is not None:
        if user.has_role(MG):
            # Their reports' cases; their own case falls under the employee's rule like anyone's.
            condition |= Q(case__person_id__in=_report_ids(user.person_id))
        if user.has_role(E):
            condition |= Q(case__person_id=user.person_id, kind=LineKind.DEVICE)
    return lines.filter(condition)


def cases_scope(user: User) -> QuerySet[Case]:
    """All cases for HR, IT and auditors; managers their reporting line's; others the cases with a line of theirs."""
    from ordna.lifecycle.models import Case

    cases = Case.objects.all()
    if user.has_role(*ORG_WIDE_READERS):
        return cases
    condition = Q(pk__in=lines_scope(user).values("case_id"))
    if user.has_role(MG) and user.person_id is not None:
        condition |= Q(person__in=people_scope(user))
    return cases.filter(condition)


def handled_applications_scope(user: User) -> QuerySet[Application]:
    """The applications whose questions and wishes `user` handles: all for admins and IT coordinators, the
    owned and appointed ones for key users."""
    from ordna.applications.models import Application

    if user.has_role(A, C):
        return Application.objects.all()
    if user.person_id is None or not user.has_role(K):
        return Application.objects.none()
    return Application.objects.filter(Q(owner_id=user.person_id) | Q(pk__in=appointed_application_ids(user)))


def questions_scope(user: User) -> QuerySet[Question]:
    """All for IT and auditors; the handled applications' and assigned ones for key users; escalated ones of
    their own company for suppliers; and everyone their own questions."""
    from ordna.support.models import Question

    questions = Question.objects.all()
    if user.has_role(A, C, AU):
        return questions
    condition = Q(pk__in=[])
    if user.person_id is not None:
        condition |= Q(asked_by_id=user.person_id)
        if user.has_role(K):
            condition |= Q(application__in=handled_applications_scope(user)) | Q(assignee_id=user.person_id)
    if user.supplier_id is not None and user.has_role(S):
        condition |= Q(supplier_id=user.supplier_id, escalated_at__isnull=False)
    return questions.filter(condition)


def handled_questions_scope(user: User) -> QuerySet[Question]:
    """The questions `user` may answer, escalate and resolve as key user (or IT)."""
    from ordna.support.models import Question

    if user.has_role(A, C):
        return Question.objects.all()
    if user.person_id is None or not user.has_role(K):
        return Question.objects.none()
    return Question.objects.filter(Q(application__in=handled_applications_scope(user)) | Q(assignee_id=user.person_id))


def wishes_scope(user: User) -> QuerySet[Wish]:
    """Wishes are open to the whole organisation; suppliers see the planned ones of their applications (the
    review agenda)."""
    from ordna.support.models import Wish, WishState

    wishes = Wish.objects.all()
    if user.has_role(A, C, H, MG, K, E, AU):
        return wishes
    if user.supplier_id is not None and user.has_role(S):
        return wishes.filter(state=WishState.PLANNED, application__supplier_id=user.supplier_id)
    return wishes.none()


def suppliers_scope(user: User) -> QuerySet[Supplier]:
    """All suppliers for IT and auditors; their own company for supplier users. Their contracts, reviews and
    actions follow it (suppliers.scopes, reviews.scopes)."""
    if user.has_role(A, C, AU):
        return Supplier.objects.all()
    if user.supplier_id is not None and user.has_role(S):
        return Supplier.objects.filter(pk=user.supplier_id)
    return Supplier.objects.none()


def releases_scope(user: User) -> QuerySet[Release]:
    """All releases for HR, IT and auditors; the handled applications' for key users; their applications' for
    suppliers; and the announced releases of applications in which one has an active account."""
    from ordna.accounts.models import Account
    from ordna.releases.models import Release, ReleaseTest

    releases = Release.objects.all()
    if user.has_role(*ORG_WIDE_READERS):
        return releases
    condition = Q(pk__in=[])
    if user.has_role(K):
        condition |= Q(application__in=handled_applications_scope(user))
        if user.person_id is not None:
            assigned = ReleaseTest.objects.filter(assignee_id=user.person_id).values("release_id")
            condition |= Q(pk__in=assigned) | Q(application__owner_id=user.person_id)
    if user.has_role(MG) and user.person_id is not None:
        condition |= Q(application__owner_id=user.person_id)
    if user.supplier_id is not None and user.has_role(S):
        condition |= Q(application__supplier_id=user.supplier_id)
    if user.person_id is not None:
        used = Account.objects.filter(person_id=user.person_id, status="active").values("application_id")
        condition |= Q(announced_at__isnull=False, application_id__in=used)
    return releases.filter(condition)


def get_in_scope(queryset: QuerySet[M], **lookup: object) -> M:
    """The object matching `lookup` inside the scoped `queryset`, or 404."""
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj
