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


def test_list_disable_enable_unlock_and_reset_password(tmp_path, capsys) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from ordna.core.models import ApiToken, AuditEvent

    # Given a locked user with a token
    call_command("user", "add", "lisa", "--role", "hr", "--email", "lisa@example.org")
    call_command("token", "create", "lisa", "--name", "payroll sync")
    User.objects.filter(username="lisa").update(failed_logins=0, locked_until=timezone.now() + timedelta(minutes=9))
    capsys.readouterr()
    # When the users are listed, then she shows as locked
    call_command("user", "list")
    header, row = capsys.readouterr().out.splitlines()
    assert header == "user\troles\tlinked to\tmay sign in\tlocked until"
    assert row.startswith("lisa\thr\t-\tyes\t20")
    # When she is unlocked, disabled, enabled and given a new password
    password = tmp_path / "pw.txt"
    password.write_text("a-long-enough-password\n")
    call_command("user", "unlock", "lisa")
    call_command("user", "disable", "lisa")
    call_command("user", "enable", "lisa")
    call_command("user", "reset-password", "lisa", "--password-file", str(password))
    # Then each step is said, done and audited, and disabling revoked her token
    assert capsys.readouterr().out.splitlines() == [
        "user lisa unlocked",
        "user lisa disabled: signed out, API tokens revoked",
        "user lisa may sign in again",
        "password of lisa set; any lock lifted",
    ]
    lisa = User.objects.get(username="lisa")
    assert (lisa.is_active, lisa.locked_until, lisa.check_password("a-long-enough-password")) == (True, None, True)
    assert ApiToken.objects.get().revoked_at is not None
    assert list(AuditEvent.objects.filter(action__startswith="user.").values_list("action", flat=True)) == [
        "user.created",
        "user.unlocked",
        "user.disabled",
        "user.enabled",
        "user.password_set",
    ]


def test_an_unknown_user_is_named_with_exit_status_1() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"USERNAME: no user named 'nobody' \(`ordna user list` shows the users\)"):
        call_command("user", "disable", "nobody")
