"""API tokens (docs/api.md): named, listed with their last use, expiring after ORDNA_TOKEN_DAYS and revocable
one by one, on the command line, in the API and in the web."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ordna.core.actor import Actor
from ordna.core.models import ApiToken, AuditEvent
from ordna.core.services import UserError, token_create, token_revoke

pytestmark = pytest.mark.django_db


def api(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def test_a_token_expires_after_token_days(make_user, settings: Any) -> None:
    settings.ORDNA_TOKEN_DAYS = 30
    token = token_create(user=make_user("hr"), actor=Actor.command_line(), name="payroll sync")
    record = ApiToken.objects.get()
    assert record.name == "payroll sync"
    assert timedelta(days=29, hours=23) < record.expires_at - timezone.now() <= timedelta(days=30)
    assert api(token).get("/api/v1/me").status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api(token).get("/api/v1/me").status_code == 401


def test_token_days_0_never_expires(make_user, settings: Any) -> None:
    settings.ORDNA_TOKEN_DAYS = 0
    token_create(user=make_user("hr"), actor=Actor.command_line())
    assert ApiToken.objects.get().expires_at is None


def test_the_command_line_lists_and_revokes_one_token(make_user, capsys) -> None:
    user = make_user("hr")
    kept = token_create(user=user, actor=Actor.command_line(), name="kept")
    revoked = token_create(user=user, actor=Actor.command_line(), name="leaked")
    api(kept).get("/api/v1/me")
    leaked = ApiToken.objects.get(name="leaked")
    call_command("token", "revoke", str(leaked.pk))
    call_command("token", "list", "--user", user.username)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"token {leaked.pk} ({leaked.prefix}…) of {user.username} revoked"
    assert lines[1] == "id\tuser\tname\tprefix\tcreated\tlast used\texpires\tstate"
    rows = [line.split("\t") for line in lines[2:]]
    assert [(row[2], row[7]) for row in rows] == [("leaked", "revoked"), ("kept", "active")]
    assert rows[0][5] == "-" and rows[1][5] != "-"  # last used: only the kept one was
    assert (api(kept).get("/api/v1/me").status_code, api(revoked).get("/api/v1/me").status_code) == (200, 401)
    assert AuditEvent.objects.filter(action="token.revoked").count() == 1


def test_the_api_lists_own_and_all_tokens_and_revokes_one(make_user) -> None:
    admin, coordinator, hr = make_user("admin"), make_user("coordinator"), make_user("hr")
    admin_token = token_create(user=admin, actor=Actor.command_line(), name="admin script")
    coordinator_token = token_create(user=coordinator, actor=Actor.command_line(), name="sync")
    hr_token = token_create(user=hr, actor=Actor.command_line(), name="payroll")
    # Everyone sees their own tokens; the token itself never appears
    mine = api(hr_token).get("/api/v1/me/tokens").json()["items"]
    assert [(t["name"], t["user"], t["state"]) for t in mine] == [("payroll", hr.username, "active")]
    assert hr_token not in str(mine) and mine[0]["prefix"] == hr_token[:12]
    # The user administration sees all of them, or one user's
    listed = api(coordinator_token).get("/api/v1/tokens", {"user": hr.username}).json()["items"]
    assert [t["name"] for t in listed] == ["payroll"]
    # and revokes one: it stops working at once
    answer = api(coordinator_token).delete(f"/api/v1/tokens/{listed[0]['id']}")
    assert (answer.status_code, answer.json()["state"]) == (200, "revoked")
    assert api(hr_token).get("/api/v1/me").status_code == 401
    # but a coordinator cannot revoke an administrator's token
    admin_record = ApiToken.objects.get(user=admin)
    refused = api(coordinator_token).delete(f"/api/v1/tokens/{admin_record.pk}")
    assert (refused.status_code, refused.json()["field"]) == (422, "roles")
    assert api(admin_token).get("/api/v1/me").status_code == 200
    assert api(coordinator_token).delete("/api/v1/tokens/999999").status_code == 404


def test_the_web_unlocks_shows_a_new_token_once_and_revokes_it(make_user) -> None:
    admin, hr = make_user("admin"), make_user("hr")
    hr.locked_until = timezone.now() + timedelta(minutes=10)
    hr.save()
    client = Client()
    client.force_login(admin)
    page = client.get(reverse("home:user_edit", args=[hr.pk])).content.decode()
    assert "Locked after too many failed sign-ins until" in page and "No API tokens." in page
    # Unlock
    client.post(reverse("home:user_unlock", args=[hr.pk]))
    hr.refresh_from_db()
    assert hr.locked_until is None
    # A new token, shown once
    shown = client.post(reverse("home:user_token_create", args=[hr.pk]), {"name": "payroll sync"})
    token = shown.context["new_token"]
    assert token.startswith("ordna_") and token in shown.content.decode()
    assert shown["Cache-Control"] == "no-store"
    again = client.get(reverse("home:user_edit", args=[hr.pk])).content.decode()
    assert token not in again and "payroll sync" in again and token[:12] in again
    assert api(token).get("/api/v1/me").status_code == 200
    # Revoked one by one
    record = ApiToken.objects.get(user=hr)
    client.post(reverse("home:user_token_revoke", args=[hr.pk, record.pk]))
    assert api(token).get("/api/v1/me").status_code == 401


def test_a_coordinator_cannot_revoke_or_unlock_an_administrator(make_user) -> None:
    admin, coordinator = make_user("admin"), make_user("coordinator")
    token_create(user=admin, actor=Actor.command_line())
    with pytest.raises(UserError, match="Only an administrator"):
        token_revoke(token=ApiToken.objects.get(), actor=Actor.for_user(coordinator))
    admin.locked_until = timezone.now() + timedelta(minutes=10)
    admin.save()
    client = Client()
    client.force_login(coordinator)
    client.post(reverse("home:user_unlock", args=[admin.pk]))
    admin.refresh_from_db()
    assert admin.locked_until is not None
    assert AuditEvent.objects.filter(action="user.unlocked").count() == 0
