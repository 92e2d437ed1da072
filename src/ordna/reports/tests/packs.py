"""Evidence packs through the API, as a client uses them: ask, let the worker's job build the pack (as
`ordna worker` would), follow its state, download the ZIP."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from ordna.reports.tasks import evidence_pack_build_job


def evidence_pack_through_api(api: Client, payload: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """The pack's state once built, and its ZIP."""
    asked = api.post("/api/v1/reports/evidence", data=json.dumps(payload), content_type="application/json")
    assert asked.status_code == 202, asked.content
    assert asked.json()["state"] == "queued" and asked.json()["file"] is None
    evidence_pack_build_job.call_local(asked.json()["id"])
    state = api.get(f"/api/v1/reports/evidence/{asked.json()['id']}").json()
    assert state["state"] == "ready", state
    download = api.get(state["file"])
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    return state, download.getvalue()
