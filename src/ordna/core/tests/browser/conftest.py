"""The browser suite: `ordna serve` with the demo organisation on loopback, driven by Playwright in Debian's
Chromium (browser downloads are not possible, so Playwright is pointed at its executable).

The served site runs on the real clock and its own SQLite file, whatever database the rest of the suite
uses; the journeys share it for the session, in the order of the test file.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ordna.conftest import require_server, unavailable
from ordna.core.tests.served import migrated_site, site_env
from ordna.core.tests.served import serving as served
from ordna.core.tests.servers import find, missing_line

AXE_VERSION = "4.14.1"
PASSWORD = "ordna-demo-2026"
# As Debian's Chromium needs them here: headless, no sandbox as root, and no background connections
# (the machine's network is closed; they would be refused by the dozen).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = os.environ.get("ORDNA_SCREENSHOT_DIR", "")


@pytest.fixture(autouse=True)
def frozen_time() -> Iterator[None]:
    """The served site runs on the real clock; so does the browser suite (overrides the suite-wide freeze)."""
    yield


@dataclass
class Site:
    url: str
    data: Path
    env: dict[str, str]

    def ordna(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run an `ordna` command against the served site's data."""
        done = subprocess.run(
            [str(Path(sys.executable).with_name("ordna")), *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if check and done.returncode:
            pytest.fail(f"ordna {' '.join(args)} ended with {done.returncode}: {done.stderr[-2000:]}")
        return done

    def export(self, what: str) -> list[dict[str, Any]]:
        return json.loads(self.ordna("export", what, "--format", "json").stdout)


@pytest.fixture(scope="session")
def chromium() -> str:
    return require_server("chromium")


@contextmanager
def serving(site: Site, *extra: str) -> Iterator[Site]:
    """`ordna serve` on a free loopback port for the site's data, until the block ends."""
    with served(site.data, site.env, *extra) as url:
        site.url = url
        yield site


def new_site(data: Path) -> Site:
    return Site(url="", data=data, env=site_env(data))


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory, chromium: str) -> Iterator[Site]:
    data = tmp_path_factory.mktemp("site")
    site = Site(url="", data=data, env=migrated_site(data))
    site.ordna("demo")
    with serving(site) as served:
        yield served


# Where a page loads axe-core from: a path of the site's own origin that the browser context answers itself, so
# the script is allowed by the Content-Security-Policy (script-src 'self'), as an inline one would not be.
AXE_PATH = "/__axe__/axe.min.js"
# Every violation of the Content-Security-Policy a page of the current test reported (see WatchedBrowser).
csp_violations: list[str] = []
# Added to every page before its own scripts: the browser's report of a violation, written to the console.
_REPORT_VIOLATIONS = """document.addEventListener('securitypolicyviolation', e => console.error(
    `CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline code'} on ${e.documentURI}`));"""


def _watch_page(page: Any) -> None:
    def seen(message: Any) -> None:
        text = message.text
        if "CSP violation" in text or "Content Security Policy" in text:
            csp_violations.append(f"{page.url}: {text}")

    page.on("console", seen)


class WatchedBrowser:
    """The browser, whose every context reports violations of the Content-Security-Policy (in the console and
    as `securitypolicyviolation` events) into `csp_violations`, and serves axe-core from the site's own origin."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)

    def new_context(self, **options: Any) -> Any:
        context = self._browser.new_context(**options)
        context.add_init_script(script=_REPORT_VIOLATIONS)
        context.on("page", _watch_page)
        context.route(
            f"**{AXE_PATH}",
            lambda route: route.fulfill(
                body=(axe_cache() / "package" / "axe.min.js").read_text(encoding="utf-8"),
                content_type="application/javascript",
            ),
        )
        return context


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield WatchedBrowser(instance)
        instance.close()


@pytest.fixture(autouse=True)
def no_csp_violation() -> Iterator[None]:
    """The browser suite runs with Ordna's Content-Security-Policy on: any violation a page reports fails the
    test that opened it."""
    csp_violations.clear()
    yield
    assert csp_violations == [], "Content-Security-Policy violations:\n" + "\n".join(csp_violations)


class AxeUnavailable(Exception):
    """axe-core could not be fetched; the message says why in one line."""


def axe_fetch(cache: Path, *, npm: str, work: Path, environ: dict[str, str] | None = None) -> Path:
    """axe.min.js of AXE_VERSION in `cache`, fetched once with `npm pack` from the registry npm is configured
    with (npm's own cache first, so a machine that fetched it once works offline); a few quick retries, so an
    unreachable registry answers in seconds."""
    script = cache / "package" / "axe.min.js"
    try:
        subprocess.run(
            [
                npm,
                "pack",
                f"axe-core@{AXE_VERSION}",
                "--loglevel=error",
                "--prefer-offline",
                "--fetch-retries=1",
                "--fetch-retry-mintimeout=1000",
                "--fetch-retry-maxtimeout=5000",
                "--fetch-timeout=30000",
                "--pack-destination",
                str(work),
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=180,
            env=environ,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        environment = os.environ if environ is None else environ
        registry = environment.get("npm_config_registry") or "the npm registry"
        code = re.search(r"npm (?:error|ERR!) code (\S+)", str(getattr(exc, "stderr", "") or ""))
        why = f" ({code.group(1)})" if code else " (timed out)" if isinstance(exc, subprocess.TimeoutExpired) else ""
        raise AxeUnavailable(
            f"axe-core {AXE_VERSION} could not be fetched from {registry}{why}: the browser tests need it once "
            f"(then it is kept in {cache})"
        ) from exc
    cache.mkdir(parents=True, exist_ok=True)
    with tarfile.open(next(work.glob("axe-core-*.tgz"))) as archive:
        archive.extract("package/axe.min.js", cache, filter="data")
    return script


def axe_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "ordna" / f"axe-core-{AXE_VERSION}"


def missing_prerequisite() -> str:
    """What the journeys cannot do without, in one line: the browser, or axe-core (fetched once); "" when
    both are there."""
    if find("chromium") is None:
        return missing_line("chromium")
    if (axe_cache() / "package" / "axe.min.js").exists():
        return ""
    npm = find("npm")
    if npm is None:
        return missing_line("npm")
    with tempfile.TemporaryDirectory() as work:
        try:
            axe_fetch(axe_cache(), npm=str(npm), work=Path(work))
        except AxeUnavailable as exc:
            return str(exc)
    return ""


_missing: list[str] = []  # what missing_prerequisite said, asked once per session


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before any fixture of a journey (the demo site takes a minute to load): without the browser or axe-core
    every journey skips at once with the same line, which the summary shows once."""
    if not _missing:
        _missing.append(missing_prerequisite())
    if _missing[0]:
        unavailable(_missing[0])


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core from the npm registry (fetched before the first journey, kept between runs), to check each
    page's accessibility."""
    return (axe_cache() / "package" / "axe.min.js").read_text(encoding="utf-8")


@pytest.fixture
def signed_in(site: Site, browser: Any) -> Iterator[Callable[..., Any]]:
    """A page signed in as one of the demo users, in a language of the interface."""
    contexts = []

    def open_as(username: str, language: str = "en") -> Any:
        context = browser.new_context(
            base_url=site.url, locale={"en": "en-GB", "sv": "sv-SE", "nl": "nl-NL"}[language], accept_downloads=True
        )
        contexts.append(context)
        page = context.new_page()
        page.goto("/")
        page.locator("input[name=username]").fill(username)
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("main button[type=submit]").click()
        page.wait_for_load_state()
        choose_language(page, language)
        return page

    yield open_as
    for context in contexts:
        context.close()


def choose_language(page: Any, language: str) -> None:
    """Switch the interface language with the selector every page has."""
    page.locator("select[name=language]").select_option(language)
    page.locator("form:has(select[name=language]) button").click()
    page.wait_for_load_state()


def screenshot(page: Any, name: str) -> None:
    """Kept in docs/screenshots when ORDNA_SCREENSHOT_DIR says so (`make screenshots`)."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"))
