"""`ordna feed add|list|show|run|confirm`: define a feed, see its state, run it now, confirm a held mass change
(docs/feeds.md)."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.utils import timezone

from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.errors import ServiceError
from ordna.core.management.base import InvalidInput, OrdnaCommand
from ordna.feeds.failures import failure_sentence
from ordna.feeds.fetching import feed_folder
from ordna.feeds.models import Feed, FeedKind, FeedTarget
from ordna.feeds.selectors import source_health
from ordna.feeds.services import FeedRunResult, feed_confirm, feed_run, feed_save


def _when(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"


class Command(OrdnaCommand):
    help = "Feeds: sources that deliver the HR file or an application's accounts by themselves."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True, metavar="{add,list,show,run,confirm}")
        add = sub.add_parser("add", help="define a feed, or change the one of that name")
        add.add_argument("name")
        add.add_argument("--kind", required=True, choices=FeedKind.values, help="folder, https or sftp")
        add.add_argument("--target", required=True, choices=FeedTarget.values, help="hr or accounts")
        add.add_argument("--app", default="", help="the application an account export belongs to")
        add.add_argument("--preset", default="", help="the file's format (default: the application's saved one)")
        add.add_argument("--delta", action="store_true", help="the export lists some accounts only")
        add.add_argument("--schedule", default="daily at 06:00", help='"daily at HH:MM" or a cron expression')
        add.add_argument("--option", action="append", default=[], metavar="KEY=VALUE")
        add.add_argument("--secret-file", type=Path, help="a file holding the password, header value or private key")
        add.add_argument("--disabled", action="store_true", help="define it without running it")
        sub.add_parser("list", help="every feed and connector: last run, result, rows, age of the data, next run")
        for name, text in (
            ("show", "one feed and its last runs"),
            ("run", "fetch and import now"),
            ("confirm", "confirm the mass change a stopped run holds, and import it"),
        ):
            sub.add_parser(name, help=text).add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['what']}")(options)
        except ServiceError as exc:
            raise InvalidInput(f"{exc.field}: {exc}" if exc.field else str(exc)) from exc

    def _feed(self, name: str) -> Feed:
        feed = Feed.objects.select_related("application").filter(name=name).first()
        if feed is None:
            raise InvalidInput(f"no feed {name!r}: `ordna feed list` shows them")
        return feed

    def _add(self, options: dict[str, Any]) -> None:
        values: dict[str, Any] = {}
        for item in options["option"]:
            key, sep, value = item.partition("=")
            if not sep:
                raise InvalidInput(f"--option {item!r}: expected KEY=VALUE")
            values[key.strip()] = value.strip()
        secret = None
        if options["secret_file"] is not None:
            try:
                secret = options["secret_file"].read_text(encoding="utf-8").strip("\n")
            except OSError as exc:
                raise InvalidInput(f"--secret-file: cannot read {options['secret_file']}: {exc.strerror}") from exc
        feed = feed_save(
            name=options["name"],
            kind=options["kind"],
            target=options["target"],
            application=options["app"],
            preset=options["preset"],
            full=not options["delta"],
            options=values,
            secret=secret,
            schedule=options["schedule"],
            enabled=not options["disabled"],
            on_server=True,
            actor=Actor.command_line(),
            now=timezone.now(),
        )
        where = f", folder {feed_folder(feed)}" if feed.kind == FeedKind.FOLDER else ""
        self.stdout.write(f"{feed.name}: {feed.kind} feed saved{where}; next run {_when(feed.next_run_at)}")

    def _list(self, options: dict[str, Any]) -> None:
        rows = source_health(today=today())
        if not rows:
            self.stdout.write("no feeds or connectors yet: `ordna feed add` defines one")
        for row in rows:
            age = "never" if row.age_days is None else f"{row.age_days} d"
            self.stdout.write(
                f"{row.kind:9} {row.name:20} {row.source_key:16} {row.state:8} last {_when(row.last_run_at)} "
                f"({row.result}, {row.rows if row.rows is not None else '-'} rows), data {age}"
                f"{' STALE' if row.stale else ''}, next {_when(row.next_run_at)}"
            )
            if row.error:
                self.stdout.write(f"          {row.error} {row.detail}".rstrip())

    def _show(self, options: dict[str, Any]) -> None:
        feed = self._feed(options["name"])
        source = feed.application.slug if feed.application else "hr"
        self.stdout.write(f"{feed.name}: {feed.kind} feed of {source} ({feed.preset or 'saved format'}), "
                          f"schedule {feed.schedule!r}{'' if feed.enabled else ', disabled'}")  # fmt: skip
        for key, value in sorted(feed.options.items()):
            self.stdout.write(f"  {key} = {value}")
        self.stdout.write(f"  secret = {'(set, not shown)' if feed.secret else '(none)'}")
        if feed.kind == FeedKind.FOLDER:
            self.stdout.write(f"  folder = {feed_folder(feed)}")
        self.stdout.write(f"  next run = {_when(feed.next_run_at)}")
        if feed.problem:
            self.stdout.write(f"  problem since {_when(feed.problem_since)}: {failure_sentence(feed.last_failure)}")
            self.stdout.write(f"    {feed.last_error}")
        for run in feed.runs.all()[:10]:
            self.stdout.write(f"  {_when(run.started_at)} {run.outcome:8} {run.file_name or '-'} {run.rows} rows")

    def _print_result(self, result: FeedRunResult) -> None:
        for run in result.runs:
            shown = f" {run.file_name} ({run.rows} rows)" if run.file_name else ""
            self.stdout.write(f"{result.feed.name}: {run.get_outcome_display()}{shown}")
            if run.failure:
                self.stdout.write(f"  {failure_sentence(run.failure)}")
                self.stdout.write(f"  {run.error}")
        if result.feed.problem:
            raise InvalidInput(f"{result.feed.name}: {result.feed.get_problem_display()}")

    def _run(self, options: dict[str, Any]) -> None:
        self._print_result(feed_run(feed=self._feed(options["name"]), actor=Actor.command_line(), today=today()))

    def _confirm(self, options: dict[str, Any]) -> None:
        feed = self._feed(options["name"])
        run = feed_confirm(feed=feed, actor=Actor.command_line(), today=today())
        self._print_result(FeedRunResult(feed=feed, runs=[run]))
