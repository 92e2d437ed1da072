"""Swedish and Dutch are complete for everything the code can show, and the compiled catalogs match."""

from __future__ import annotations

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
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


# What a Swedish or Dutch page must not show ---------------------------------------------------------------------

# Words of English sentences that neither Swedish nor Dutch uses: an error or message that holds one was not
# translated (data, such as names and ticket references, is no sentence). "is", "of" and "in" are Dutch too.
ENGLISH_WORDS = frozenset(
    {
        "the", "must", "not", "be", "with", "has", "have", "only", "already", "cannot", "give", "choose", "add",
        "first", "this", "that", "and", "to", "empty", "missing", "unknown", "expected", "should", "please", "there",
    }
)  # fmt: skip
INTERFACE = ("error", "errors", "errorlist", "msg", "help")  # classes of the elements that hold no data


def english_phrases(language: str) -> list[re.Pattern[str]]:
    """English texts of the catalog whose translation differs: none of them may show on a translated page.
    Texts with placeholders are matched up to their first placeholder; single words as whole words."""
    patterns = []
    for entry in entries(LOCALE / language / "LC_MESSAGES" / "django.po"):
        msgid = unescape(entry["msgid"])
        if msgid == unescape(entry.get("msgstr", entry.get("msgstr[0]", ""))):
            continue
        if entry.get("msgctxt") in ("demo data", "template data"):  # data, in the language it was written in
            continue
        fixed = re.split(r"%\(|%s|%d|\{", msgid)[0].strip()
        if len(fixed) < 5:
            continue
        patterns.append(re.compile(rf"\b{re.escape(fixed)}\b" if " " not in fixed else re.escape(fixed)))
    return patterns


def english_words(text: str) -> list[str]:
    """The English-only words in `text`, which is interface (an error, a message), not data."""
    return sorted({word for word in re.findall(r"[a-z]+", text.lower()) if word in ENGLISH_WORDS})


class _PageText(HTMLParser):
    """The visible text of a page, and apart from it the text of its errors, messages and help."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.interface: list[str] = []
        self._stack: list[bool] = []  # per open element: inside an interface element
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "input", "img", "meta", "link", "hr"):
            return
        if tag in ("script", "style"):
            self._skip += 1
        classes = (dict(attrs).get("class") or "").split()
        inside = (self._stack[-1] if self._stack else False) or any(c in INTERFACE for c in classes)
        self._stack.append(inside or dict(attrs).get("role") == "alert")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("br", "input", "img", "meta", "link", "hr"):
            return
        if tag in ("script", "style"):
            self._skip -= 1
        if self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if self._skip or not data.strip():
            return
        self.text.append(data.strip())
        if self._stack and self._stack[-1]:
            self.interface.append(data.strip())


def untranslated(html: str, language: str) -> list[str]:
    """What a page in `language` shows in English: catalog texts anywhere (single words only in headings and
    labels is the browser's finer check), English sentences in its errors, messages and help texts."""
    page = _PageText()
    page.feed(html)
    shown = "\n".join(page.text)
    found = [p.pattern.replace("\\", "") for p in english_phrases(language) if p.pattern.count(" ") and p.search(shown)]
    found += [f"English in {text!r}" for text in page.interface if english_words(text)]
    return found


def test_the_check_finds_english_on_a_swedish_page() -> None:
    """The check itself: an untranslated error, message or catalog text is found; translated ones and data pass."""
    english = (
        '<ul class="errorlist"><li>ticket_ref: must not be empty</li></ul><p>Preview: nothing has been applied yet</p>'
    )
    assert untranslated(english, "sv") == [
        "Preview: nothing has been applied yet",
        "English in 'ticket_ref: must not be empty'",
    ]
    swedish = '<div class="msg error">Fyll i leverantörens ärendenummer.</div><td>The Office IT contract</td>'
    assert untranslated(swedish, "sv") == []


# Every message a person reads is marked for translation ----------------------------------------------------------


def _service_errors(trees: dict[Path, ast.Module]) -> set[str]:
    """ServiceError and the classes derived from it, by name, read from the source."""
    names = {"ServiceError"}
    while True:
        more = {
            node.name
            for tree in trees.values()
            for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef) and any(isinstance(b, ast.Name) and b.id in names for b in node.bases)
        }
        if more <= names:
            return names
        names |= more


def _literal(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(node.value.strip())
    )


def test_every_message_a_person_reads_is_marked_for_translation() -> None:
    """No service error, import row error, message or form error is a plain (or f-) string: each goes through
    gettext (or ordna.core.text), so the catalogs hold it and a Swedish page shows it in Swedish. The command
    line's own output, in management/commands, speaks English to the operator."""
    trees = {
        path: ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(Path(settings.BASE_DIR).rglob("*.py"))
        if not {"tests", "migrations", "commands"} & set(path.parts)
    }
    errors = _service_errors(trees)
    assert {"SupportError", "ReleaseError", "UserError", "ContractDateError", "LifecycleError"} <= errors
    plain = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func, args = node.func, node.args
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            said = (
                args[0]
                if name in errors and args
                else args[2]
                if name == "RowError" and len(args) >= 3
                else args[1]
                if name in ("add_error", "RowProblem") and len(args) >= 2
                else args[1]
                if isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id == "messages"
                and len(args) >= 2
                else None
            )
            if said is not None and _literal(said):
                plain.append(f"{path.relative_to(settings.BASE_DIR)}:{node.lineno}: {ast.unparse(said)[:80]}")
    assert plain == []


def test_every_count_an_import_keeps_has_words() -> None:
    """The counts an import keeps with its run (the HR import's, the cases it set off, an account import's)
    each read in words on the import pages, so none shows as `cases_lines_added`."""
    from ordna.accounts.planning import AccountPlan
    from ordna.core.templatetags.ordna import COUNT_LABELS
    from ordna.lifecycle.engine import CasesResult
    from ordna.people.services import PeopleImportResult

    kept = {
        *PeopleImportResult("applied").counts(),
        *(f"cases_{key}" for key in CasesResult().counts()),
        *AccountPlan().counts(),
        "applications_created",  # a price list's
    }
    assert kept - set(COUNT_LABELS) == set()
