"""The companies of the group (issue 19) through every interface: the web page, the API and the command line,
with a wrong value named in each; and a user limited to companies."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from ordna.core.actor import Actor
from ordna.core.models import Company, User
from ordna.core.services import token_create

pytestmark = pytest.mark.django_db


def test_the_default_company_is_there_from_the_start() -> None:
    assert list(Company.objects.values_list("code", "is_default")) == [("group", True)]


def test_it_adds_and_changes_a_company_on_the_web_page(make_user: Any) -> None:
    client = Client()
    client.force_login(make_user("coordinator"))
    added = client.post(
        "/companies/",
        {"code": "nl", "name": "Uitzend Nederland BV", "country": "NL", "language": "nl", "mail_domains": "example.nl"},
    )
    assert added.status_code == 302
    company = Company.objects.get(code="nl")
    assert (company.country, company.language, company.mail_domains) == ("NL", "nl", ["example.nl"])
    clash = client.post(
        "/companies/", {"code": "se", "name": "Sverige AB", "language": "sv", "mail_domains": "EXAMPLE.nl"}
    )
    assert clash.status_code == 422
    assert "example.nl" in clash.content.decode() and not Company.objects.filter(code="se").exists()
    domains = "example.nl brand.example.nl"
    changed = client.post(
        "/companies/nl/",
        {"code": "nl", "name": "Uitzend NL BV", "country": "NL", "language": "nl", "mail_domains": domains},
    )
    assert changed.status_code == 302
    company.refresh_from_db()
    assert (company.name, company.mail_domains) == ("Uitzend NL BV", ["brand.example.nl", "example.nl"])


def test_the_api_adds_lists_and_refuses_with_the_field(make_user: Any) -> None:
    token = token_create(user=make_user("admin"), actor=Actor.system("test"))
    api = Client(headers={"Authorization": f"Bearer {token}"})
    made = api.post(
        "/api/v1/companies", {"code": "se", "name": "Sverige AB", "country": "SE"}, content_type="application/json"
    )
    assert made.status_code == 201 and made.json()["code"] == "se"
    refused = api.post(
        "/api/v1/companies", {"code": "se2", "name": "X", "country": "DE"}, content_type="application/json"
    )
    assert refused.status_code == 422 and refused.json()["field"] == "country"
    patched = api.patch("/api/v1/companies/se", {"mail_domains": ["example.se"]}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["mail_domains"] == ["example.se"]
    assert [c["code"] for c in api.get("/api/v1/companies").json()] == ["group", "se"]


def test_the_command_line_adds_lists_and_names_the_wrong_option() -> None:
    out = StringIO()
    call_command(
        "company", "add", "nl", "Uitzend Nederland BV", "--country", "NL", "--domain", "example.nl", stdout=out
    )
    assert out.getvalue() == "company nl (Uitzend Nederland BV) added\n"
    with pytest.raises(
        CommandError, match=r"^--domain: Mail domains: 'example.nl' belongs to the company 'nl'\.$"
    ) as refused:
        call_command("company", "add", "se", "Sverige AB", "--domain", "example.nl", stdout=StringIO())
    assert refused.value.returncode == 1
    listed = StringIO()
    call_command("company", "list", stdout=listed)
    assert "nl\tUitzend Nederland BV\tNL\ten\texample.nl" in listed.getvalue()


def test_a_user_is_limited_to_companies_on_the_command_line_and_in_the_user_form(make_user: Any) -> None:
    call_command("company", "add", "nl", "Uitzend Nederland BV", stdout=StringIO())
    out = StringIO()
    call_command("user", "add", "nora", "--role", "hr", "--company", "nl", stdout=out)
    assert out.getvalue() == "user nora added with role(s) hr, scoped to nl\n"
    nora = User.objects.get(username="nora")
    assert nora.company_ids == frozenset({Company.objects.get(code="nl").pk})
    with pytest.raises(CommandError, match=r"^--company: No company has the code 'de'"):
        call_command("user", "add", "dora", "--role", "hr", "--company", "de", stdout=StringIO())
    assert not User.objects.filter(username="dora").exists()  # nothing half-made
    client = Client()
    client.force_login(make_user("admin"))
    form = {"username": "nora", "email": "", "roles": ["hr"], "person": "", "supplier": "", "is_active": "on"}
    assert client.post(f"/users/{nora.pk}/", {**form, "companies": []}).status_code == 302
    assert User.objects.get(username="nora").company_ids is None
    refused = client.post(f"/users/{nora.pk}/", {**form, "roles": ["admin"], "companies": ["nl"]})
    assert refused.status_code == 200 and "administrator works on the whole group" in refused.content.decode()
    assert not User.objects.get(username="nora").has_role("admin")  # nothing half-applied
    token = token_create(user=nora, actor=Actor.system("test"))
    me = Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/me").json()
    assert me["companies"] is None
