"""Users scoped to companies (issue 19): a second company's people never appear, in any page, export or API
answer, and the capabilities that act on the whole group are not theirs.

Built on the access matrix's world and tables: every page and every API read asked by every role, scoped to
the world's own company, while Zora Zettergren of a second company leaves with an account, a laptop, a case
with lines and a question of her own.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from ordna.conftest import TODAY, hr_csv, hr_row
from ordna.core.access import GROUP_ONLY, can
from ordna.core.actor import Actor
from ordna.core.companies import company_save, user_companies_set
from ordna.core.models import Company
from ordna.core.services import token_create
from ordna.core.tests.access_world import access_world
from ordna.core.tests.test_access_matrix import API, WEB, api_operations, path_values, resolve

pytestmark = pytest.mark.django_db

MARKER = "Zettergren"
ZORA = "ZED999"  # her employee id: what the exports and the API name
SCOPED = ("coordinator", "hr", "manager", "auditor")


@pytest.fixture
def group(load_people: Any, make_user: Any, tmp_path: Any, monkeypatch: Any) -> dict[str, Any]:
    """The world, plus company B's Zora Zettergren (ZED999), who leaves in three days holding a crm account, a
    laptop and a question; the world's coordinator, HR user, manager and auditor are scoped to the world's
    own (default) company."""
    from ordna.accounts.importing import accounts_import
    from ordna.applications.models import Application
    from ordna.devices.services import device_register
    from ordna.people.models import Person
    from ordna.people.services import people_import
    from ordna.support import services as support

    given = access_world(load_people, make_user, tmp_path, monkeypatch)
    actor = Actor.system("test")
    company_save(actor=actor, code="b", name="Bolaget B AB", country="SE", mail_domains=["b.example.org"])
    header = [*list(hr_row("x")), "company"]
    path = tmp_path / "b.csv"
    path.write_text(hr_csv([hr_row(ZORA, "Zora", MARKER, company="b")], header=header), encoding="utf-8")
    assert people_import(path=path, actor=actor, today=TODAY).outcome == "applied"
    zora = Person.objects.get(employee_id=ZORA)
    device_register(asset_tag="LT-9", kind="laptop", actor=actor, holder=zora)  # her case gets a device line
    last_day = (TODAY + timedelta(days=3)).isoformat()
    path.write_text(
        hr_csv([hr_row(ZORA, "Zora", MARKER, end_date=last_day, company="b")], header=header), encoding="utf-8"
    )
    assert people_import(path=path, actor=actor, today=TODAY).outcome == "applied"
    export = tmp_path / "crm-b.csv"
    export.write_text(
        "account_id,email,display_name,employee_id,status,last_login,license\nsvc,,Service,,active,,\n"
        f"e2,,E2,E2,active,{TODAY.isoformat()},\nz9,,Zora {MARKER},{ZORA},active,{TODAY.isoformat()},\n",
        encoding="utf-8",
    )
    accounts_import(
        create_application=True, application_slug="crm", path=export, actor=actor, today=TODAY, preset="generic"
    )
    support.question_ask(
        application=Application.objects.get(slug="crm"),
        asked_by=zora,
        category="how_to",
        text="Where is the B tenant?",
        actor=actor,
    )
    default = Company.objects.get(is_default=True)
    for role in SCOPED:
        user_companies_set(user=given["users"][role], companies=[default], actor=actor)
        given["users"][role].refresh_from_db()
    return given


def test_the_unscoped_coordinator_sees_the_second_company(group: dict[str, Any]) -> None:
    # Given the whole group in view (the admin), Zora is everywhere the scoped users must not find her.
    client = Client()
    client.force_login(group["users"]["admin"])
    assert MARKER in client.get("/people/").content.decode()
    assert MARKER in client.get(reverse("lifecycle:board")).content.decode()
    token = token_create(user=group["users"]["admin"], actor=Actor.system("test"))
    api = Client(headers={"Authorization": f"Bearer {token}"})
    assert MARKER in api.get("/api/v1/people").content.decode()
    assert MARKER in api.get("/api/v1/cases").content.decode()
    assert ZORA in client.get("/cases/export/?what=lines&format=csv").content.decode()
    assert ZORA in client.get("/people/export/?format=csv").content.decode()


@pytest.mark.parametrize("role", SCOPED)
def test_a_scoped_user_finds_no_one_of_another_company_on_any_page(group: dict[str, Any], role: str) -> None:
    user = group["users"][role]
    client = Client()
    client.force_login(user)
    for name, (kwargs, method, _allowed, _ok) in WEB.items():
        if method != "get":
            continue
        kwargs = {k: resolve(group, v) for k, v in kwargs.items()}
        response = client.get(reverse(name, kwargs=kwargs))
        assert response.status_code < 500, f"{role} {name}: {response.status_code}"
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert MARKER.encode() not in body and ZORA.encode() not in body, f"{role} sees company B on {name}"
    # Every export, in every format: the people, the cases and their lines.
    for url in (
        *(f"/people/export/?format={fmt}" for fmt in ("csv", "json", "xlsx")),
        *(f"/cases/export/?what={what}&format={fmt}" for what in ("cases", "lines") for fmt in ("csv", "json")),
    ):
        response = client.get(url)
        if response.status_code == 200:
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert MARKER.encode() not in body and ZORA.encode() not in body, f"{role} finds company B in {url}"
    # Her own pages answer as if she did not exist.
    assert client.get(f"/people/{ZORA}/").status_code == 404
    from ordna.lifecycle.models import Case

    case = Case.objects.get(person__employee_id=ZORA)
    assert client.get(reverse("lifecycle:detail", kwargs={"pk": case.pk})).status_code == 404


@pytest.mark.parametrize("role", SCOPED)
def test_a_scoped_user_finds_no_one_of_another_company_in_the_api(group: dict[str, Any], role: str) -> None:
    user = group["users"][role]
    token = token_create(user=user, actor=Actor.system("test"))
    client = Client(headers={"Authorization": f"Bearer {token}"})
    capability = {
        (m, p): next(getattr(cb, "capability", None) for cb in op.auth_callbacks) for m, p, op in api_operations()
    }
    for method, path in API:
        if method != "GET":
            continue
        response = client.get(path.format(**path_values(group)))
        assert response.status_code < 500, f"{role} {path}: {response.status_code}"
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert MARKER.encode() not in body and ZORA.encode() not in body, f"{role} sees company B in {path}"
        if capability[(method, path)] in GROUP_ONLY:
            assert response.status_code == 404, f"{role} {path} is the group's"


def test_a_scoped_user_cannot_name_another_companys_person(group: dict[str, Any]) -> None:
    token = token_create(user=group["users"]["coordinator"], actor=Actor.system("test"))
    api = Client(headers={"Authorization": f"Bearer {token}"})
    answer = api.post(
        "/api/v1/devices", {"asset_tag": "LT-77", "kind": "laptop", "holder": ZORA}, content_type="application/json"
    )
    assert answer.status_code == 422 and answer.json()["field"] == "holder"
    assert api.post(
        "/api/v1/devices", {"asset_tag": "LT-77", "kind": "laptop", "holder": "E2"}, content_type="application/json"
    ).status_code in (200, 201)


def test_group_only_capabilities_are_refused_to_scoped_users_whatever_their_roles(group: dict[str, Any]) -> None:
    coordinator, admin = group["users"]["coordinator"], group["users"]["admin"]
    for capability in GROUP_ONLY:
        assert not can(coordinator, capability), capability
    assert can(admin, "users.manage") and can(admin, "reports.view")
    assert can(coordinator, "people.list") and can(coordinator, "cases.list")


def test_an_administrator_cannot_be_scoped_and_a_scoped_user_cannot_scope_others(group: dict[str, Any]) -> None:
    from ordna.core.companies import CompanyError

    default = Company.objects.get(is_default=True)
    with pytest.raises(CompanyError) as refused:
        user_companies_set(user=group["users"]["admin"], companies=[default], actor=Actor.system("test"))
    assert refused.value.field == "companies"
    with pytest.raises(CompanyError):
        user_companies_set(
            user=group["users"]["key_user"],
            companies=[],
            actor=Actor.for_user(group["users"]["coordinator"]),
        )


def test_a_scoped_user_finds_no_application_of_another_company_in_the_record_of_processing(group) -> None:
    # Given company B's own application holding personal data, with no agreement of its supplier,
    from ordna.applications.services import application_create
    from ordna.core.models import Supplier

    company_b = Company.objects.get(code="b")
    supplier = Supplier.objects.get(name="Voorbeeld Software BV")
    application_create(
        slug="b-tenant", name=f"{MARKER} tenant", actor=Actor.system("test"), supplier_id=supplier.pk,
        company_id=company_b.pk, holds_personal_data=True,
    )  # fmt: skip
    admin = Client()
    admin.force_login(group["users"]["admin"])
    assert MARKER in admin.get(reverse("reports:processing_record")).content.decode()
    # then the auditor and the coordinator of the world's own company find it nowhere: not in the record, its
    # files, the processors' gaps or the dashboard.
    for role in ("auditor", "coordinator"):
        client = Client()
        client.force_login(group["users"][role])
        for url in (reverse("reports:processing_record"), reverse("suppliers:agreements")):
            response = client.get(url)
            assert response.status_code == 200 and MARKER.encode() not in response.content, f"{role} {url}"
        # The dashboard: its gaps, and the coordinator's first-run checklist (B's application has no price and
        # no accounts, and is named only to those who see B).
        dashboard = client.get(reverse("home:dashboard")).content.decode()
        gaps = dashboard.split('id="processor-gaps-heading"')[1].split("</section>")[0]
        assert "Sub-processor to decide" in gaps and MARKER not in dashboard, role
        workbook = load_workbook(io.BytesIO(client.get(reverse("reports:processing_record") + "?format=xlsx").content))
        cells = [str(v) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for v in row]
        assert not any(MARKER in cell for cell in cells), role
        token = token_create(user=group["users"][role], actor=Actor.system("test"))
        api = Client(headers={"Authorization": f"Bearer {token}"})
        for path in ("/api/v1/processing-record", "/api/v1/processors/gaps"):
            assert MARKER not in api.get(path).content.decode(), f"{role} {path}"


def test_a_scoped_coordinator_cannot_act_on_another_companys_lines_in_bulk(group: dict[str, Any]) -> None:
    # Given Zora's open laptop line (company B) beside an open line of the coordinator's own company,
    from ordna.lifecycle.models import Line

    zora_line = Line.objects.filter(case__person__employee_id=ZORA, state="open").first()
    own_line = Line.objects.filter(state="open").exclude(case__person__employee_id=ZORA).first()
    assert zora_line is not None and own_line is not None
    client = Client()
    client.force_login(group["users"]["coordinator"])
    # when the coordinator claims both on the page, or waives both through the API,
    page = client.post(
        reverse("lifecycle:lines_bulk"), {"lines": [own_line.pk, zora_line.pk], "action": "claim", "ticket": "T-1"}
    )
    token = token_create(user=group["users"]["coordinator"], actor=Actor.system("test"))
    api = Client(headers={"Authorization": f"Bearer {token}"}).post(
        "/api/v1/lines/bulk",
        {
            "lines": [own_line.pk, zora_line.pk],
            "action": "waive",
            "reason": "x",
            "override": True,
            "override_reason": "y",
        },
        content_type="application/json",
    )
    # then both answer 404 naming only the id, and neither line changed.
    assert page.status_code == 404 and api.status_code == 404
    assert MARKER not in api.content.decode() and f"#{zora_line.pk}" in api.json()["detail"]
    assert not Line.objects.filter(pk__in=[own_line.pk, zora_line.pk]).exclude(claim_ticket="", state="open").exists()


def test_a_scoped_coordinator_cannot_see_another_companys_evidence_pack(group: dict[str, Any]) -> None:
    # Given a pack of company B (Zora leaves within it) and one of the whole group, asked for by the admin,
    from ordna.reports.evidence_packs import evidence_pack_build

    admin = Client(
        headers={"Authorization": f"Bearer {token_create(user=group['users']['admin'], actor=Actor.system('t'))}"}
    )
    ids = []
    for code in ("b", ""):
        payload = {
            "start": TODAY.isoformat(),
            "end": (TODAY + timedelta(days=5)).isoformat(),
            "sample": 1,
            "company": code,
        }
        asked = admin.post("/api/v1/reports/evidence", payload, content_type="application/json")
        assert asked.status_code == 202, asked.content
        evidence_pack_build(pack_id=asked.json()["id"])
        ids.append(asked.json()["id"])
    assert [p["state"] for p in admin.get("/api/v1/reports/evidence").json()["items"][:2]] == ["ready", "ready"]
    # then the coordinator and the auditor of the world's own company find neither: not listed, 404 by id, 404 on
    # the file and on the page's download; and asking for company B's pack is refused.
    for role in ("coordinator", "auditor"):
        token = token_create(user=group["users"][role], actor=Actor.system("test"))
        api = Client(headers={"Authorization": f"Bearer {token}"})
        assert not {p["id"] for p in api.get("/api/v1/reports/evidence").json()["items"]} & set(ids), role
        web = Client()
        web.force_login(group["users"][role])
        for pack_id in ids:
            assert api.get(f"/api/v1/reports/evidence/{pack_id}").status_code == 404
            assert api.get(f"/api/v1/reports/evidence/{pack_id}/file").status_code == 404
            assert web.get(reverse("reports:evidence_download", kwargs={"pk": pack_id})).status_code == 404
        refused = api.post("/api/v1/reports/evidence", {**payload, "company": "b"}, content_type="application/json")
        assert refused.status_code == 422 and refused.json()["field"] == "company"
