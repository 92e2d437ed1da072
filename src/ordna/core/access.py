"""Who may do what, and on which objects (docs/roles.md).

One table of capabilities says which roles may use a page or endpoint at all; the scope functions say
which objects each role sees. Both web views and API handlers call these, so a page and its endpoint
can never disagree. Anything outside a user's capabilities or scope answers 404, never 403, so that
its existence is not revealed.

The scope of each kind of object lives in the app that owns its model, next to it (`ordna/people/scopes.py`,
`applications`, `accounts`, `devices`, `suppliers`, `lifecycle`, `support`, `releases`, `reviews`), built on the
role constants here; the suppliers' own scope is here, since the Supplier model is core's.

A user may be scoped to one or more companies of the group (docs/companies.md): every scope then keeps to
those companies' people (`in_companies`), and the capabilities that act on the whole group (`GROUP_ONLY`) are
not theirs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from ordna.core.models import Company, Role, Supplier

if TYPE_CHECKING:
    from ordna.core.models import User

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
    "people.end_date": frozenset({A, C, H}),  # set a last day by hand, with a reason (issue 16)
    "people.export": frozenset({A, C, H, AU}),
    # A person's data on request, legal holds and erasure requests (docs/privacy.md): administrators only.
    "privacy.manage": frozenset({A}),
    "applications.list": frozenset({A, C, H, MG, K, S, AU}),  # scoped
    "applications.view": frozenset({A, C, H, MG, K, S, AU}),  # scoped
    "applications.edit": frozenset({A, C}),
    "licenses.list": frozenset({A, C, K, AU}),  # scoped to visible applications
    "licenses.edit": frozenset({A, C}),
    "accounts.list": frozenset({A, C, K, E, AU}),  # scoped: key users their applications, employees their own
    "accounts.import": frozenset({A, C}),
    "accounts.review": frozenset({A, C, K}),  # scoped to the key user's applications
    # HR follows the leavers' findings with IT (issue 23): all of them, read-only.
    "findings.list": frozenset({A, C, H, K, AU}),  # scoped to the key user's applications
    "findings.accept": frozenset({A, C, K}),  # scoped
    "devices.list": frozenset({A, C, H, MG, E, AU}),  # scoped: managers their reports', employees their own
    "devices.edit": frozenset({A, C}),
    "imports.history": frozenset({A, C, H, AU}),
    "suppliers.list": frozenset({A, C, AU}),
    "suppliers.edit": frozenset({A, C}),
    "users.manage": frozenset({A, C}),
    # The companies of the group (docs/companies.md): seen by IT, HR and auditors (scoped: their own), edited by IT.
    "companies.list": frozenset({A, C, H, AU}),
    "companies.edit": frozenset({A, C}),
    "audit.view": frozenset({A, C, AU}),
    # Offboarding (ordna.lifecycle). Cases and lines are scoped (cases_scope, lines_scope, lines_closable_scope).
    "cases.list": frozenset({A, C, H, MG, AU}),  # the board; managers see their reporting line's cases
    "cases.view": frozenset({A, C, H, MG, K, S, E, AU}),  # scoped: a case with a line of theirs
    "cases.open": frozenset({A, C, H}),  # run the opening rules now
    "cases.export": frozenset({A, C, H, AU}),
    "cases.certificate": frozenset({A, C, H, AU}),
    "lines.list": frozenset({A, C, H, MG, K, S, E, AU}),  # scoped
    "lines.close": frozenset({A, C, H, MG, K, S, E}),  # scoped to the lines the user is responsible for
    # A waiver or an override waits for a second admin or IT coordinator (never the requester): issue 16.
    "lines.approve": frozenset({A, C}),
    "tasks.mine": frozenset({A, C, H, MG, K, S, E}),
    "templates.view": frozenset({A, C, H, AU}),
    "templates.edit": frozenset({A, C, H}),
    # Joiners, movers and the exit survey (issue 11).
    "access.view": frozenset({A, C, H, MG, AU}),  # expected versus actual, scoped to people_scope
    "exitsurvey.invite": frozenset({A, C, H}),
    "exitsurvey.report": frozenset({A, C, H, AU}),  # anonymous, groups below five answers hidden
    "alumni.list": frozenset({A, H}),
    # Key users and support (docs/key-users.md).
    "appointments.edit": frozenset({A, C}),
    "questions.list": frozenset({A, C, H, MG, K, S, E, AU}),  # scoped: questions_scope
    "questions.ask": frozenset({A, C, H, MG, K, E}),  # for oneself (a linked person); also replying when asked back
    "questions.ask_for_others": frozenset({A, C, K}),  # a colleague's phone call, an intranet page, a chat bot
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
    # IT and HR follow up together (issue 23): HR reads the dashboard, the monthly follow-up and the licences.
    "reports.view": frozenset({A, C, H, AU}),  # scoped: a user scoped to companies sees their companies' figures
    "reports.group": frozenset({A, C, AU}),  # the group report: every company side by side
    "reports.evidence": frozenset({A, C, AU}),  # reads only; records who drew which sample
    # Reminders (docs/notifications.md): the notification log (scoped: one's own digests, all for A, C, AU), running the
    # reminders now, and one's own calendar feed.
    "notifications.log": frozenset({A, C, H, MG, K, S, E, AU}),
    "reminders.run": frozenset({A, C}),
    "calendar.own": frozenset({A, C, H, MG, K, S, E, AU}),
    # Connectors (docs/connectors.md): configuration, test, sync and disabling, and the outbox of disables.
    "connectors.view": frozenset({A, C, AU}),
    "connectors.manage": frozenset({A, C}),  # set, test, sync now, deprovision one account
    # Feeds (docs/feeds.md): sources that deliver files by themselves, and the source health page.
    "feeds.view": frozenset({A, C, AU}),
    "feeds.manage": frozenset({A, C}),  # define, run now, confirm a held mass change
    "outbox.list": frozenset({A, C, AU}),
    "outbox.decide": frozenset({A, C}),  # approve, cancel or retry a disable
    # Suppliers, contracts, service levels and reviews (docs/suppliers.md); supplier users see their own company.
    "suppliers.view": frozenset({A, C, AU, S}),  # scoped: suppliers_scope (the portal for supplier users)
    "contracts.list": frozenset({A, C, AU, S}),  # scoped: suppliers.scopes.contracts_scope
    "contracts.edit": frozenset({A, C}),  # also import, decisions, documents and service levels
    "contracts.export": frozenset({A, C, AU, S}),  # scoped
    # Processors (docs/processors.md): data-processing agreements, sub-processors, transfers, oversight, gaps.
    "processors.list": frozenset({A, C, AU, S}),  # scoped: suppliers.scopes.agreements_scope
    "processors.edit": frozenset({A, C}),  # also oversight, transfers, sub-processor decisions and the import
    "processors.supplier": frozenset(
        {A, C, S}
    ),  # scoped: upload a new version, add (supplier: announce) a sub-processor
    "processing.record": frozenset({A, C, AU}),  # the record of processing (article 30); scoped to companies' apps
    "processing.edit": frozenset({A, C}),  # what the record says where the data does not
    "reviews.list": frozenset({A, C, AU, S}),  # scoped: reviews.scopes.reviews_scope, actions_scope
    "reviews.edit": frozenset({A, C}),  # plan, agenda, minutes, action items
    "actions.close": frozenset({A, C, S}),  # scoped: supplier users their company's own ("theirs") actions
    # Releases (docs/releases.md).
    "releases.list": frozenset({A, C, H, MG, K, S, E, AU}),  # scoped: releases_scope
    "releases.manage": frozenset({A, C, K}),  # scoped: handled applications
    "releases.test": frozenset({K}),  # scoped: one's own test cases
    "releases.approve": frozenset({MG, K}),  # the service checks: an appointed key user, or the owner
}

ORG_WIDE_READERS = frozenset({A, C, H, AU})

# Capabilities that act on the whole group (issue 19): a user scoped to companies does not hold them, whatever
# their roles. Users and their companies, the audit log and the import history (every company's files), the HR
# file and account exports (each spans the group), running the opening rules for everyone, connectors and their
# outbox, the price list, applications, suppliers, contracts and reviews, key users' appointments, surveys, the
# reminder run, the alumni and the exit survey's report, and the group report (every company side by side). Case
# templates are scoped instead: a scoped user edits their companies' own (lifecycle.scopes).
GROUP_ONLY: frozenset[str] = frozenset(
    {
        "users.manage",
        "companies.edit",
        "audit.view",
        "imports.history",
        "people.import",
        "cases.open",
        "accounts.import",
        "licenses.edit",
        "applications.edit",
        "suppliers.edit",
        "connectors.view",
        "connectors.manage",
        "feeds.view",
        "feeds.manage",
        "outbox.list",
        "outbox.decide",
        "contracts.edit",
        "processors.edit",
        "processing.edit",
        "reviews.edit",
        "appointments.edit",
        "surveys.manage",
        "reminders.run",
        "alumni.list",
        "exitsurvey.report",
        "reports.group",
        "privacy.manage",
    }
)


def can(user: User, capability: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if capability in GROUP_ONLY and user.company_ids is not None:
        return False
    return user.has_role(*CAPABILITIES[capability])


def in_companies(user: User, lookup: str) -> Q:
    """The filter that keeps a scope to `user`'s companies, on the company field `lookup` ("company",
    "person__company", ...); no filter for a user who sees the whole group."""
    ids = user.company_ids
    return Q() if ids is None else Q(**{f"{lookup}__in": sorted(ids)})


def require(user: User, capability: str) -> None:
    """Raise 404 unless `user` holds `capability`."""
    if not can(user, capability):
        raise Http404


def suppliers_scope(user: User) -> QuerySet[Supplier]:
    """All suppliers for IT and auditors; their own company for supplier users. Their contracts, reviews and
    actions follow it (suppliers.scopes, reviews.scopes)."""
    if user.has_role(A, C, AU):
        return Supplier.objects.all()
    if user.supplier_id is not None and user.has_role(S):
        return Supplier.objects.filter(pk=user.supplier_id)
    return Supplier.objects.none()


def companies_scope(user: User) -> QuerySet[Company]:
    """Every company of the group, or the companies `user` is scoped to."""
    ids = user.company_ids
    return Company.objects.all() if ids is None else Company.objects.filter(pk__in=sorted(ids))


def get_in_scope(queryset: QuerySet[M], **lookup: object) -> M:
    """The object matching `lookup` inside the scoped `queryset`, or 404."""
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj
