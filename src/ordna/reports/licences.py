"""The licence report's reads: per application and licence, seats bought, assigned and wasted, counted by the
database (GROUP BYs), so that no account or finding is loaded into Python."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q

from ordna.accounts.models import Account
from ordna.accounts.selectors import company_findings, licence_waste_by_licence, of_finding
from ordna.applications.models import License
from ordna.core.companies import CompanyFilter
from ordna.core.data_version import cached
from ordna.reports import figures as f


def licence_report(*, today: date, company: CompanyFilter = None) -> list[f.LicenceLine]:
    """Per application and licence: seats bought and assigned, and the waste at the end of today (the accounts
    selector that every surface uses); one query over accounts that hold a licence, one over the findings. Of one
    company (`company`): the seats its people hold and waste in the group's shared applications and its own
    (the seats bought stay the application's). Worked out once per data version (ordna.core.data_version):
    the same lines as counting now, reused until the next committed write."""
    key = None if company is None else sorted(company) if isinstance(company, frozenset) else company
    return cached(("licence_report", today, key), lambda: _licence_report(today=today, company=company))


def _licence_report(*, today: date, company: CompanyFilter) -> list[f.LicenceLine]:
    licences = License.objects.all()
    if company is not None:
        ids = sorted(company) if isinstance(company, frozenset) else [company]
        licences = licences.filter(Q(application__company__isnull=True) | Q(application__company_id__in=ids))
    prices = [
        f.LicencePrice(app_id, app, name, cost, currency, seats)
        for app_id, app, name, cost, currency, seats in licences.values_list(
            "application_id", "application__name", "name", "monthly_cost", "currency", "seats"
        )
    ]
    assigned = licences_assigned(company)
    waste = {
        key: f.LicenceWaste(
            seats, money, currency, reasons.get("leavers", 0), reasons.get("disabled", 0), reasons.get("orphans", 0)
        )
        for key, (seats, money, currency, reasons) in licence_waste_by_licence(
            today, findings=company_findings(company)
        ).items()
    }
    return f.licence_lines(prices, assigned, waste)


def licences_assigned(company: CompanyFilter = None) -> dict[tuple[int, str], int]:
    """Per (application id, licence name): the accounts that are not gone holding it (of one company). The
    database counts the accounts per application and licence list (a GROUP BY that the index
    `account_licences_idx` answers alone for the group: a few distinct lists per application, not a read of
    every licensed account); each list's licences are then added up here. Same figures as counting each
    account's licences one by one; no account loaded."""
    grouped = (
        Account.objects.filter(of_finding(company))
        .exclude(status="gone")
        .exclude(licenses=[])
        .values_list("application_id", "licenses")
        .annotate(n=Count("id"))
        .order_by()
    )
    assigned: dict[tuple[int, str], int] = {}
    for app_id, names, n in grouped:
        for name in names if isinstance(names, list) else ():
            if isinstance(name, str):
                assigned[(app_id, name)] = assigned.get((app_id, name), 0) + n
    return assigned
