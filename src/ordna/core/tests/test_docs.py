"""The documentation a reader is pointed to exists: README, pyproject.toml, docs/ and the code cite only the
repository's own Markdown files (no specification kept elsewhere)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[4]
CITED = re.compile(r"\b([\w.-]+\.md)\b")


def tracked(*patterns: str) -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", *patterns], cwd=REPOSITORY, capture_output=True, text=True, check=True
    ).stdout.split()
    return [REPOSITORY / name for name in listed]


def test_every_cited_markdown_file_is_in_the_repository() -> None:
    present = {path.name for path in tracked("*.md")}
    sources = tracked("README.md", "pyproject.toml", "Makefile", "docs/*.md", "src/*.py", "bench/*.py", "scripts/*")
    assert len(sources) > 100
    missing = {
        f"{path.relative_to(REPOSITORY)}: {name}"
        for path in sources
        for name in CITED.findall(path.read_text(encoding="utf-8"))
        if name not in present
    }
    assert missing == set()


# Docs that cannot drift (issue 29): the commands they show parse, the settings they list are the ones read,
# and every page is reachable. ---------------------------------------------------------------------------------------

FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", flags=re.MULTILINE | re.DOTALL)
SETTING_ROW = re.compile(r"^\| `([A-Z0-9_]+)` \| ([^|]*) \|", flags=re.MULTILINE)


def documented_commands() -> list[tuple[str, str]]:
    """Every `ordna ...` line in the fenced blocks of README.md and docs/*.md: (file, line), with a `#` comment,
    what follows a pipe or a redirection left off and leading VAR=value assignments dropped."""
    found = []
    for path in tracked("README.md", "docs/*.md"):
        for block in FENCE.findall(path.read_text(encoding="utf-8")):
            for line in block.replace("\\\n", " ").splitlines():
                words = line.strip().removeprefix("$ ").split()
                while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
                    words.pop(0)
                if words[:1] == ["ordna"] or words[:1] == [".venv/bin/ordna"]:
                    text = " ".join(words)
                    text = re.split(r"\s+#\s|\s\|\s|\s>\s", text)[0]
                    found.append((str(path.relative_to(REPOSITORY)), text))
    return found


def test_the_docs_show_many_commands() -> None:
    assert len(documented_commands()) > 40


@pytest.mark.parametrize(("where", "line"), documented_commands())
def test_every_documented_command_parses_with_the_real_parser(where: str, line: str) -> None:
    import shlex

    from django.core.management import get_commands, load_command_class
    from django.core.management.base import CommandError

    # A synopsis reads as its fullest form: [optional] parts given, the first of alternatives a|b|c taken.
    words = [word.split("|")[0] for word in shlex.split(re.sub(r"[\[\]]", "", line))[1:]]
    name, arguments = words[0], words[1:]
    commands = get_commands()
    assert name in commands, f"{where}: `{line}`: no command {name!r}"
    command = load_command_class(commands[name], name)
    parser = command.create_parser("ordna", name)
    try:
        parser.parse_args(arguments)
    except (CommandError, SystemExit) as exc:
        pytest.fail(f"{where}: `{line}` does not parse: {exc}")


# Secrets generated into the data folder when not given: settings.py passes the file's name, not a default.
GENERATED = {"ORDNA_SECRET_KEY", "ORDNA_AUDIT_KEY"}


def readme_settings() -> dict[str, str]:
    return dict(SETTING_ROW.findall((REPOSITORY / "README.md").read_text(encoding="utf-8")))


def test_every_setting_the_code_reads_is_in_the_readme_with_its_default() -> None:
    from ordna.core.tests.test_settings import settings_read

    table = readme_settings()
    read = settings_read()
    assert sorted(set(read) - set(table)) == []
    wrong = []
    for name, default in read.items():
        cell = table[name].strip()
        if default is None or default == "" or name in GENERATED:
            assert cell, f"{name}: say what happens when it is not set"
            continue
        shown = (
            str(default).lower()
            if isinstance(default, bool)
            else f"{default:g}"
            if isinstance(default, float)
            else str(default)
        )
        if f"`{shown}`" not in cell:
            wrong.append(f"{name}: the code's default is {shown!r}, README says {cell!r}")
    assert wrong == []


def test_the_readme_lists_no_setting_the_code_does_not_read() -> None:
    from ordna.core.tests.test_settings import settings_read

    assert sorted(set(readme_settings()) - set(settings_read())) == []


def test_every_docs_page_is_linked_from_the_readme_or_the_docs_index() -> None:
    linked = {
        name
        for source in ("README.md", "docs/index.md")
        for name in re.findall(r"\]\((?:docs/)?([\w.-]+\.md)(?:#[\w-]*)?\)", (REPOSITORY / source).read_text("utf-8"))
    }
    pages = {path.name for path in tracked("docs/*.md")} - {"index.md"}
    assert sorted(pages - linked) == []
