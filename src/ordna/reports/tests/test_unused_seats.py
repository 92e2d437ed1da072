"""Unused seats and leavers' licences are two figures, shown the same way on every page (issue 29): the licence
waste counts licences on leavers', disabled and orphaned accounts; seats bought and assigned to nobody are said
apart, beside it, with the same amount on the start page, the findings page, the follow-up and the report."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from ordna.accounts.models import Finding, FindingKind
from ordna.applications.services import application_create
from ordna.core.actor import Actor

pytestmark = pytest.mark.django_db


def test_every_page_says_the_unused_seats_apart_from_the_licence_waste(make_user) -> None:
    app = application_create(slug="m365", name="Microsoft 365", actor=Actor.system("test"))
    since = date(2026, 11, 2)
    Finding.objects.create(
        kind=FindingKind.LICENSE_WASTE, application=app, monthly_cost=Decimal("300"), currency="SEK", since=since
    )
    Finding.objects.create(
        kind=FindingKind.SEAT_OVERBUY, application=app, monthly_cost=Decimal("6000"), currency="SEK", since=since
    )
    client = Client()
    client.force_login(make_user("coordinator"))
    pages = {
        "start page": client.get("/").content.decode(),
        "findings": client.get("/accounts/findings/").content.decode(),
        "follow-up": client.get("/reports/").content.decode(),
        "monthly report": client.get("/reports/monthly/?month=2026-11").content.decode(),
    }
    for name, html in pages.items():
        note = re.search(r'<p class="help" data-figure="unused_seats">(.*?)</p>', html, re.DOTALL)
        assert note is not None, name
        assert "Seats bought but assigned to nobody are apart:" in note.group(1), name
        assert 'data-amount="6000.00"' in note.group(1), name
        assert re.search(r'data-figure="licence_waste"[^>]*data-amount="300.00"', html), name
    assert "Seats bought but unused, per month (apart from the licence waste)" in pages["monthly report"]
