"""The processors' gaps (docs/processors.md): what is missing, expired or overdue about the suppliers that process
personal data, as findings for the dashboard, a supplier's review agenda, the monthly follow-up and the reminders.

`gaps_of` is a plain function over plain rows, tested without the ORM; `processing_gaps` loads the rows (four
queries, whatever the number of agreements) and calls it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordna.core.companies import NO_COMPANY, CompanyFilter
from ordna.core.formats import short_date
from ordna.suppliers.contract_dates import add_months

GAP_KINDS = {
    "no_agreement": _("Holds personal data, but its supplier has no agreement in force"),
    "agreement_expired": _("Agreement expired"),
    "certification_expired": _("Certification expired"),
    "oversight_overdue": _("Oversight overdue"),
    "subprocessor_undecided": _("Sub-processor to decide"),
}


@dataclass(frozen=True)
class AgreementFacts:
    """What the gaps need of one agreement."""

    id: int
    supplier_id: int
    supplier: str
    title: str
    signed_on: date | None
    valid_until: date | None
    interval_months: int
    application_ids: frozenset[int]
    last_oversight: date | None = None
    certifications: tuple[tuple[str, date], ...] = ()  # the latest expiry per certification's name
    proposed: tuple[tuple[int, str, date, date | None], ...] = ()  # (sub-processor id, name, decide by, announced)
    responsible_id: int | None = None

    def in_force(self, day: date) -> bool:
        return (
            self.signed_on is not None
            and self.signed_on <= day
            and (self.valid_until is None or day <= self.valid_until)
        )

    @property
    def oversight_due(self) -> date | None:
        """The next oversight: an interval after the latest, or after signing when none is recorded yet."""
        start = self.last_oversight or self.signed_on
        return add_months(start, self.interval_months) if start is not None else None


@dataclass(frozen=True)
class ApplicationFacts:
    id: int
    slug: str
    name: str
    supplier_id: int | None
    supplier: str


@dataclass(frozen=True)
class Gap:
    """One finding about a processor; `since` is the day it became a gap (or, for a sub-processor, its deadline)."""

    kind: str
    supplier_id: int
    supplier: str
    subject: str
    since: date | None
    agreement_id: int | None = None
    application_slug: str = ""
    target_id: int = 0  # the sub-processor's id for a decision
    overdue: bool = field(default=False)

    @property
    def label(self) -> str:
        return str(GAP_KINDS[self.kind])

    @property
    def dated(self) -> str:
        """'due 2026-12-01' for what is to do by a date, 'since 2026-11-01' for what ended; '' without a date."""
        if self.since is None:
            return ""
        if self.kind in ("oversight_overdue", "subprocessor_undecided"):
            return str(_("due %(date)s") % {"date": short_date(self.since)})
        return str(_("since %(date)s") % {"date": short_date(self.since)})

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.agreement_id or 0}:{self.application_slug}:{self.target_id}"


def gaps_of(
    agreements: Iterable[AgreementFacts], applications: Iterable[ApplicationFacts], *, today: date
) -> list[Gap]:
    """Every gap on `today`, by supplier then kind: an application holding personal data with no agreement of its
    supplier in force covering it; an agreement past its `valid_until`; a certification past its expiry (the
    latest of that name); an oversight past its due date; a sub-processor announced and not decided."""
    agreements = list(agreements)
    gaps: list[Gap] = []
    for app in applications:
        if app.supplier_id is None:
            continue  # run in-house: no processor
        covering = [a for a in agreements if a.supplier_id == app.supplier_id and app.id in a.application_ids]
        if not any(a.in_force(today) for a in covering):
            ended = [a.valid_until for a in covering if a.valid_until is not None and a.valid_until < today]
            gaps.append(
                Gap(
                    "no_agreement",
                    app.supplier_id,
                    app.supplier,
                    app.name,
                    max(ended) if ended else None,
                    application_slug=app.slug,
                    overdue=True,
                )
            )
    for a in agreements:
        if a.valid_until is not None and a.valid_until < today:
            gaps.append(Gap("agreement_expired", a.supplier_id, a.supplier, a.title, a.valid_until, a.id, overdue=True))
            continue  # an ended agreement is not overseen any more
        for name, expires in a.certifications:
            if expires < today:
                gaps.append(
                    Gap(
                        "certification_expired",
                        a.supplier_id,
                        a.supplier,
                        f"{a.title}: {name}",
                        expires,
                        a.id,
                        overdue=True,
                    )
                )
        due = a.oversight_due
        if due is not None and due < today and a.in_force(today):
            gaps.append(Gap("oversight_overdue", a.supplier_id, a.supplier, a.title, due, a.id, overdue=True))
        for sub_id, name, decide_by, _announced in a.proposed:
            gaps.append(
                Gap(
                    "subprocessor_undecided",
                    a.supplier_id,
                    a.supplier,
                    f"{a.title}: {name}",
                    decide_by,
                    a.id,
                    target_id=sub_id,
                    overdue=decide_by < today,
                )
            )
    order = list(GAP_KINDS)
    return sorted(gaps, key=lambda g: (g.supplier.lower(), order.index(g.kind), g.subject.lower(), g.key))


def agreement_facts(agreements: QuerySet[Any]) -> list[AgreementFacts]:
    """The facts of `agreements` (a ProcessingAgreement queryset) in four queries."""
    from ordna.suppliers.models import OversightRecord, SubProcessor, SubProcessorStatus

    items = list(agreements.select_related("supplier").prefetch_related("applications"))
    ids = [a.pk for a in items]
    last: dict[int, date] = {}
    certs: dict[int, dict[str, date]] = {}
    for agreement_id, held_on, name, expires in (
        OversightRecord.objects.filter(agreement_id__in=ids)
        .values_list("agreement_id", "held_on", "certification", "certification_expires")
        .order_by("held_on", "id")
    ):
        last[agreement_id] = max(last.get(agreement_id, held_on), held_on)
        if name and expires is not None:
            certs.setdefault(agreement_id, {})[name] = expires  # the latest record of a certification counts
    proposed: dict[int, list[tuple[int, str, date, date | None]]] = {}
    for sub in SubProcessor.objects.filter(agreement_id__in=ids, status=SubProcessorStatus.PROPOSED).order_by("id"):
        announced = timezone.localdate(sub.announced_at) if sub.announced_at else None
        proposed.setdefault(sub.agreement_id, []).append((sub.pk, sub.name, sub.decide_by or date.min, announced))
    return [
        AgreementFacts(
            id=a.pk,
            supplier_id=a.supplier_id,
            supplier=a.supplier.name,
            title=a.title,
            signed_on=a.signed_on,
            valid_until=a.valid_until,
            interval_months=a.oversight_interval_months,
            application_ids=frozenset(app.pk for app in a.applications.all()),
            last_oversight=last.get(a.pk),
            certifications=tuple(sorted(certs.get(a.pk, {}).items())),
            proposed=tuple(proposed.get(a.pk, ())),
            responsible_id=a.responsible_id,
        )
        for a in items
    ]


def applications_of(company: CompanyFilter) -> Q | None:
    """The applications of a report's company filter (ordna.core.companies): its own and those the group
    shares; NO_COMPANY: the shared ones; None: every application."""
    if company is None:
        return None
    if company == NO_COMPANY:
        return Q(company__isnull=True)
    ids = sorted(company) if isinstance(company, frozenset) else [company]
    return Q(company__isnull=True) | Q(company_id__in=ids)


def processing_gaps(
    *, today: date, supplier_ids: Iterable[int] | None = None, application_filter: Q | None = None
) -> list[Gap]:
    """The gaps on `today`, of some suppliers only when `supplier_ids` is given; `application_filter` narrows the
    applications looked at (a user's company scope)."""
    from ordna.applications.models import Application
    from ordna.suppliers.models import ProcessingAgreement

    agreements = ProcessingAgreement.objects.all()
    apps = Application.objects.filter(holds_personal_data=True, supplier__isnull=False)
    if supplier_ids is not None:
        ids = sorted(set(supplier_ids))
        agreements = agreements.filter(supplier_id__in=ids)
        apps = apps.filter(supplier_id__in=ids)
    if application_filter is not None:
        apps = apps.filter(application_filter)
    app_facts = [
        ApplicationFacts(pk, slug, name, supplier_id, supplier or "")
        for pk, slug, name, supplier_id, supplier in apps.values_list(
            "id", "slug", "name", "supplier_id", "supplier__name"
        ).order_by("name")
    ]
    return gaps_of(agreement_facts(agreements), app_facts, today=today)


# Reminder items ----------------------------------------------------------------------------------------------------

OVERSIGHT_NOTICE_DAYS = 30  # an oversight is announced this many days before it falls due


@dataclass(frozen=True)
class ProcessorItem:
    """One thing about a processor to chase: an oversight falling due, or an announced sub-processor to decide."""

    key: str
    kind: str
    title: str
    url: str
    due: date
    responsible_id: int | None
    announced_on: date | None = None


def processor_reminders(today: date) -> list[ProcessorItem]:
    """The oversights of agreements in force (due an interval after the latest, or after signing) and the announced
    sub-processors not decided yet (due by their decide-by date), in four queries."""
    from django.urls import reverse

    from ordna.suppliers.models import ProcessingAgreement

    items = []
    for fact in agreement_facts(ProcessingAgreement.objects.all()):
        url = reverse("suppliers:agreement_detail", kwargs={"pk": fact.id})
        due = fact.oversight_due
        if due is not None and fact.in_force(today):
            items.append(
                ProcessorItem(
                    key=f"oversight:{fact.id}:{due.isoformat()}",
                    kind="processor_oversight",
                    title=f"{fact.supplier}: {fact.title}",
                    url=url,
                    due=due,
                    responsible_id=fact.responsible_id,
                )
            )
        for sub_id, name, decide_by, announced_on in fact.proposed:
            items.append(
                ProcessorItem(
                    key=f"subprocessor:{sub_id}",
                    kind="subprocessor_decision",
                    title=f"{fact.supplier}: {name}",
                    url=url,
                    due=decide_by,
                    responsible_id=fact.responsible_id,
                    announced_on=announced_on,
                )
            )
    return sorted(items, key=lambda i: (i.due, i.key))
