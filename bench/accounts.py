"""One part of a benchmark run, in its own process so that its peak memory is its own.

`people`: the HR import. `accounts`: the first full account import, the unchanged re-import and a
re-import with 1 % of rows changed, into the database the people part left. Prints one JSON object.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import sys
import time
from datetime import date
from pathlib import Path

TODAY = date(2026, 11, 22)


def _import_share(paths: list[str]) -> tuple[int, float]:
    """Import some applications' exports one after another; returns rows and this process's peak MB."""
    from ordna.accounts.importing import accounts_import
    from ordna.core.actor import Actor

    rows = 0
    for name in paths:
        path = Path(name)
        result = accounts_import(
            create_application=True,
            application_slug="app-" + path.stem[-2:],
            path=path,
            actor=Actor.system("bench"),
            today=TODAY,
            preset="generic",
            allow_mass_change=True,
        )
        assert result.outcome == "applied", (path, result.errors[:3])  # noqa: S101
        rows += result.counts["rows"]
    return rows, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(data: Path, part: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ordna.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from ordna.core.actor import Actor
    from ordna.people.services import people_import

    call_command("migrate", verbosity=0)
    actor = Actor.system("bench")
    today = TODAY
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
    workers = int(part.partition(":")[2] or 1)
    from django.db import connections

    connections.close_all()  # each worker process opens its own connection
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        for phase, pattern in (
            ("first", "accounts-??.csv"),
            ("unchanged", "accounts-??.csv"),
            ("changed_1pct", "changed-??.csv"),
        ):
            paths = sorted(data.glob(pattern))
            shares = [[str(p) for p in paths[i::workers]] for i in range(workers)]
            started = time.perf_counter()
            done = pool.map(_import_share, shares)
            seconds = time.perf_counter() - started
            rows = sum(r for r, _ in done)
            results[phase] = {"rows": rows, "seconds": seconds, "rows_per_second": rows / seconds}
            results["peak_mb"] = max(float(results.get("peak_mb", 0)), *(m for _, m in done))  # type: ignore[arg-type]
    results["files"] = len(files)
    results["workers"] = workers
    from ordna.accounts.models import Account, Finding
    from ordna.core.audit import audit_verify

    results["accounts"] = Account.objects.count()
    results["findings_open"] = Finding.objects.filter(state="open").count()
    # Imports at once must wait for each other's link of the audit chain, not fail or fork it (issue 26).
    verdict = audit_verify()
    results["chain"] = {"ok": verdict.ok, "said": verdict.sentence()}
    print(json.dumps(results))
    if not verdict.ok:
        raise SystemExit(f"the audit chain does not verify after the imports: {verdict.sentence()}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
