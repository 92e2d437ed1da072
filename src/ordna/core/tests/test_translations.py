"""Swedish and Dutch are complete for everything the code can show, and the compiled catalogs match."""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from ordna.conftest import require_server

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = ("sv", "nl")


def entries(po: Path) -> list[dict[str, str]]:
    """The entries of a PO file (msgctxt, msgid, msgid_plural, msgstr..., flags), the header excluded."""
    result = []
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        entry: dict[str, str] = {"flags": ""}
        key = ""
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] += line
            elif line.startswith("#"):
                continue
            elif match := re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) "(.*)"$', line):
                key = match.group(1)
                entry[key] = match.group(2)
            elif line.startswith('"') and key:
                entry[key] += line[1:-1]
        if entry.get("msgid"):
            result.append(entry)
    return result


def unescape(text: str) -> str:
    return text.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language: str) -> None:
    po = entries(LOCALE / language / "LC_MESSAGES" / "django.po")
    assert len(po) > 150
    untranslated = [e["msgid"] for e in po if not all(v for k, v in e.items() if k.startswith("msgstr"))]
    fuzzy = [e["msgid"] for e in po if "fuzzy" in e["flags"]]
    assert (untranslated, fuzzy) == ([], [])


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_matches_the_po_file(language: str) -> None:
    directory = LOCALE / language / "LC_MESSAGES"
    with (directory / "django.mo").open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    for entry in entries(directory / "django.po"):
        msgid = unescape(entry["msgid"])
        if "msgid_plural" in entry:
            assert catalog.ngettext(msgid, unescape(entry["msgid_plural"]), 1) == unescape(entry["msgstr[0]"])
        elif "msgctxt" in entry:
            assert catalog.pgettext(unescape(entry["msgctxt"]), msgid) == unescape(entry["msgstr"])
        else:
            assert catalog.gettext(msgid) == unescape(entry["msgstr"]), f"{language}: run `make messages`"


def test_catalogs_hold_every_string_of_the_code(tmp_path: Path) -> None:
    """Extract messages from a copy of the code and compare with the committed catalogs."""
    require_server("xgettext")
    copy = tmp_path / "ordna"
    shutil.copytree(settings.BASE_DIR, copy, ignore=shutil.ignore_patterns("tests", "__pycache__", "*.mo", "static"))
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}  # no DJANGO_SETTINGS_MODULE: plain extraction
    subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "sv",
            "--no-obsolete",
            "--no-location",
            "-i",
            "conftest.py",
            "-i",
            "demo.py",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
        env=environment,
    )
    fresh = {(e.get("msgctxt", ""), e["msgid"]) for e in entries(copy / "locale/sv/LC_MESSAGES/django.po")}
    committed = {(e.get("msgctxt", ""), e["msgid"]) for e in entries(LOCALE / "sv/LC_MESSAGES/django.po")}
    assert fresh - committed == set(), "new strings: run `make messages` and translate them"
