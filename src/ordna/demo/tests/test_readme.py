"""README's table of the demo users says who they are and which language each signs in to: it matches what
`ordna demo` (seed 1, the default size, as `make run` loads it) makes."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ordna.conftest import TODAY
from ordna.demo.organisation import demo_plan
from ordna.demo.people import DEFAULT_PEOPLE

README = Path(__file__).resolve().parents[4] / "README.md"
LANGUAGE = {"en": "English", "sv": "Swedish", "nl": "Dutch", "": "the browser's"}


def test_the_readme_names_each_demo_user_and_the_language_it_signs_in_to() -> None:
    table = {
        match.group(1): match.group(2).strip()
        for match in re.finditer(r"^\| `(\w+)` \| [^|]+ \| ([^|]+) \|", README.read_text(encoding="utf-8"), re.M)
        if not match.group(1).isupper()  # the settings' table: ORDNA_*
    }
    plan = demo_plan(
        people=DEFAULT_PEOPLE, seed=1, today=TODAY, until=datetime(2026, 11, 16, 9, 0, tzinfo=ZoneInfo("UTC"))
    )
    locale = {person.employee_id: person.locale for person in plan.people}
    made = {user.username: LANGUAGE[locale.get(user.person, "")] for user in plan.users}
    assert table == made
    assert sorted(made.values()).count("Swedish") == 4 and list(made.values()).count("Dutch") == 1
