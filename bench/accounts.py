"""One part of a benchmark run, in its own process so that its peak memory is its own.

`people`: the HR import. `accounts`: the first full account import, the unchanged re-import and a
re-import with 1 % of rows changed, into the database the people part left. Prints one JSON object.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from datetime import date
from pathlib import Path


def main(data: Path, part: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ordna.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from ordna.accounts.services import accounts_import
    from ordna.core.actor import Actor
    from ordna.people.services import people_import

    call_command("migrate", verbosity=0)
    actor = Actor.system("bench")
    today = date(2026, 11, 22)
    results: dict[str, object] = {}

    if part == "people":
        started = time.perf_counter()
        outcome = people_import(path=data / "people.csv", actor=actor, today=today, allow_mass_change=True)
        assert outcome.outcome == "applied", outcome.errors[:3]  # noqa: S101
        results["people"] = {
            "rows": outcome.counts()["created"],
            "seconds": time.perf_counter() - started,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
        print(json.dumps(results))
        return

    files = sorted(data.glob("accounts-??.csv"))
    for phase, pattern in (
        ("first", "accounts-??.csv"),
        ("unchanged", "accounts-??.csv"),
        ("changed_1pct", "changed-??.csv"),
    ):
        rows = 0
        started = time.perf_counter()
        for path in sorted(data.glob(pattern)):
            app = "app-" + path.stem[-2:]
            result = accounts_import(
                application_slug=app, path=path, actor=actor, today=today, preset="generic", allow_mass_change=True
            )
            assert result.outcome == "applied", (path, result.errors[:3])  # noqa: S101
            rows += result.counts["rows"]
        seconds = time.perf_counter() - started
        results[phase] = {"rows": rows, "seconds": seconds, "rows_per_second": rows / seconds}
    results["files"] = len(files)
    results["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    from ordna.accounts.models import Account, Finding

    results["accounts"] = Account.objects.count()
    results["findings_open"] = Finding.objects.filter(state="open").count()
    print(json.dumps(results))


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
