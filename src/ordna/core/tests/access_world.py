"""The world of the access matrix (test_access_matrix.py): one object of every kind, a user of every role, and
the values that the tables' path parameters take."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from ordna.conftest import hr_row
from ordna.core.actor import Actor
from ordna.core.models import Supplier
from ordna.core.services import token_create

# Path parameters that are not ids of the world's objects (the ids: test_access_matrix.path_values).
PATH_VALUES = {
    "employee_id": "E2",
    "slug": "crm",
    "asset_tag": "LT-1",
    "app": "crm",
    "code": "group",
    "name": "crm-drop",
    "username": "hr1",
}


def access_world(load_people: Any, make_user: Any, tmp_path: Any, monkeypatch: Any) -> dict[str, Any]:
    """E0 leads E1, E1 manages E2; E3 owns crm, which supplier S1 runs; E2 holds laptop LT-1.

    E2 leaves in five days: the leaver case has a line for the manager (the laptop), the supplier (the crm
    account), the key user (a crm task for the owner), HR (an attested task with a file) and E2 (a task)."""
    from datetime import timedelta

    from ordna.applications.models import Application
    from ordna.applications.services import application_create
    from ordna.devices.services import device_register
    from ordna.people.models import Person

    load_people(
        [
            hr_row("E0"),
            hr_row("E1", manager_employee_id="E0"),
            hr_row("E2", manager_employee_id="E1"),
            hr_row("E3", manager_employee_id="E0"),
        ]
    )
    people = {p.employee_id: p for p in Person.objects.all()}
    actor = Actor.system("test")
    s1 = Supplier.objects.create(name="Example IT Services AB")
    s2 = Supplier.objects.create(name="Voorbeeld Software BV")
    application_create(slug="crm", name="CRM", actor=actor, owner_id=people["E3"].pk, supplier_id=s1.pk)
    application_create(slug="erp", name="ERP", actor=actor, supplier_id=s2.pk)
    device_register(asset_tag="LT-1", kind="laptop", actor=actor, holder=people["E2"])
    from ordna.accounts.importing import accounts_import
    from ordna.accounts.models import Account, Finding
    from ordna.conftest import TODAY

    export = tmp_path / "crm.csv"
    export.write_text(
        "account_id,email,display_name,employee_id,status,last_login,license\nsvc,,Service,,active,,\n"
        f"e2,,E2,E2,active,{TODAY.isoformat()},\n",
        encoding="utf-8",
    )
    accounts_import(
        create_application=True, application_slug="crm", path=export, actor=actor, today=TODAY, preset="generic"
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ordna.core.models import ImportRun
    from ordna.lifecycle.case_templates import template_save, template_task_add
    from ordna.lifecycle.closing import line_attest
    from ordna.lifecycle.models import Birthright, Case, Line

    template = template_save(actor=actor, name="Everyone")
    for title, role in (("Final pay", "hr"), ("Return the badge", "employee")):
        template_task_add(template=template, actor=actor, title=title, responsible=role)
    crm = Application.objects.get(slug="crm")
    template_task_add(template=template, actor=actor, title="CRM reports", responsible="owner", application=crm)
    load_people(
        [
            hr_row("E0"),
            hr_row("E1", manager_employee_id="E0"),
            hr_row("E2", manager_employee_id="E1", end_date=(TODAY + timedelta(days=5)).isoformat()),
            hr_row("E3", manager_employee_id="E0"),
        ]
    )
    case = Case.objects.get()
    evidence = Line.objects.get(case=case, subject="Final pay")
    hr = Actor.for_user(make_user("hr"))
    line_attest(line=evidence, actor=hr, today=TODAY, evidence=SimpleUploadedFile("payslip.pdf", b"%PDF-1.4 test"))
    from ordna.lifecycle.closing import closing_request_withdraw, line_waive

    it = Actor.for_user(make_user("coordinator"))  # by override: the laptop is E2's manager's line
    laptop = Line.objects.get(case=case, kind="device")
    withdrawn = line_waive(
        line=laptop,
        actor=it,
        today=TODAY,
        reason="Leased, returned by the lessor",
        override=True,
        override_reason="The manager is away",
    ).request
    assert withdrawn is not None
    closing_request_withdraw(request=withdrawn, actor=it)
    from ordna.applications.services import appointment_add
    from ordna.support import services as support
    from ordna.support import surveys

    appointment = appointment_add(
        application=crm, person=people["E3"], actor=actor, starts_on=TODAY, primary=True, hours_per_month=8
    )
    question = support.question_ask(
        application=crm, asked_by=people["E2"], category="how_to", text="How do I export contacts?", actor=actor
    )
    support.question_attach(question=question, attachment=SimpleUploadedFile("shot.png", b"\x89PNG"), actor=actor)
    support.question_escalate(question=question, actor=actor, ticket_ref="INC-1")
    wish = surveys.wish_propose(application=crm, person=people["E2"], title="Dark mode", text="", actor=actor)
    survey = surveys.survey_create(
        title="Skills 2026", departments=["IT"], opens_on=TODAY, closes_on=TODAY, actor=actor
    )
    from ordna.connectors import deprovisioning
    from ordna.connectors import services as connectors
    from ordna.connectors.base import ConnectorError

    def offline(options: Any, secret: str, timeout: float) -> Any:
        raise ConnectorError("the test server is offline")

    monkeypatch.setitem(connectors.CLIENT_OVERRIDES, "scim", offline)
    connectors.connector_set(
        application=crm, kind="scim", options={"url": "http://127.0.0.1:9/v2", "token": "t0ken"}, actor=actor
    )
    action, _ = deprovisioning.action_request(account=Account.objects.get(key="svc"), actor=actor, approved=False)
    outbox_action = action
    from ordna.feeds.services import feed_save

    # crm's export also arrives in a watch folder (an empty one: running it finds nothing).
    feed_save(name="crm-drop", kind="folder", target="accounts", application="crm", actor=actor, now=timezone.now())

    from ordna.releases import services as releases
    from ordna.reviews import services as reviews
    from ordna.suppliers import services as suppliers

    contract, _changed = suppliers.contract_save(
        data=suppliers.ContractInput(
            supplier=s1.name, title="CRM", start_date=TODAY, initial_term_months=12, renewal="tacit",
            renewal_term_months=12, notice="3 months", applications=("crm",),
        ),
        actor=actor,
    )  # fmt: skip
    document = suppliers.contract_document_add(
        contract=contract, upload=SimpleUploadedFile("contract.pdf", b"%PDF-1.4 contract"), actor=actor
    )
    from ordna.suppliers import processors

    # S1's data-processing agreement covers crm, with a signed version and a sub-processor S1 announced; S2's
    # agreement (erp) is another supplier's, which S1's user must never see.
    agreement, _changed = processors.agreement_save(
        data=processors.AgreementInput(supplier=s1.name, title="DPA CRM", signed_on=TODAY, applications=("crm",)),
        actor=actor,
    )
    agreement_document = processors.agreement_document_add(
        agreement=agreement, upload=SimpleUploadedFile("dpa.pdf", b"%PDF-1.4 dpa"), version="1", actor=actor
    )
    sub_processor = processors.subprocessor_add(
        agreement=agreement, name="Example Hosting AB", country="SE", role="hosting", since=None, actor=actor,
        today=TODAY, announced=True,
    )  # fmt: skip
    other_agreement, _changed = processors.agreement_save(
        data=processors.AgreementInput(supplier=s2.name, title="DPA ERP", signed_on=TODAY, applications=("erp",)),
        actor=actor,
    )
    review = reviews.review_plan(supplier=s1, title="Q4", starts_at=timezone.now(), actor=actor, today=TODAY)
    action_item = reviews.action_add(
        review=review, title="Send the report", owner_side="theirs", due=TODAY, actor=actor
    )
    release = releases.release_create(application=crm, version="2.0", actor=actor)
    release_test = releases.test_add(release=release, title="Log in", assignee=people["E3"], actor=actor, today=TODAY)
    releases.release_announce(release=release, actor=actor, text="CRM 2.0 is coming")
    values = {
        "S1": s1.pk,
        "CONTRACT": contract.pk,
        "DOCUMENT": document.pk,
        "AGREEMENT": agreement.pk,
        "AGREEMENT_DOCUMENT": agreement_document.pk,
        "SUBPROCESSOR": sub_processor.pk,
        "OTHER_AGREEMENT": other_agreement.pk,
        "REVIEW": review.pk,
        "ACTION": outbox_action.pk,
        "ACTION_ITEM": action_item.pk,
        "RELEASE": release.pk,
        "RELEASE_TEST": release_test.pk,
        "FINDING": Finding.objects.get().pk,
        "ACCOUNT": Account.objects.get(key="svc").pk,
        "RUN": ImportRun.objects.latest("id").pk,
        "CASE": case.pk,
        "LINE": Line.objects.get(case=case, kind="device").pk,
        "EVIDENCE": evidence.pk,
        "REQUEST": withdrawn.pk,
        "TEMPLATE": template.pk,
        "TASK": template.tasks.first().pk,  # type: ignore[union-attr]
        # Straight into the table: the service keeps birthright to joiner templates, the matrix needs one here.
        "BIRTHRIGHT": Birthright.objects.create(template=template, kind="device", device_kind="laptop").pk,
        "APPOINTMENT": appointment.pk,
        "QUESTION": question.pk,
        "WISH": wish.pk,
        "SURVEY": survey.pk,
    }
    users = {
        "admin": make_user("admin"),
        "coordinator": make_user("coordinator"),
        "hr": make_user("hr"),
        "manager": make_user("manager", person=people["E1"]),
        "key_user": make_user("key_user", person=people["E3"]),
        "supplier": make_user("supplier", supplier=s1),
        "employee": make_user("employee", person=people["E2"]),
        "auditor": make_user("auditor"),
    }
    from ordna.notifications.models import Digest

    now = timezone.now()
    token_create(user=users["hr"], actor=actor, name="payroll sync")
    values["TOKEN"] = users["hr"].api_tokens.get().pk
    values["DIGEST"] = Digest.objects.create(
        day=TODAY, recipient=users["hr"], address="hr@example.org", top_step="due", next_attempt_at=now, created_at=now
    ).pk
    from ordna.people.models import ErasureRequest

    # A waiting erasure request (docs/privacy.md): an admin decides it on the privacy page.
    values["ERASURE"] = ErasureRequest.objects.create(
        person=people["E1"], reason="Asked by letter", requested_by_label="someone", requested_at=now
    ).pk
    from ordna.core.models import Company
    from ordna.reports.evidence_packs import evidence_pack_build, evidence_pack_request

    # An evidence pack of the world's own company, asked for by the admin and built by the worker.
    pack = evidence_pack_request(
        start=TODAY - timedelta(days=30), end=TODAY + timedelta(days=30), sample=1, seed=1,
        company=Company.objects.get(is_default=True).pk, actor=Actor.for_user(users["admin"]), today=TODAY,
        enqueue=lambda pk: None,
    )  # fmt: skip
    evidence_pack_build(pack_id=pack.pk)
    values["EVIDENCE_PACK"] = pack.pk
    return {"users": users, "people": people, "values": values}
