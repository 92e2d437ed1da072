"""The demo's applications and licences: who has an account where, who owns each application, and loading
them through the applications' services."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ordna.applications.services import application_create, license_save
from ordna.core.actor import Actor
from ordna.demo.people import CONSULTANT, CONTRACTOR, EMPLOYEE, DemoPerson


@dataclass(frozen=True)
class DemoLicense:
    """A licence and who gets it: `who` names employment types, "manager", "all" or a department."""

    name: str
    monthly_cost: Decimal
    currency: str
    who: tuple[str, ...] = ("all",)
    share: float = 1.0
    # Seats bought as a multiple of the licences assigned (rounded up); None: no seat count is kept.
    seat_margin: float | None = None


@dataclass(frozen=True)
class DemoAudience:
    """Who has an account: a share of each employment type, limited to departments and countries for
    staff and contractors when given; managers (anyone with reports) always when `managers`."""

    employee: float = 0.0
    consultant: float = 0.0
    contractor: float = 0.0
    departments: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    managers: bool = False


@dataclass(frozen=True)
class DemoApplication:
    slug: str
    name: str
    description: str
    supplier: str
    criticality: str
    owner_department: str
    audience: DemoAudience
    licenses: tuple[DemoLicense, ...] = ()
    employee_id_attr: bool = False
    account_source: str = "generic"
    attest_only: bool = False


def _lic(name: str, cost: str, currency: str, *who: str, share: float = 1.0, seats: float | None = None) -> DemoLicense:
    return DemoLicense(name, Decimal(cost), currency, who or ("all",), share, seats)


DEMO_APPLICATIONS = (
    DemoApplication(
        "m365",
        "Microsoft 365",
        "Mail, Teams, OneDrive and Office for everyone.",
        "Example IT Services AB",
        "critical",
        "IT",
        DemoAudience(1, 1, 1),
        (
            _lic("Microsoft 365 E3", "390.00", "SEK", EMPLOYEE, CONTRACTOR, seats=1.08),
            _lic("Microsoft 365 F3", "85.00", "SEK", CONSULTANT, seats=1.05),
            _lic("Teams Phone Standard", "95.00", "SEK", EMPLOYEE, share=0.25),
        ),
        employee_id_attr=True,
        account_source="m365",
    ),
    DemoApplication(
        "slack",
        "Slack",
        "Chat for consultants and staff.",
        "",
        "high",
        "IT",
        DemoAudience(1, 0.85, 1),
        (_lic("Slack Pro", "87.50", "SEK"),),
        employee_id_attr=True,
        account_source="slack",
    ),
    DemoApplication(
        "flex-tid",
        "Flex HRM Tidrapportering",
        "Time reporting against assignments.",
        "Example Business Systems AB",
        "critical",
        "HR",
        DemoAudience(0.25, 1, 1),
        (_lic("Tidrapportering", "35.00", "SEK"),),
        employee_id_attr=True,
    ),
    DemoApplication(
        "intranet",
        "Intranet (Omnia)",
        "News, policies and the staff handbook.",
        "Example IT Services AB",
        "medium",
        "HR",
        DemoAudience(1, 1, 1),
        (),
        employee_id_attr=True,
    ),
    DemoApplication(
        "google",
        "Google Workspace",
        "Shared drives used with some customers.",
        "Nordic Cloud Partner AB",
        "medium",
        "IT",
        DemoAudience(0.5, 0.08, 0, ("Sales",)),
        (_lic("Business Starter", "72.00", "SEK"),),
        account_source="google",
    ),
    DemoApplication(
        "crm",
        "Lime CRM",
        "Customers, assignments and the sales pipeline (Sweden).",
        "Example Business Systems AB",
        "high",
        "Sales",
        DemoAudience(1, 0, 0, ("Sales", "Management"), ("SE",), managers=True),
        (_lic("Lime CRM User", "450.00", "SEK", seats=1.15),),
    ),
    DemoApplication(
        "salesforce",
        "Salesforce Sales Cloud",
        "Customers and the sales pipeline (Netherlands).",
        "Nordic Cloud Partner AB",
        "high",
        "Sales",
        DemoAudience(1, 0, 0, ("Sales",), ("NL",)),
        (_lic("Sales Cloud Enterprise", "165.00", "EUR", seats=1.2),),
    ),
    DemoApplication(
        "hubspot",
        "HubSpot Marketing Hub",
        "Campaigns and the consultant newsletter.",
        "Nordic Cloud Partner AB",
        "medium",
        "Sales",
        DemoAudience(0.4, 0, 0, ("Sales",)),
        (_lic("Marketing Hub Professional seat", "45.00", "EUR"),),
    ),
    DemoApplication(
        "visma-hr",
        "Visma HR",
        "Employment records and manager self-service (Sweden).",
        "Example Business Systems AB",
        "critical",
        "HR",
        DemoAudience(1, 0, 0, ("HR",), ("SE",), managers=True),
        (_lic("HR Professional", "650.00", "SEK", "HR"), _lic("Manager self-service", "45.00", "SEK", "manager")),
        employee_id_attr=True,
    ),
    DemoApplication(
        "afas",
        "AFAS Profit",
        "HR and payroll for the Dutch offices.",
        "Kantoor Automatisering BV",
        "critical",
        "HR",
        DemoAudience(1, 0, 0, ("HR",), ("NL",)),
        (_lic("AFAS HRM", "12.00", "EUR"),),
        employee_id_attr=True,
    ),
    DemoApplication(
        "personec",
        "Personec P (legacy payroll)",
        "Old payroll archive; no export, no connector.",
        "Example Business Systems AB",
        "medium",
        "HR",
        DemoAudience(1, 0, 0, ("HR",), ("SE",)),
        attest_only=True,
        account_source="",
    ),
    DemoApplication(
        "teamtailor",
        "Teamtailor",
        "Recruiting consultants.",
        "Example Business Systems AB",
        "medium",
        "HR",
        DemoAudience(1, 0, 0, ("HR",), managers=True),
        (_lic("Recruiter seat", "190.00", "SEK"),),
    ),
    DemoApplication(
        "linkedin-recruiter",
        "LinkedIn Recruiter",
        "Sourcing candidates.",
        "",
        "low",
        "HR",
        DemoAudience(0.5, 0, 0, ("HR", "Sales")),
        (_lic("Recruiter Lite", "1450.00", "SEK", seats=1.3),),
    ),
    DemoApplication(
        "topdesk",
        "TOPdesk",
        "Service desk shared with the outsourcing partner.",
        "Kantoor Automatisering BV",
        "high",
        "IT",
        DemoAudience(1, 0, 1),
        (_lic("Operator", "55.00", "EUR", "IT"),),
        employee_id_attr=True,
    ),
    DemoApplication(
        "jira",
        "Jira Software",
        "Internal development and customer projects.",
        "",
        "medium",
        "IT",
        DemoAudience(1, 0.1, 1, ("IT",)),
        (_lic("Jira Standard", "85.00", "SEK"),),
    ),
    DemoApplication(
        "confluence",
        "Confluence",
        "Project documentation.",
        "",
        "medium",
        "IT",
        DemoAudience(0.5, 0.1, 1),
        (_lic("Confluence Standard", "65.00", "SEK"),),
    ),
    DemoApplication(
        "github",
        "GitHub",
        "Source code of the internal tools.",
        "Example Security Partner AB",
        "high",
        "IT",
        DemoAudience(1, 0.06, 1, ("IT",)),
        (_lic("GitHub Enterprise", "230.00", "SEK", seats=1.1),),
    ),
    DemoApplication(
        "1password",
        "1Password Business",
        "Shared vaults for staff.",
        "Example Security Partner AB",
        "high",
        "IT",
        DemoAudience(1, 0, 1),
        (_lic("Business", "80.00", "SEK", seats=1.1),),
        employee_id_attr=True,
    ),
    DemoApplication(
        "zoom",
        "Zoom",
        "Meetings with customers who do not use Teams.",
        "Example IT Services AB",
        "low",
        "IT",
        DemoAudience(0.2, 0.05, 0),
        (_lic("Zoom Pro", "150.00", "SEK"),),
    ),
    DemoApplication(
        "miro",
        "Miro",
        "Whiteboards for workshops.",
        "Nordic Cloud Partner AB",
        "low",
        "Sales",
        DemoAudience(0.3, 0.05, 0),
        (_lic("Miro Business", "175.00", "SEK"),),
    ),
    DemoApplication(
        "adobe-cc",
        "Adobe Creative Cloud",
        "Design for marketing.",
        "",
        "low",
        "Sales",
        DemoAudience(0.15, 0, 0, ("Sales", "Management")),
        (_lic("All Apps", "780.00", "SEK", seats=1.5),),
    ),
    DemoApplication(
        "docusign",
        "DocuSign",
        "Signing contracts with consultants and customers.",
        "",
        "medium",
        "Finance",
        DemoAudience(0.6, 0, 0, ("HR", "Sales", "Finance", "Management")),
        (_lic("Business Pro", "440.00", "SEK"),),
    ),
    DemoApplication(
        "dropbox",
        "Dropbox",
        "Bought by a team on a card; nobody owns it.",
        "",
        "low",
        "IT",
        DemoAudience(0.05, 0.02, 0),
        (_lic("Dropbox Business", "150.00", "SEK"),),
    ),
    DemoApplication(
        "telavox",
        "Telavox växel",
        "Switchboard and mobile subscriptions (Sweden).",
        "Example Telecom AB",
        "high",
        "IT",
        DemoAudience(1, 0, 0, countries=("SE",)),
        (_lic("Telavox Flow", "199.00", "SEK"),),
        employee_id_attr=True,
    ),
    DemoApplication(
        "fortnox",
        "Fortnox",
        "Bookkeeping (Sweden).",
        "Example Business Systems AB",
        "high",
        "Finance",
        DemoAudience(1, 0, 0, ("Finance",), ("SE",)),
        (_lic("Fortnox Bokföring", "299.00", "SEK"),),
    ),
    DemoApplication(
        "exact",
        "Exact Online",
        "Bookkeeping (Netherlands).",
        "Kantoor Automatisering BV",
        "high",
        "Finance",
        DemoAudience(1, 0, 0, ("Finance",), ("NL",)),
        (_lic("Exact Online Accountancy", "89.00", "EUR"),),
    ),
    DemoApplication(
        "power-bi",
        "Power BI Pro",
        "Utilisation and margin dashboards.",
        "Example IT Services AB",
        "medium",
        "Finance",
        DemoAudience(1, 0, 0, ("Finance", "Management"), managers=True),
        (_lic("Power BI Pro", "140.00", "SEK", seats=1.25),),
        employee_id_attr=True,
    ),
    DemoApplication(
        "viewpoint",
        "Viewpoint",
        "Housing management at the housing corporations our Dutch consultants work for.",
        "Voorbeeld Software BV",
        "critical",
        "Consulting Amsterdam",
        DemoAudience(0, 0.35, 0, countries=("NL",)),
        (_lic("Viewpoint Named User", "42.00", "EUR", seats=1.1),),
    ),
    DemoApplication(
        "tobias-ax",
        "Tobias AX",
        "Housing ERP (finance and rentals) for Dutch customers.",
        "Voorbeeld Software BV",
        "critical",
        "Finance",
        DemoAudience(1, 0.15, 0, ("Finance",), ("NL",)),
        (_lic("Tobias AX User", "95.00", "EUR", seats=1.0),),
    ),
    DemoApplication(
        "zendesk",
        "Zendesk",
        "Support for consultants' questions about pay and time reports.",
        "Kantoor Automatisering BV",
        "medium",
        "IT",
        DemoAudience(0.6, 0, 0, ("IT", "HR")),
        (_lic("Suite Team", "55.00", "EUR"),),
    ),
)


def _staff_pool(people: Sequence[DemoPerson], department: str, today: date) -> list[DemoPerson]:
    """Employees of `department` who are there now and not about to leave."""
    return [
        p
        for p in people
        if p.department == department
        and p.employment_type == EMPLOYEE
        and p.phase(today) == "current"
        and p.end_date is None
    ]


def application_owners(*, people: Sequence[DemoPerson], seed: int, today: date) -> dict[str, str]:
    """Application slug to the employee id of its owner: one of two or three application managers of the
    owning department (so some people own several), else the department head, else the CEO."""
    rng = random.Random(f"ordna-demo:{seed}:owners")
    ceo = next(p for p in people if not p.manager_employee_id)
    heads = {
        p.department: p for p in people if p.manager_employee_id == ceo.employee_id and p.department != "Management"
    }
    pools: dict[str, list[DemoPerson]] = {}
    owners: dict[str, str] = {}
    for app in DEMO_APPLICATIONS:
        if app.owner_department not in pools:
            candidates = [
                p
                for p in _staff_pool(people, app.owner_department, today)
                if p.employee_id != heads.get(app.owner_department, ceo).employee_id
            ]
            pools[app.owner_department] = rng.sample(candidates, min(len(candidates), 3 if len(candidates) > 8 else 2))
        pool = pools[app.owner_department]
        owners[app.slug] = (rng.choice(pool) if pool else heads.get(app.owner_department, ceo)).employee_id
    return owners


def applications_demo_load(
    *,
    owners: Mapping[str, str],
    seats: Mapping[tuple[str, str], int],
    pk_of: Mapping[str, int],
    supplier_pk: Mapping[str, int],
    actor: Actor,
) -> int:
    """Create the applications and their licences; returns how many licences. `owners` maps an application's
    slug to its owner's employee id, `seats` an (application, licence) to the seats bought."""
    count = 0
    for demo in DEMO_APPLICATIONS:
        app = application_create(
            slug=demo.slug,
            name=demo.name,
            actor=actor,
            description=demo.description,
            owner_id=pk_of[owners[demo.slug]],
            supplier_id=supplier_pk.get(demo.supplier),
            criticality=demo.criticality,
            account_source=demo.account_source,
            attest_only=demo.attest_only,
        )
        for lic in demo.licenses:
            license_save(
                application=app,
                name=lic.name,
                actor=actor,
                monthly_cost=lic.monthly_cost,
                currency=lic.currency,
                seats=seats.get((demo.slug, lic.name)),
            )
            count += 1
    return count
