"""The `ordna` console script: Ordna's own commands and Django's (migrate, createsuperuser) in one.

As a Django app at the top floor, `ordna.cli` also holds the commands that span several apps (`import`, `export`,
`user`, `supplier`, and `serve`, which starts the whole product); each app keeps its own (`reconcile` in accounts,
`cases` in lifecycle, `token` and `audit` in core).
"""

from __future__ import annotations

import os
import sys

# Commands that work without a set-up database (or set it up): every other command first checks that the
# database exists and is migrated, so a fresh data folder gets a sentence saying what to do, not a traceback.
WITHOUT_DATABASE = {
    "check",
    "collectstatic",
    "compilemessages",
    "dbshell",
    "diffsettings",
    "help",
    "init",
    "makemessages",
    "makemigrations",
    "migrate",
    "optimizemigration",
    "restore",
    "sendtestemail",
    "shell",
    "showmigrations",
    "sqlmigrate",
    "squashmigrations",
    "version",
}
EXIT_USAGE = 2  # the command cannot run as asked (wrong usage or set-up); 1 is for invalid input (README.md)


def database_problem() -> str | None:
    """Why Ordna's commands cannot use the database yet (missing, empty or behind on migrations), in one
    sentence that says what to do; None when it is ready."""
    from django.conf import settings
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor
    from django.db.utils import Error as DatabaseError

    database = settings.DATABASES[DEFAULT_DB_ALIAS]
    if str(database["ENGINE"]).endswith("sqlite3"):
        where = f"the database {database['NAME']}"
        hint = " (ORDNA_DATA_DIR chooses the data folder; `make run` uses ./data)"
    else:
        where, hint = "the database of DATABASE_URL", ""
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        missing = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return f"cannot open {where}: {reason}"
    finally:
        connections[DEFAULT_DB_ALIAS].close()
    if not missing:
        return None
    if not executor.loader.applied_migrations:
        return f"{where} is not set up yet: run `ordna migrate` to set it up{hint}"
    return f"{where} is {len(missing)} migration(s) behind this version of Ordna: run `ordna migrate` to update it"


# Commands that run the product (the web server and the worker): before they start, the settings that name
# users are checked against the database, so a misspelt name stops the start instead of reaching nobody later.
STARTS_THE_PRODUCT = {"serve", "worker"}


def settings_problem() -> str | None:
    """The first setting that names a user who does not exist (ORDNA_CIO_USERS, ORDNA_ROLE_LEADS), as
    "NAME: sentence"; None when every name is a user's."""
    from django.conf import settings

    from ordna.core.models import User

    named = [("ORDNA_CIO_USERS", name) for name in settings.ORDNA_CIO_USERS] + [
        ("ORDNA_ROLE_LEADS", name) for names in settings.ORDNA_ROLE_LEADS.values() for name in names
    ]
    if not named:
        return None
    known = {name.lower() for name in User.objects.filter(is_active=True).values_list("username", flat=True)}
    for variable, name in named:
        if name.lower() not in known:
            return f"{variable}: no active user is named {name!r} (`ordna user list` shows the users)"
    return None


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ordna.settings")
    import django
    from django.core.management import execute_from_command_line, get_commands

    from ordna.environment import SettingError

    args = ["ordna", *(sys.argv[1:] if argv is None else argv)]
    try:
        django.setup()
        command = args[1] if len(args) > 1 else "help"
        if not command.startswith("-") and command not in {"help", "version", *get_commands()}:
            sys.stderr.write(f"ordna: unknown command {command!r}; `ordna help` lists the commands\n")
            sys.exit(EXIT_USAGE)
        if command in get_commands() and command not in WITHOUT_DATABASE:
            problem = database_problem()
            if problem:
                sys.stderr.write(f"ordna: {problem}\n")
                sys.exit(EXIT_USAGE)
        if command in STARTS_THE_PRODUCT:
            problem = settings_problem()
            if problem:
                raise SettingError(problem)
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
