"""`ordna application add/list/price`: the catalogue and its prices without an import (issue 29)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ordna.applications.models import Application, License
from ordna.conftest import hr_row

pytestmark = pytest.mark.django_db


def test_add_price_and_list(load_people, capsys) -> None:
    # Given a person to own the application
    load_people([hr_row("E1")])
    # When an application is added and priced from the command line
    call_command("application", "add", "m365", "--name", "Microsoft 365", "--owner", "E1", "--deprovision-days", "2")
    call_command("application", "price", "m365", "E3", "--monthly-cost", "32,50", "--currency", "eur", "--seats", "40")
    call_command("application", "price", "m365", "E3", "--monthly-cost", "32.50", "--currency", "EUR", "--seats", "40")
    call_command("application", "list")
    # Then it is in the catalogue with its owner, deprovisioning days and price
    app = Application.objects.get(slug="m365")
    assert (app.name, app.owner.employee_id, app.deprovision_days) == ("Microsoft 365", "E1", 2)
    assert License.objects.filter(application=app).values_list("name", "monthly_cost", "currency", "seats").get() == (
        "E3",
        Decimal("32.50"),
        "EUR",
        40,
    )
    assert capsys.readouterr().out.splitlines() == [
        "application m365 (Microsoft 365) added",
        "m365 E3: 32.50 EUR a month, saved",
        "m365 E3: 32.50 EUR a month, unchanged",
        "m365\tMicrosoft 365\t0 active accounts\towner E1",
        "  E3: 32.50 EUR a month, 40 seats",
    ]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["add", "m365", "--owner", "E404"], "--owner: no person has employee id 'E404'"),
        (["add", "m365", "--supplier", "Nobody AB"], "--supplier: no supplier is named 'Nobody AB'"),
        (["add", "m365", "--criticality", "huge"], "--criticality: The criticality is one of"),
        (["add", "!!!"], "SLUG: Give a short name of letters, digits and hyphens."),
        (["price", "nope", "E3", "--monthly-cost", "1", "--currency", "SEK"], "SLUG: no application 'nope'"),
        (["price", "m365", "E3", "--monthly-cost", "ten", "--currency", "SEK"], "--monthly-cost: 'ten' is not an"),
        (["price", "m365", "E3", "--monthly-cost", "1", "--currency", "kronor"], "--currency: The currency is a"),
        (["price", "m365", "E3", "--monthly-cost", "-1", "--currency", "SEK"], "--monthly-cost: The monthly cost"),
    ],
)
def test_bad_input_names_the_option_and_changes_nothing(arguments, message) -> None:
    if arguments[0] == "price" and arguments[1] == "m365":
        call_command("application", "add", "m365")
    before = (Application.objects.count(), License.objects.count())
    with pytest.raises(CommandError) as refused:
        call_command("application", *arguments)
    assert str(refused.value).startswith(message), str(refused.value)
    assert refused.value.returncode == 1
    assert (Application.objects.count(), License.objects.count()) == before


def test_the_same_short_name_twice_is_refused() -> None:
    call_command("application", "add", "slack")
    with pytest.raises(CommandError, match=r"^SLUG: An application with the short name 'slack' exists already\."):
        call_command("application", "add", "Slack")
