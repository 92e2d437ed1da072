"""The small write services of accounts: re-linking with the people as they are now, review decisions,
accepted findings, price lists. Each runs in one transaction and records what it did.

The account import itself is ordna.accounts.importing (reading, planning and applying in their own
modules); the findings' bookkeeping is ordna.accounts.findings_sync.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from ordna.accounts.announcing import announce_pending
from ordna.accounts.applying import apply_plan
from ordna.accounts.errors import AccountsError
from ordna.accounts.findings_sync import findings_recompute, findings_reprice
from ordna.accounts.importing import plan_import
from ordna.accounts.models import Account, Finding, FindingState, MatchRule
from ordna.accounts.presets import AccountRecord, Proves
from ordna.accounts.reading import people_version
from ordna.applications.models import Application, License
from ordna.applications.services import ApplicationError, application_create, license_save
from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.core.errors import lazy_text
from ordna.core.formats import short_date
from ordna.core.models import ImportRun
from ordna.core.tabular import RowError, TableError, header_index, open_table
from ordna.core.text import Text
from ordna.people.models import Person


def _reconcile_stamp(application_id: int, today: date) -> str:
    """What a reconcile's outcome depends on, as a digest: the application's accounts (their version, raised by
    every write to them), the people (their version, with the mail domains), its prices, the day (leavers,
    dormancy and acceptances follow the date) and the dormancy setting."""
    version = Application.objects.filter(pk=application_id).values_list("accounts_version", flat=True).first()
    prices = list(
        License.objects.filter(application_id=application_id)
        .order_by("name")
        .values_list("name", "monthly_cost", "currency", "seats")
    )
    parts = repr((version, people_version(), prices, today.isoformat(), settings.ORDNA_DORMANT_DAYS))
    return hashlib.blake2b(parts.encode(), digest_size=16).hexdigest()


def reconcile(*, application: Application, actor: Actor, today: date) -> dict[str, int]:
    """Re-link every account that is not manually linked with the people as they are now, then recompute
    the findings; the accounts themselves (status, licences) stay as the last import left them. When nothing it
    depends on changed since the application's last reconcile (`_reconcile_stamp`), nothing is read: the counts
    say `nothing_changed`."""
    stamp = _reconcile_stamp(application.pk, today)
    done = (
        Application.objects.filter(pk=application.pk)
        .values_list("reconciled_stamp", "accounts_active", "accounts_disabled")
        .first()
    )
    if done is not None and done[0] == stamp:
        announce_pending(application.pk)  # one an import killed before sending it
        return {
            "accounts": done[1] + done[2],
            "relinked": 0,
            "links_made": 0,
            "needs_review": 0,
            "findings_opened": 0,
            "findings_resolved": 0,
            "nothing_changed": 1,
        }
    records = [
        AccountRecord(
            row=0,
            key=key,
            key_display=display,
            username=username,
            email=email,
            display_name=name,
            first_name="",
            last_name="",
            employee_id=employee_id,
            status=status,
            last_login=login,
            licenses=tuple(licenses or ()),
        )
        for key, display, username, email, name, employee_id, status, login, licenses in Account.objects.filter(
            application=application
        )
        .exclude(status="gone")
        .values_list(
            "key",
            "key_display",
            "username",
            "email",
            "display_name",
            "employee_id_attr",
            "status",
            "last_login",
            "licenses",
        )
        .iterator(chunk_size=10000)
    ]
    with transaction.atomic():
        plan = plan_import(
            application=application, records=records, full=False, today=today, with_findings=False, relink=True
        )
        # Nothing is read from the source: the accounts are as the last applied import showed them.
        last = (
            ImportRun.objects.filter(
                application=application, source=ImportRun.Source.ACCOUNTS, outcome=ImportRun.Outcome.APPLIED
            )
            .order_by("-started_at")
            .values_list("id", "started_at", "full", "proves", "taken_at")
            .first()
        )
        # ... and proves what that import could prove (issue 28), no more, as of when its accounts were taken.
        opened, resolved = apply_plan(
            plan,
            today=today,
            actor=actor,
            taken_at=(last[4] or last[1]) if last else application.accounts_seen_at,
            run_id=last[0] if last else None,
            seen_in_full=last[2] if last else False,
            proves=Proves.from_json(last[3]) if last else Proves(status=False, licences=False, gone=False),
        )
        counts = {
            "accounts": len(records),
            "relinked": len(plan.updates),
            "links_made": plan.links_made,
            "needs_review": plan.reviews,
            "findings_opened": opened,
            "findings_resolved": resolved,
            "nothing_changed": 0,
        }
        audit_record(actor=actor, action="accounts.reconciled", target=application, after=counts)
        Application.objects.filter(pk=application.pk).update(reconciled_stamp=_reconcile_stamp(application.pk, today))
    announce_pending(application.pk)  # offboarding's check, in a transaction of its own
    return counts


# Review decisions and accepted findings ------------------------------------------------------------------


def account_link(
    *, account: Account, actor: Actor, person: Person | None = None, owner: Person | None = None, today: date
) -> Account:
    """A person's decision on an account: link it to `person`, or mark it non-personal with `owner`.

    Sticky: later imports keep it (docs/accounts.md). Exactly one of person and owner is given.
    """
    if (person is None) == (owner is None):
        raise AccountsError(
            _("Choose either the person the account belongs to or, for a service or shared account, its owner."),
            field="person",
        )
    with transaction.atomic():
        before = {
            "person_id": account.person_id,
            "match_rule": account.match_rule,
            "needs_review": account.needs_review,
            "non_personal": account.non_personal,
            "owner_id": account.owner_id,
        }
        account.person = person
        account.owner = owner
        account.non_personal = owner is not None
        account.needs_review = False
        account.match_rule = MatchRule.MANUAL
        account.match_confidence = 1.0
        account.save(
            update_fields=["person", "owner", "non_personal", "needs_review", "match_rule", "match_confidence"]
        )
        Application.objects.filter(pk=account.application_id).update(accounts_version=F("accounts_version") + 1)
        audit_record(
            actor=actor,
            action="account.linked",
            target=account,
            before=before,
            after={
                "person_id": account.person_id,
                "match_rule": "manual",
                "needs_review": False,
                "non_personal": account.non_personal,
                "owner_id": account.owner_id,
            },
        )
        findings_recompute(application=account.application, today=today)
    return account


def finding_accept(*, finding: Finding, actor: Actor, reason: str, until: date, today: date) -> Finding:
    """Accept a finding with a reason until a date; it reopens then if its condition still holds."""
    reason = reason.strip()
    if not reason:
        raise AccountsError(_("Give a reason for accepting the finding."), field="reason")
    if until < today:
        raise AccountsError(_("The expiry %(day)s is in the past."), field="until", day=short_date(until))
    if finding.state == FindingState.RESOLVED:
        raise AccountsError(_("The finding is resolved already."), field="state")
    with transaction.atomic():
        finding.state = FindingState.ACCEPTED
        finding.accepted_by = actor.label
        finding.accepted_reason = reason
        finding.accepted_until = until
        finding.save(update_fields=["state", "accepted_by", "accepted_reason", "accepted_until"])
        audit_record(
            actor=actor,
            action="finding.accepted",
            target=finding,
            after={"reason": reason, "until": until, "kind": finding.kind},
        )
    return finding


# Licences ------------------------------------------------------------------------------------------------

LICENSE_COLUMNS = ("application", "license", "monthly_cost", "currency", "seats")


@dataclass
class LicensesImportResult:
    outcome: str
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    notices: list[str | Text] = field(default_factory=list)  # a Text reads in the active language


def licenses_import(*, path: Path, actor: Actor, today: date, dry_run: bool = False) -> LicensesImportResult:
    """Import a price list (application, license, monthly_cost, currency, seats), all or nothing; creates
    applications it does not know; a price change recomputes the money of the findings."""
    result = LicensesImportResult(ImportRun.Outcome.REJECTED)
    try:
        table = open_table(path, max_bytes=settings.UPLOAD_MAX_BYTES)
    except TableError as exc:
        result.errors = [RowError(0, "", str(exc))]
        return result
    result.notices = table.notices
    index = header_index(table.header)
    missing = [c for c in LICENSE_COLUMNS if c not in index]
    if missing:
        result.errors = [
            RowError(
                1,
                "",
                lazy_text(
                    _("wrong header: missing column(s) %(missing)s; a price list has: %(columns)s"),
                    missing=", ".join(missing),
                    columns=", ".join(LICENSE_COLUMNS),
                ),
            )
        ]
        return result
    rows: list[tuple[str, str, Decimal, str, int | None]] = []
    seen: dict[tuple[str, str], int] = {}
    try:  # a price list or contract list is short: read it whole, so a row the reader cannot take ends here
        table_rows = list(table.rows)
    except TableError as exc:
        result.errors = [RowError(0, "", str(exc))]
        return result
    for number, cells in table_rows:

        def cell(name: str, cells: Sequence[str] = cells) -> str:
            at = index[name]
            return cells[at].strip() if at < len(cells) else ""

        app, name = cell("application").lower(), cell("license")
        problems = []
        if not app:
            problems.append(RowError(number, "application", lazy_text(_("missing"))))
        if not name:
            problems.append(RowError(number, "license", lazy_text(_("missing"))))
        try:
            cost = Decimal(cell("monthly_cost").replace(",", ".").replace(" ", ""))
            if cost < 0 or not cost.is_finite():
                raise ValueError
        except (ArithmeticError, ValueError):
            problems.append(
                RowError(
                    number,
                    "monthly_cost",
                    lazy_text(_("%(value)s is not an amount (e.g. 390 or 12.50)"), value=repr(cell("monthly_cost"))),
                )
            )
            cost = Decimal(0)
        currency = cell("currency").upper() or "SEK"
        if len(currency) != 3 or not currency.isalpha():
            problems.append(
                RowError(
                    number,
                    "currency",
                    lazy_text(_("%(value)s is not a currency code such as SEK or EUR"), value=repr(cell("currency"))),
                )
            )
        seats: int | None = None
        if cell("seats"):
            try:
                seats = int(cell("seats"))
                if seats < 0:
                    raise ValueError
            except ValueError:
                problems.append(
                    RowError(
                        number,
                        "seats",
                        lazy_text(_("%(value)s is not a whole number of seats"), value=repr(cell("seats"))),
                    )
                )
        if (app, name) in seen:
            problems.append(
                RowError(
                    number,
                    "license",
                    lazy_text(
                        _("%(name)s of %(application)s is also on row %(row)s"),
                        name=repr(name),
                        application=app,
                        row=seen[(app, name)],
                    ),
                )
            )
        seen[(app, name)] = number
        result.errors.extend(problems)
        if not problems:
            rows.append((app, name, cost, currency, seats))
    if not rows and not result.errors:
        result.errors.append(RowError(0, "", lazy_text(_("the file has a header but no rows"))))
    if result.errors:
        return result
    known = {a.slug: a for a in Application.objects.filter(slug__in={r[0] for r in rows})}
    result.counts = {
        "applications_created": len({r[0] for r in rows} - set(known)),
        "created": 0,
        "changed": 0,
        "unchanged": 0,
    }
    if dry_run:
        result.outcome = ImportRun.Outcome.DRY_RUN
        return result
    touched: set[int] = set()
    with transaction.atomic():
        for app_slug, name, cost, currency, seats in rows:
            application = known.get(app_slug)
            if application is None:
                try:
                    application = application_create(slug=app_slug, name=app_slug, actor=actor)
                except ApplicationError as exc:
                    raise AccountsError(exc.message, field="application", **exc.params) from exc
                known[app_slug] = application
            before = (
                License.objects.filter(application=application, name=name)
                .values_list("monthly_cost", "currency", "seats")
                .first()
            )
            _license, changed = license_save(
                application=application, name=name, actor=actor, monthly_cost=cost, currency=currency, seats=seats
            )
            existed = before is not None
            key = "changed" if existed and changed else "created" if not existed else "unchanged"
            result.counts[key] += 1
            if not changed or application.pk in touched:
                continue
            # A new price of the same seats re-prices that licence's findings in place; new seats (or a new
            # licence with seats) can open or resolve the unused seats' finding: the application is recomputed.
            old_cost, _old_currency, old_seats = before if before is not None else (Decimal(0), "", None)
            if old_seats != seats or not findings_reprice(
                application_id=application.pk, license=name, old_cost=old_cost, cost=cost, currency=currency.upper()
            ):
                touched.add(application.pk)
        for application in Application.objects.filter(pk__in=touched):
            findings_recompute(application=application, today=today)
    result.outcome = ImportRun.Outcome.APPLIED
    return result
