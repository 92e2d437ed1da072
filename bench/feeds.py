"""The feeds part of `make bench` (docs/performance.md): an unchanged 50,000-row export through a feed run
against the command line's unchanged re-import of the same file, in one process and database of its own.

Both import the same file after a first import of it; each is timed three times and the median kept. The
feed run is a watch-folder feed's whole run: claiming the feed, finding the file, the import, moving the
file to processed/ with its report, recording the run. Prints one JSON object.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

TODAY = date(2026, 11, 22)
ROUNDS = 3


def main(data: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ordna.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from ordna.accounts.importing import accounts_import
    from ordna.core.actor import Actor
    from ordna.feeds.fetching import feed_folder
    from ordna.feeds.services import feed_run, feed_save
    from ordna.people.services import people_import

    call_command("migrate", verbosity=0)
    actor = Actor.system("bench")
    hr = people_import(path=data / "people.csv", actor=actor, today=TODAY, allow_mass_change=True)
    assert hr.outcome == "applied", hr.errors[:3]  # noqa: S101
    export = data / "accounts-00.csv"
    first = accounts_import(
        create_application=True, application_slug="app-00", path=export, actor=actor, today=TODAY, preset="generic"
    )
    assert first.outcome == "applied", first.errors[:3]  # noqa: S101
    rows = first.counts["rows"]

    cli = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        call_command(
            "import",
            "accounts",
            "--create-application",
            "app-00",
            str(export),
            "--preset",
            "generic",
            stdout=open(os.devnull, "w"),  # noqa: SIM115
        )
        cli.append(time.perf_counter() - started)

    # The same, of a copy written now (as a feed's file is): the import takes it as taken now.
    fresh = []
    for number in range(ROUNDS):
        copy = data / f"copy-{number}.csv"
        shutil.copyfile(export, copy)
        started = time.perf_counter()
        call_command(
            "import",
            "accounts",
            "--create-application",
            "app-00",
            str(copy),
            "--preset",
            "generic",
            stdout=open(os.devnull, "w"),  # noqa: SIM115
        )
        fresh.append(time.perf_counter() - started)
        copy.unlink()

    feed = feed_save(
        name="app-00", kind="folder", target="accounts", application="app-00", preset="generic",
        options={"settle_seconds": 0}, actor=actor, now=timezone.now(),
    )  # fmt: skip
    inbox = feed_folder(feed)
    runs = []
    for number in range(ROUNDS):
        shutil.copyfile(export, inbox / f"users-{number}.csv")  # the file arrives (not timed)
        started = time.perf_counter()
        result = feed_run(feed=feed, actor=actor, today=TODAY)
        runs.append(time.perf_counter() - started)
        assert result.outcome == "applied" and result.runs[-1].rows == rows, result.runs[-1].error  # noqa: S101
    print(
        json.dumps(
            {
                "rows": rows,
                "cli_seconds": statistics.median(cli),
                "cli_fresh_seconds": statistics.median(fresh),
                "feed_seconds": statistics.median(runs),
                "cli_all": cli,
                "feed_all": runs,
            }
        )
    )


if __name__ == "__main__":
    os.environ.setdefault("ORDNA_DATA_DIR", tempfile.mkdtemp(prefix="ordna-bench-feeds-"))
    main(Path(sys.argv[1]))
