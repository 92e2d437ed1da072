"""The licence report's reads: per application and licence, seats bought, assigned and wasted, counted by the
database (GROUP BYs), so that no account or finding is loaded into Python."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.db.models import Q

from ordna.accounts.models import Account
from ordna.accounts.selectors import company_findings, licence_waste_by_licence, of_finding
from ordna.applications.models import License
from ordna.core.companies import CompanyFilter
from ordna.reports import figures as f


def licence_report(*, today: date, company: CompanyFilter = None) -> list[f.LicenceLine]:
    """Per application and licence: seats bought and assigned, and the waste at the end of today (the accounts
    selector that every surface uses); one query over accounts that hold a licence, one over the findings. Of one
    company (`company`): the seats its people hold and waste in the group's shared applications and its own
    (the seats bought stay the application's)."""
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
    """Per (application id, licence name): the accounts that are not gone holding it (of one company), counted
    by the database with a GROUP BY over each account's list of licences (SQLite's json_each, PostgreSQL's
    jsonb_array_elements_text); one query, no account loaded."""
    accounts = Account.objects.filter(of_finding(company)).exclude(status="gone").exclude(licenses=[])
    inner, params = accounts.values("application_id", "licenses").query.sql_with_params()
    if connection.vendor == "postgresql":
        sql = (
            "SELECT s.application_id, lic.value, COUNT(*) FROM (" + inner + ") s "  # noqa: S608 - the ORM's SQL, bound
            "CROSS JOIN LATERAL jsonb_array_elements_text(s.licenses) AS lic(value) GROUP BY 1, 2"
        )
    else:
        sql = (
            "SELECT s.application_id, lic.value, COUNT(*) FROM (" + inner + ") s, json_each(s.licenses) lic "  # noqa: S608
            "WHERE lic.type = 'text' GROUP BY 1, 2"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(app_id, str(name)): int(n) for app_id, name, n in cursor.fetchall()}
