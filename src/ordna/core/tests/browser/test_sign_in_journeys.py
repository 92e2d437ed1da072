"""Sign-in in the browser, with the Content-Security-Policy on: a user sets up the second factor from the QR code's
page, keeps the recovery codes, and signs in with password and code; the suite's watch for CSP violations
catches an inline handler."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyotp
import pytest

from ordna.core.tests.browser.conftest import PASSWORD, Site, csp_violations
from ordna.core.tests.browser.test_journeys import check_page

pytestmark = pytest.mark.browser


def sign_in(page: Any, username: str) -> None:
    page.goto("/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


def test_the_watch_reports_inline_code_the_policy_blocks(site: Site, browser: Any) -> None:
    context = browser.new_context(base_url=site.url)
    page = context.new_page()
    page.goto("/login/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">injected</p>')")
    page.wait_for_timeout(300)
    found = list(csp_violations)
    csp_violations.clear()  # seen: this test's own, not a page's
    context.close()
    assert any("style-src" in line for line in found), found


def test_a_user_sets_up_a_second_factor_and_signs_in_with_a_code(
    site: Site, browser: Any, axe_source: str, tmp_path: Path
) -> None:
    (tmp_path / "pw").write_text(PASSWORD, encoding="utf-8")
    site.ordna("user", "add", "two-factor", "--role", "hr", "--password-file", str(tmp_path / "pw"))
    context = browser.new_context(base_url=site.url, locale="en-GB")
    page = context.new_page()
    sign_in(page, "two-factor")
    page.get_by_role("link", name="two-factor").click()
    page.wait_for_load_state()
    check_page(page, axe_source)
    page.get_by_role("link", name="Set up a second factor").click()
    page.wait_for_load_state()
    assert page.locator("img.qr").evaluate("img => img.complete && img.naturalWidth > 50")
    check_page(page, axe_source)
    key = page.locator("code.key").inner_text()
    page.get_by_label("Code").fill(pyotp.TOTP(key).now())
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()
    codes = page.locator("ul.codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{8}", code) for code in codes)
    check_page(page, axe_source)
    page.goto("/account/")
    assert "You have 10 unused recovery codes." in page.locator("main").inner_text()
    page.get_by_role("button", name="Sign out everywhere").click()
    page.wait_for_load_state()

    sign_in(page, "two-factor")
    assert page.get_by_role("heading", name="Enter your code").is_visible()
    check_page(page, axe_source)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert page.locator(".who").inner_text() == "two-factor"
    context.close()
