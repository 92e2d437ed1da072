"""The `ordna` console script: Ordna's own commands and Django's (migrate, createsuperuser) in one.

As a Django app at the top floor, `ordna.cli` also holds the commands that span several apps (`import`, `export`,
`user`, `supplier`, and `serve`, which starts the whole product); each app keeps its own (`reconcile` in accounts,
`cases` in lifecycle, `token` and `audit` in core).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ordna.settings")
    from django.core.management import execute_from_command_line

    from ordna.environment import SettingError

    args = ["ordna", *(sys.argv[1:] if argv is None else argv)]
    try:
        execute_from_command_line(args)
    except SettingError as exc:
        sys.stderr.write(f"ordna: configuration error: {exc}\n")
        sys.exit(2)
    except BrokenPipeError:
        # The reader went away (`ordna export ... | head`): stop quietly, as other Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)


if __name__ == "__main__":
    main()
