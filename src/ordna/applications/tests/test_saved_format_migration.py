"""Applications whose accounts came from preset files, but that never recorded a format (created by a price
list), get their last applied import's preset as their saved format (issue 28; migration 0005)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from ordna.applications.models import Application
from ordna.core.models import ImportRun

pytestmark = pytest.mark.django_db
migration = importlib.import_module("ordna.applications.migrations.0005_saved_format_from_last_import")


def run(application: Application, preset: str, outcome: str = "applied") -> None:
    now = timezone.now()
    ImportRun.objects.create(
        source="accounts", application=application, preset=preset, outcome=outcome, started_at=now, finished_at=now
    )


def test_the_last_applied_preset_becomes_the_saved_format_where_there_was_none() -> None:
    priced = Application.objects.create(slug="m365", name="M365")
    run(priced, "entra")
    run(priced, "m365")
    run(priced, "generic", outcome="rejected")
    mapped = Application.objects.create(slug="crm", name="CRM", account_mapping={"columns": {"key": "user"}})
    run(mapped, "mapping")
    chosen = Application.objects.create(slug="erp", name="ERP", account_source="generic")
    run(chosen, "m365")
    synced = Application.objects.create(slug="ldap", name="LDAP")
    run(synced, "connector:ldap")

    migration.saved_format_from_last_import(apps, None)

    assert dict(Application.objects.values_list("slug", "account_source")) == {
        "m365": "m365",
        "crm": "",
        "erp": "generic",
        "ldap": "",
    }
