"""The record of processing activities (GDPR article 30, docs/processors.md): one row per application that holds
personal data, generated from the application, its supplier and the agreements in force that cover it, with what
`ProcessingActivity` says where the data does not. The page, the API, the XLSX and the PDF all read `record_rows`,
so they cannot differ."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from ordna.applications.models import Application
from ordna.suppliers.models import ProcessingActivity, ProcessingAgreement, SubProcessor, SubProcessorStatus
from ordna.suppliers.processors import EEA

RECORD_COLUMNS = (
    "application",
    "company",
    "owner",
    "purpose",
    "legal_basis",
    "data_subjects",
    "data_categories",
    "special_categories",
    "processor",
    "agreement",
    "agreement_signed",
    "agreement_in_force",
    "sub_processors",
    "transfers",
    "recipients",
    "retention",
    "security_measures",
    "edited",
)

RECORD_HEADINGS = {
    "application": _("Application"),
    "company": _("Company"),
    "owner": _("Owner"),
    "purpose": _("Purpose"),
    "legal_basis": _("Legal basis"),
    "data_subjects": _("Categories of people"),
    "data_categories": _("Categories of data"),
    "special_categories": _("Special categories"),
    "processor": _("Processor"),
    "agreement": _("Agreement"),
    "agreement_signed": _("Signed"),
    "agreement_in_force": _("In force"),
    "sub_processors": _("Sub-processors"),
    "transfers": _("Transfers outside the EU/EEA"),
    "recipients": _("Recipients"),
    "retention": _("Retention"),
    "security_measures": _("Security measures"),
    "edited": _("Edited by hand"),
}


def _joined(values: Iterable[str]) -> str:
    return "; ".join(dict.fromkeys(v for v in values if v))


def _pick(
    activity: ProcessingActivity | None, agreements: list[ProcessingAgreement], name: str, from_agreements: bool
) -> str:
    """The record's own text for `name` when filled in, else (`from_agreements`) the agreements' texts joined."""
    own = getattr(activity, name, "") if activity is not None else ""
    if own:
        return str(own)
    return _joined(getattr(a, name) for a in agreements) if from_agreements else ""


def record_rows(applications: QuerySet[Application], *, today: date) -> list[dict[str, Any]]:
    """The record's rows for the applications of `applications` that hold personal data, by name (five queries)."""
    agreements = ProcessingAgreement.objects.select_related("supplier").prefetch_related(
        Prefetch(
            "sub_processors",
            queryset=SubProcessor.objects.exclude(status=SubProcessorStatus.OBJECTED),
            to_attr="current_subs",
        ),
        "transfers",
        "oversights",
    )
    apps = (
        applications.filter(holds_personal_data=True)
        .select_related("supplier", "company", "owner", "processing_activity")
        .prefetch_related(Prefetch("processing_agreements", queryset=agreements))
        .order_by("name")
    )
    rows = []
    for app in apps:
        try:
            activity: ProcessingActivity | None = app.processing_activity
        except ProcessingActivity.DoesNotExist:
            activity = None
        covering = [a for a in app.processing_agreements.all() if a.supplier_id == app.supplier_id]
        in_force = [
            a
            for a in covering
            if a.signed_on is not None and a.signed_on <= today and (a.valid_until is None or today <= a.valid_until)
        ]
        source = in_force or covering

        subs = [s for a in source for s in a.current_subs]  # type: ignore[attr-defined]
        transfers = [t for a in source for t in a.transfers.all()]
        unsafeguarded = sorted({s.country for s in subs if s.country not in EEA} - {t.country for t in transfers})
        certificates = [
            f"{o.certification} ({o.certification_expires.isoformat()})"
            for a in source
            for o in a.oversights.all()
            if o.certification and o.certification_expires
        ]
        rows.append(
            {
                "application": app.name,
                "company": app.company.name if app.company_id else "",  # type: ignore[union-attr]
                "owner": app.owner.full_name if app.owner_id else "",  # type: ignore[union-attr]
                "purpose": _pick(activity, source, "purpose", True),
                "legal_basis": _pick(activity, source, "legal_basis", False),
                "data_subjects": _pick(activity, source, "data_subjects", True),
                "data_categories": _pick(activity, source, "data_categories", True),
                "special_categories": _joined(a.special_categories for a in source),
                "processor": app.supplier.name if app.supplier_id else "",  # type: ignore[union-attr]
                "agreement": _joined(f"{a.title} {a.version}".strip() for a in source),
                "agreement_signed": min((a.signed_on for a in source if a.signed_on), default=None),
                "agreement_in_force": bool(in_force),
                "sub_processors": _joined(
                    f"{s.name} ({s.country}{', ' + s.role if s.role else ''}"
                    f"{', ' + str(_('to decide')) if s.status == SubProcessorStatus.PROPOSED else ''})"
                    for s in subs
                ),
                "transfers": _joined(
                    [
                        f"{t.country}: {t.get_safeguard_display()}{' (' + t.recipient + ')' if t.recipient else ''}"
                        for t in transfers
                    ]
                    + [f"{c}: {_('no safeguard recorded')}" for c in unsafeguarded]
                ),
                "recipients": _pick(activity, source, "recipients", False)
                or _joined([app.supplier.name if app.supplier_id else ""] + [s.name for s in subs]),  # type: ignore[union-attr]
                "retention": _pick(activity, source, "retention", True),
                "security_measures": _pick(activity, source, "security_measures", False) or _joined(certificates),
                "edited": activity is not None
                and any(
                    getattr(activity, n)
                    for n in (
                        "purpose",
                        "legal_basis",
                        "data_subjects",
                        "data_categories",
                        "recipients",
                        "retention",
                        "security_measures",
                    )
                ),
                "slug": app.slug,
            }
        )
    return rows
