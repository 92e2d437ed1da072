"""Retention leaves the past intact: the monthly follow-up and the evidence pack of a past month show the same
counts before and after, the certificate keeps its structure and says the data was erased, and the audit chain
verifies."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from django.utils import translation

from ordna.conftest import TODAY
from ordna.core.actor import Actor
from ordna.core.audit import audit_verify
from ordna.home.retention import retention_run
from ordna.home.tests.privacy_world import build_world
from ordna.lifecycle.certificate import certificate_data, certificate_pdf
from ordna.lifecycle.models import Case
from ordna.reports import selectors
from ordna.reports.services import evidence_pack_make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """The sentences asserted are the English ones, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


MARCH_2024 = date(2024, 3, 1)
NAMES = {"employee_id", "name"}


def monthly_counts(month: date) -> dict[str, object]:
    report = selectors.monthly_report(month=month, today=TODAY)
    return {
        "figures": report.figures,
        "leavers": [(r.last_day, r.on_time, r.deviation, r.lines) for r in report.leavers],
        "by_party": report.by_party,
        "trend": [(t.month, t.leavers, t.on_time) for t in report.trend],
    }


def pack_counts() -> dict[str, object]:
    pack = evidence_pack_make(
        start=date(2024, 1, 1), end=date(2024, 4, 30), sample=3, seed=11, actor=Actor.system("test"), today=TODAY
    )
    archive = zipfile.ZipFile(io.BytesIO(pack.content))
    manifest = json.loads(archive.read("manifest.json"))
    manifest.pop("sampled")  # employee ids: the pseudonyms after
    rows = list(csv.DictReader(io.StringIO(archive.read("leavers.csv").decode())))
    return {
        "manifest": manifest,
        "rows": sorted(tuple(v for k, v in row.items() if k not in NAMES) for row in rows),
        "certificates": len([n for n in archive.namelist() if n.startswith("certificates/")]),
    }


def test_the_past_keeps_its_counts_through_retention(make_user, tmp_path: Path) -> None:
    world = build_world(make_user)
    before_month, before_pack = monthly_counts(MARCH_2024), pack_counts()
    assert before_month["figures"].leavers == 1 and before_pack["manifest"]["leavers"] == 3  # type: ignore[attr-defined,index]

    erased = retention_run(today=TODAY, actor=Actor.system("retention")).erased
    assert len(erased) == 3  # Greta, Hans (no hold here) and Nina

    assert monthly_counts(MARCH_2024) == before_month
    assert pack_counts() == before_pack
    assert audit_verify().ok

    case = Case.objects.get(pk=world["case"].pk)
    data = certificate_data(case)
    assert data.employee_id in erased and data.person == data.employee_id  # the pseudonym
    assert [line.state_code for line in data.lines] == ["verified", "attested"]
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(certificate_pdf(data))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "personal data erased on 2026-11-16" in text and "Greta" not in text
