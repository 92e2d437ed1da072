"""Every role's start page in Swedish (issue 23): the role's own work first, soonest due first, each count a link
to the list filtered to it; no English left; the pictures of docs/tour.md. Runs after the journeys, on the same
served demo organisation."""

from __future__ import annotations

from typing import Any

import pytest

from ordna.core.tests.browser.conftest import screenshot
from ordna.core.tests.browser.test_journeys import assert_translated, check_page

pytestmark = pytest.mark.browser

# (demo user, the heading of its own work in Swedish)
ROLES = [
    ("coordinator", "Ditt arbete"),
    ("hr", "Ditt arbete"),
    ("manager", "Ditt arbete"),
    ("keyuser", "Ditt arbete"),
    ("supplier", "Ert företags öppna arbete"),
    ("employee", "Ditt arbete"),
]


@pytest.mark.parametrize(("username", "heading"), ROLES)
def test_each_roles_start_page_shows_its_own_work_first_in_swedish(
    signed_in: Any, axe_source: str, username: str, heading: str
) -> None:
    page = signed_in(username, "sv")
    check_page(page, axe_source)
    headings = page.locator("main h2").all_inner_texts()
    assert headings and headings[0] == heading, headings
    screenshot(page, f"start-{username}-sv")
    # What the items say is data (the demo's questions are asked in English), not the interface: looked past.
    page.evaluate("document.querySelectorAll('main .data').forEach(cell => cell.remove())")
    assert_translated(page, "sv")
    # The counts are links to the lists they count; the first one opens.
    tiles = page.locator("main section").first.locator("ul.tiles li a")
    if username == "employee" and tiles.count() == 0:
        # The journeys ran first: he left and handed everything back, so nothing waits for him, and his page
        # says so instead of showing an empty list.
        assert "Inget väntar på dig." in page.locator("main section").first.inner_text()
        return
    assert tiles.count() >= 1
    href = tiles.first.get_attribute("href")
    assert href is not None and href.startswith("/")
    response = page.goto(href)
    assert response is not None and response.status == 200, href


def test_the_coordinator_sees_the_figures_that_matter_with_their_explanation(signed_in: Any) -> None:
    page = signed_in("coordinator", "sv")
    text = page.locator("main").inner_text()
    # Leavers' accounts still active, money wasted per currency and overdue lines, right after the own work.
    figures = page.locator("[data-figure=licence_waste]")
    assert figures.count() >= 1
    assert all(f.get_attribute("data-currency") or f.get_attribute("data-amount") == "0" for f in figures.all())
    assert "konton för avgångna som fortfarande är aktiva" in text
    assert "slutar inom 14 dagar" in text
    assert "listan över avgående nedan ser 30 dagar framåt" in text
