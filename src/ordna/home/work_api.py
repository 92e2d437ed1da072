"""The start page's own work in the API (home.work): what the signed-in user has to do, soonest due first."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from ordna.core.api import Capability
from ordna.core.clock import today
from ordna.core.web import user_of
from ordna.home.work import role_work

router = Router(tags=["start page"])


class WorkItemOut(Schema):
    due: date | datetime | None
    text: str
    url: str
    note: str


class WorkKindOut(Schema):
    key: str  # lines, leaver_accounts, unrouted, questions, tests, appointments_ending, absences, surveys, asked_back
    title: str
    explained: str
    total: int
    overdue: int
    url: str  # the web list filtered to this kind
    items: list[WorkItemOut]


@router.get(
    "/work",
    response=list[WorkKindOut],
    summary="The signed-in user's own work, the kind with the soonest due item first (a supplier's: empty)",
    auth=Capability("dashboard"),
)
def work(request: HttpRequest) -> Any:
    return [
        {
            "key": kind.key,
            "title": str(kind.title),
            "explained": str(kind.explained),
            "total": kind.total,
            "overdue": kind.overdue,
            "url": kind.url,
            "items": [{"due": i.due, "text": i.text, "url": i.url, "note": i.note} for i in kind.items],
        }
        for kind in role_work(user_of(request), today=today())
    ]
