"""Evidence packs built by the worker (docs/reports.md): asked for in the web or the API, queued to the job, built
into the files folder, followed by their state and downloaded; a failed pack says why; old packs are deleted.
The ZIP is the one the command line writes for the same seed, day and requester."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from ordna.conftest import TODAY
from ordna.core.actor import Actor
from ordna.core.models import AuditEvent
from ordna.core.services import token_create
from ordna.reports import evidence_packs
from ordna.reports.evidence_packs import evidence_pack_build, evidence_pack_request, evidence_packs_expire
from ordna.reports.models import EvidencePackRequest
from ordna.reports.services import evidence_pack_make

pytestmark = pytest.mark.django_db
PERIOD = {"start": "2026-09-01", "end": "2026-10-31"}


@pytest.fixture
def jobs_at_once() -> Any:
    """The queue runs each job as it is queued, as with ORDNA_JOBS_IMMEDIATE (no worker)."""
    HUEY.immediate = True
    yield
    HUEY.immediate = False


def api_client(user: Any) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_create(user=user, actor=Actor.system('test'))}"})


def ask(api: Client, **payload: Any) -> Any:
    return api.post("/api/v1/reports/evidence", data=json.dumps({**PERIOD, **payload}), content_type="application/json")


def test_a_pack_asked_for_in_the_api_is_queued_built_by_the_job_and_downloaded(
    org, make_user, jobs_at_once, django_capture_on_commit_callbacks
) -> None:
    # Given an auditor with a token,
    auditor = make_user("auditor")
    api = api_client(auditor)
    # when she asks for a pack, the answer comes at once: 202, the pack's id, seed and state; the job is queued
    # once the request's transaction commits,
    with django_capture_on_commit_callbacks(execute=True) as queued:
        asked = ask(api, sample=2, seed=7)
    assert asked.status_code == 202, asked.content
    body = asked.json()
    assert (body["state"], body["seed"], body["sample"], body["file"], body["leavers"]) == ("queued", 7, 2, None, None)
    assert (body["start"], body["end"], body["companies"], body["requested_by"]) == (*PERIOD.values(), "", "auditor1")
    assert len(queued) == 1
    # then the job has built it: ready, with the number of leavers, its size and the file's address,
    state = api.get(f"/api/v1/reports/evidence/{body['id']}").json()
    assert (state["state"], state["leavers"], state["reason"]) == ("ready", 3, "")
    assert state["file"] == f"/api/v1/reports/evidence/{body['id']}/file"
    assert state["started_at"] <= state["finished_at"]
    download = api.get(state["file"])
    assert download.status_code == 200 and download["X-Ordna-Seed"] == "7"
    assert 'filename="evidence-seed-7.zip"' in download["Content-Disposition"]
    content = download.getvalue()
    assert state["size"] == len(content)
    # and it is the pack the command line makes for the same seed, day and person, byte for byte.
    made = evidence_pack_make(
        start=date(2026, 9, 1), end=date(2026, 10, 31), sample=2, seed=7, actor=Actor.for_user(auditor), today=TODAY
    )
    assert content == made.content
    assert json.loads(zipfile.ZipFile(io.BytesIO(content)).read("manifest.json"))["made_by"] == "auditor1"
    # The list shows it; the audit log says who drew which sample with which seed.
    assert [p["id"] for p in api.get("/api/v1/reports/evidence").json()["items"]] == [body["id"]]
    event = AuditEvent.objects.filter(action="report.evidence").order_by("seq").first()
    assert (event.actor_label, event.after["seed"], event.after["sample"]) == ("auditor1", 7, 2)


def test_a_pack_asked_for_on_the_page_shows_its_state_then_its_download(org, make_user) -> None:
    client = Client()
    client.force_login(make_user("coordinator"))
    asked = client.post("/reports/evidence/", {**PERIOD, "sample": "1", "seed": "3"}, follow=True)
    page = asked.content.decode()
    [pack] = EvidencePackRequest.objects.all()
    assert f"Evidence pack {pack.pk} (seed 3) is queued" in page
    assert '<meta http-equiv="refresh" content="10">' in page and "<td>queued</td>" in page
    evidence_pack_build(pack_id=pack.pk)
    page = client.get("/reports/evidence/").content.decode()
    assert "http-equiv" not in page and "<td>ready</td>" in page
    assert f'href="/reports/evidence/{pack.pk}/download/" download>evidence-seed-3.zip</a>' in page
    download = client.get(f"/reports/evidence/{pack.pk}/download/")
    assert download.status_code == 200 and download.getvalue().startswith(b"PK")
    # Input no pack can be made from is refused with a sentence, and nothing is queued.
    bad = client.post("/reports/evidence/", {**PERIOD, "sample": "1001"})
    assert "Sample size 1001: choose 1 to 1000." in bad.content.decode()
    assert EvidencePackRequest.objects.count() == 1


def test_a_failed_pack_says_why_on_the_page_and_in_the_api(org, make_user, monkeypatch, settings, tmp_path) -> None:
    # Given a files folder that cannot be written (a file stands where the folder should be),
    blocked = tmp_path / "files"
    blocked.write_text("not a folder")
    settings.MEDIA_ROOT = str(blocked)
    coordinator = make_user("coordinator")
    api = api_client(coordinator)
    asked = ask(api, sample=1, seed=1).json()
    # when the worker builds the pack,
    assert evidence_pack_build(pack_id=asked["id"]).state == "failed"
    # then it is failed with the reason, and the file answers 409 with the same reason.
    state = api.get(f"/api/v1/reports/evidence/{asked['id']}").json()
    assert (state["state"], state["file"], state["leavers"]) == ("failed", None, None)
    assert state["reason"].startswith("The pack could not be stored: ")
    file = api.get(f"/api/v1/reports/evidence/{asked['id']}/file")
    assert file.status_code == 409 and file.json()["detail"] == f"Evidence pack {asked['id']} failed: {state['reason']}"
    web = Client()
    web.force_login(coordinator)
    assert f"<td>failed: {state['reason']}</td>" in web.get("/reports/evidence/").content.decode()
    assert web.get(f"/reports/evidence/{asked['id']}/download/").status_code == 404
    # An error inside the making (not the rules) fails the pack too, naming it and pointing at the log.
    settings.MEDIA_ROOT = str(tmp_path / "media")

    def broken(**_: Any) -> Any:
        raise RuntimeError("disk gone")

    monkeypatch.setattr(evidence_packs, "evidence_pack_make", broken)
    again = ask(api, sample=1, seed=2).json()
    failed = evidence_pack_build(pack_id=again["id"])
    assert failed.reason == "The pack could not be made (RuntimeError); the worker's log has the details."


def test_a_pack_is_built_once_and_a_queued_one_is_not_downloadable(org, make_user) -> None:
    api = api_client(make_user("auditor"))
    asked = ask(api, sample=1, seed=4).json()
    file = api.get(f"/api/v1/reports/evidence/{asked['id']}/file")
    assert file.status_code == 409
    assert file.json()["detail"] == f"Evidence pack {asked['id']} is queued: it can be downloaded once it is ready."
    assert evidence_pack_build(pack_id=asked["id"]).state == "ready"
    before = AuditEvent.objects.count()
    assert evidence_pack_build(pack_id=asked["id"]) is None  # a second run of the job builds nothing
    assert AuditEvent.objects.count() == before
    assert api.get("/api/v1/reports/evidence/999999").status_code == 404


def test_bad_input_and_too_many_waiting_packs_are_refused(org, make_user) -> None:
    api = api_client(make_user("coordinator"))
    refused = ask(api, sample=0)
    assert refused.status_code == 400 and refused.json() == {
        "detail": "Sample size 0: choose 1 to 1000.",
        "field": "sample",
    }
    backwards = api.post(
        "/api/v1/reports/evidence",
        data={"start": "2026-10-01", "end": "2026-09-01", "sample": 1},
        content_type="application/json",
    )
    assert backwards.status_code == 400 and backwards.json()["field"] == "end"
    assert [ask(api, sample=1).status_code for _ in range(3)] == [202, 202, 202]
    fourth = ask(api, sample=1)
    assert fourth.status_code == 429
    assert fourth.json()["detail"] == (
        "You have 3 evidence packs waiting to be built: ask for another when one of them is ready."
    )
    assert EvidencePackRequest.objects.count() == 3


def test_old_packs_and_their_files_are_deleted_and_abandoned_ones_fail(org, make_user, settings) -> None:
    # Given a pack built 15 days ago, one built today, and one a stopped worker left building for 7 hours,
    settings.ORDNA_EVIDENCE_PACK_DAYS = 14
    actor = Actor.for_user(make_user("coordinator"))

    def pack(seed: int) -> EvidencePackRequest:
        asked = evidence_pack_request(
            start=date(2026, 9, 1), end=date(2026, 10, 31), sample=1, seed=seed, company=None, actor=actor,
            today=TODAY, enqueue=lambda pk: None,
        )  # fmt: skip
        return evidence_pack_build(pack_id=asked.pk) or asked

    old, new = pack(1), pack(2)
    now = timezone.now()
    EvidencePackRequest.objects.filter(pk=old.pk).update(requested_at=now - timedelta(days=15))
    stuck = evidence_pack_request(
        start=date(2026, 9, 1), end=date(2026, 10, 31), sample=1, seed=3, company=None, actor=actor, today=TODAY,
        enqueue=lambda pk: None,
    )  # fmt: skip
    EvidencePackRequest.objects.filter(pk=stuck.pk).update(state="building", started_at=now - timedelta(hours=7))
    old_file = Path(old.file.path)
    assert old_file.exists()
    # when the daily job runs,
    assert evidence_packs_expire(now=now) == {"deleted": 1, "abandoned": 1}
    # then the old pack and its ZIP are gone, the new one stays, and the abandoned one says what happened.
    assert not old_file.exists() and not EvidencePackRequest.objects.filter(pk=old.pk).exists()
    assert Path(EvidencePackRequest.objects.get(pk=new.pk).file.path).exists()
    stuck.refresh_from_db()
    assert (stuck.state, stuck.reason) == ("failed", "The worker stopped while building this pack: ask for it again.")
    assert evidence_packs_expire(now=now) == {"deleted": 0, "abandoned": 0}
