"""The documentation a reader is pointed to exists: README, pyproject.toml, docs/ and the code cite only the
repository's own Markdown files (no specification kept elsewhere)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

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
