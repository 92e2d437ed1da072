"""The processors' gaps as plain data (docs/processors.md): each kind of gap, when it starts and when it ends."""

from __future__ import annotations

from datetime import date

from ordna.suppliers.processing_gaps import AgreementFacts, ApplicationFacts, gaps_of

TODAY = date(2026, 11, 16)
CRM = ApplicationFacts(1, "crm", "CRM", 10, "Example IT Services AB")


def agreement(**fields: object) -> AgreementFacts:
    values: dict[str, object] = {
        "id": 5,
        "supplier_id": 10,
        "supplier": "Example IT Services AB",
        "title": "DPA",
        "signed_on": date(2026, 3, 1),
        "valid_until": None,
        "interval_months": 12,
        "application_ids": frozenset({1}),
        "last_oversight": date(2026, 3, 1),
    }
    values.update(fields)
    return AgreementFacts(**values)  # type: ignore[arg-type]


def kinds(*agreements: AgreementFacts, apps: tuple[ApplicationFacts, ...] = (CRM,), today: date = TODAY) -> list:
    return [(g.kind, g.subject, g.since, g.overdue) for g in gaps_of(agreements, apps, today=today)]


def test_an_agreement_in_force_with_its_oversight_done_leaves_no_gap() -> None:
    assert kinds(agreement()) == []


def test_an_application_without_an_agreement_of_its_supplier_is_a_gap() -> None:
    assert kinds() == [("no_agreement", "CRM", None, True)]
    # An agreement of another supplier, or one not covering the application, does not count.
    assert kinds(agreement(supplier_id=11)) == [("no_agreement", "CRM", None, True)]
    assert kinds(agreement(application_ids=frozenset({2}))) == [("no_agreement", "CRM", None, True)]
    # An application run in-house (no supplier) has no processor.
    assert kinds(apps=(ApplicationFacts(2, "hr", "HR", None, ""),)) == []


def test_an_unsigned_agreement_is_not_in_force() -> None:
    assert kinds(agreement(signed_on=None, last_oversight=None)) == [("no_agreement", "CRM", None, True)]
    assert kinds(agreement(signed_on=date(2026, 12, 1), last_oversight=None)) == [("no_agreement", "CRM", None, True)]


def test_an_expired_agreement_is_a_gap_and_leaves_its_application_without_one() -> None:
    expired = agreement(valid_until=date(2026, 10, 31))
    assert kinds(expired) == [
        ("no_agreement", "CRM", date(2026, 10, 31), True),
        ("agreement_expired", "DPA", date(2026, 10, 31), True),
    ]
    assert kinds(agreement(valid_until=TODAY)) == []  # valid through its last day


def test_the_oversight_falls_due_an_interval_after_the_latest_or_after_signing() -> None:
    assert kinds(agreement(last_oversight=date(2025, 11, 15))) == [
        ("oversight_overdue", "DPA", date(2026, 11, 15), True)
    ]
    assert kinds(agreement(last_oversight=date(2025, 11, 16))) == []  # due today: not overdue yet
    assert kinds(agreement(signed_on=date(2025, 5, 1), last_oversight=None, interval_months=6)) == [
        ("oversight_overdue", "DPA", date(2025, 11, 1), True)
    ]


def test_an_expired_certification_is_a_gap_until_a_later_one_is_recorded() -> None:
    assert kinds(agreement(certifications=(("ISO 27001", date(2026, 11, 15)),))) == [
        ("certification_expired", "DPA: ISO 27001", date(2026, 11, 15), True)
    ]
    assert kinds(agreement(certifications=(("ISO 27001", TODAY),))) == []


def test_an_announced_sub_processor_is_a_decision_overdue_after_its_date() -> None:
    waiting = agreement(proposed=((7, "Example Hosting", date(2026, 11, 20), TODAY),))
    assert kinds(waiting) == [("subprocessor_undecided", "DPA: Example Hosting", date(2026, 11, 20), False)]
    assert kinds(waiting, today=date(2026, 11, 21)) == [
        ("subprocessor_undecided", "DPA: Example Hosting", date(2026, 11, 20), True)
    ]
    (gap,) = gaps_of([waiting], [CRM], today=TODAY)
    assert gap.target_id == 7 and gap.dated == "due 2026-11-20"
