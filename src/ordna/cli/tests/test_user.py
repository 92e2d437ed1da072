"""`ordna user add`: the user of a person speaks the person's language (core's user service reads no people)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from ordna.conftest import hr_row
from ordna.core.models import User
from ordna.people.models import Person

pytestmark = pytest.mark.django_db


def test_a_user_of_a_person_gets_the_persons_language(load_people, capsys) -> None:
    # Given a Dutch-speaking person
    load_people([hr_row("E1")])
    Person.objects.filter(employee_id="E1").update(locale="nl")
    # When users are added for that person and for no one
    call_command("user", "add", "noor", "--role", "employee", "--person", "E1")
    call_command("user", "add", "lisa", "--role", "hr")
    # Then the person's user speaks Dutch, the other the default
    assert capsys.readouterr().out.splitlines() == [
        "user noor added with role(s) employee",
        "user lisa added with role(s) hr",
    ]
    assert dict(User.objects.values_list("username", "locale")) == {"noor": "nl", "lisa": "en"}
