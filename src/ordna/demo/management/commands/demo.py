"""`ordna demo [--people N] [--seed S]`: load the demo organisation into an empty database."""

from __future__ import annotations

import argparse
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ordna.core import clock
from ordna.core.actor import Actor
from ordna.demo.organisation import DemoSummary, demo_blockers, demo_load
from ordna.demo.people import DEFAULT_PEOPLE, MAX_PEOPLE, MIN_PEOPLE, DemoError


def _people_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not MIN_PEOPLE <= value <= MAX_PEOPLE:
        raise argparse.ArgumentTypeError(f"give between {MIN_PEOPLE} and {MAX_PEOPLE} people, not {value}")
    return value


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


class Command(BaseCommand):
    help = (
        "Load a realistic demo organisation (about 90 % consultants) with applications, accounts, "
        "devices and one sign-in user per role. Loads into an empty database only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--people", type=_people_count, default=DEFAULT_PEOPLE, help=f"how many people (default {DEFAULT_PEOPLE})"
        )
        parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same organisation (default 1)")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="load only into a database without users, people or applications; else say so and change nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if options["if_empty"]:
            held = demo_blockers()
            if held:
                self.stdout.write(f"The database already holds {held}: the demo is not loaded again.")
                return
        try:
            summary = demo_load(
                people=options["people"], seed=options["seed"], actor=Actor.command_line(), today=clock.today()
            )
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self._summary(summary, seed=options["seed"], seconds=time.monotonic() - started))

    @staticmethod
    def _summary(summary: DemoSummary, *, seed: int, seconds: float) -> str:
        lines = [
            f"Loaded the demo organisation (seed {seed}) in {seconds:.1f} s:",
            f"  {summary.people:,} people: {_count(summary.consultants, 'consultant')}, "
            f"{_count(summary.employees, 'employee')}, {_count(summary.contractors, 'contractor')}",
            f"  {summary.past_leavers:,} left in the last 18 months, {summary.upcoming_leavers:,} leaving within "
            f"60 days, {summary.future_starters:,} starting within 30 days",
            f"  {summary.suppliers} suppliers, {summary.applications} applications, {summary.licenses} licences, "
            f"{summary.accounts:,} accounts, {summary.devices:,} devices",
            f"  {summary.leavers_with_active_accounts:,} people who left still have an active account",
            f"  {summary.companies} companies of the group"
            + (f"; {summary.moved} moved from one to the other (a mover case)" if summary.moved else ""),
        ]
        if summary.users:
            first, *others = summary.users
            also = f" (also: {', '.join(others)})" if others else ""
            # No address here: the loader cannot know where the site will be served (`ordna serve` says it).
            lines.append(f"Sign in as {first} / {summary.password}{also}")
        if summary.existing_users:
            lines.append(f"Users that existed already and were left unchanged: {', '.join(summary.existing_users)}")
        return "\n".join(lines)
