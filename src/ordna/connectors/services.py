"""Writes of connectors: configuration, test and sync (a full import through the accounts pipeline); disabling
through the outbox is in `deprovisioning.py` (docs/accounts.md and docs/connectors.md)."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordna.accounts.importing import accounts_import_records
from ordna.accounts.runs import AccountsImportResult, import_run_record
from ordna.applications.models import Application
from ordna.connectors.base import KINDS, Client, ConnectorError
from ordna.connectors.failures import place_of_kind
from ordna.connectors.google_client import service_account_check
from ordna.connectors.models import Connector, DisablePolicy
from ordna.connectors.netguard import AddressRefused, url_check
from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.core.encryption import SecretError, secret_decrypt, secret_encrypt
from ordna.core.errors import ServiceError, lazy_text
from ordna.core.models import ImportRun
from ordna.core.tabular import RowError
from ordna.lifecycle.models import VerifiedBy

SECRET_FILE_MAX = 64 * 1024


class ConnectorSetupError(ServiceError):
    """A connector's configuration is wrong; `field` names the option, the message the value."""


# Configuration -------------------------------------------------------------------------------------------


def options_parse(pairs: Iterable[str]) -> dict[str, str]:
    """`KEY=VALUE` pairs (as `--option` gives them) into a dict; a pair without `=` names itself."""
    options: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConnectorSetupError(_("Give the option %(pair)s as KEY=VALUE."), field="options", pair=repr(pair))
        options[key.strip()] = value.strip()
    return options


def _read_secret_file(option: str, name: str) -> str:
    path = Path(name).expanduser()
    try:
        if path.stat().st_size > SECRET_FILE_MAX:
            raise ConnectorSetupError(
                _("%(name)s is larger than %(kb)s KB."), field=option, name=name, kb=SECRET_FILE_MAX // 1024
            )
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConnectorSetupError(
            _("%(name)s cannot be read: %(reason)s"), field=option, name=name, reason=exc.strerror
        ) from exc


def _validate(kind: str, options: dict[str, str]) -> None:
    spec = KINDS[kind]
    missing = [name for name in spec.required if not options.get(name)]
    if missing:
        raise ConnectorSetupError(
            _("The %(kind)s connector needs the option(s) %(names)s."),
            field="options",
            kind=kind,
            names=", ".join(missing),
        )
    try:
        if kind == "ldap":
            url_check(options["url"], schemes=("ldap", "ldaps"))
            if options.get("flavour") not in ("openldap", "ad"):
                raise ConnectorSetupError(
                    _("The flavour is openldap or ad, not %(value)s."),
                    field="flavour",
                    value=repr(options.get("flavour")),
                )
            if options.get("starttls") not in ("true", "false"):
                raise ConnectorSetupError(
                    _("starttls is true or false, not %(value)s."),
                    field="starttls",
                    value=repr(options.get("starttls")),
                )
            if options["url"].lower().startswith("ldaps://") and options["starttls"] == "true":
                raise ConnectorSetupError(
                    _("An ldaps:// address is encrypted already: use it or starttls, not both."), field="starttls"
                )
            lock = options.get("lock", "")
            if lock and not (
                lock == "ppolicy"
                or (lock.startswith("move:") and "=" in lock)
                or (lock.startswith("replace:") and "=" in lock[len("replace:") :])
            ):
                raise ConnectorSetupError(
                    _(
                        "The lock is ppolicy, move:<dn of the disabled branch> or replace:<attribute>=<value>, "
                        "not %(value)s."
                    ),
                    field="lock",
                    value=repr(lock),
                )
            if options.get("user_filter") and not (
                options["user_filter"].startswith("(") and options["user_filter"].endswith(")")
            ):
                raise ConnectorSetupError(
                    _("The user filter is an LDAP filter in parentheses, not %(value)s."),
                    field="user_filter",
                    value=repr(options["user_filter"]),
                )
        elif kind == "scim":
            url_check(options["url"], schemes=("http", "https"))
    except AddressRefused as exc:
        raise ConnectorSetupError(exc.message, field="url", **exc.params) from exc


def connector_set(
    *,
    application: Application,
    kind: str,
    options: Mapping[str, str],
    actor: Actor,
    policy: str | None = None,
    sync_hours: int | None = None,
    from_files: bool = False,
) -> Connector:
    """Configure `application`'s connector. Options of the same kind not given keep their stored values; the
    secret is encrypted (from its value or its `_file`, read now) and never shown again. All or nothing.

    Only the command line, run by someone on the server, may name a file to read the secret from
    (`from_files`): from the web or the API a `_file` option would let an administrator read any file of the
    server and send it to a host of their choosing as the connector's secret."""
    if kind not in KINDS:
        raise ConnectorSetupError(
            _("Unknown kind %(kind)s; the kinds are %(kinds)s."), field="kind", kind=repr(kind), kinds=", ".join(KINDS)
        )
    spec = KINDS[kind]
    unknown = sorted(set(options) - set(spec.names))
    if unknown:
        raise ConnectorSetupError(
            _("Unknown option(s) %(unknown)s for %(kind)s; its options are %(names)s."),
            field="options",
            unknown=", ".join(unknown),
            kind=kind,
            names=", ".join(spec.names),
        )
    if policy is not None and policy not in DisablePolicy.values:
        raise ConnectorSetupError(
            _("The policy is one of %(policies)s, not %(policy)s."),
            field="policy",
            policies=", ".join(DisablePolicy.values),
            policy=repr(policy),
        )
    existing = Connector.objects.filter(application=application).first()
    same_kind = existing is not None and existing.kind == kind
    plain = {**spec.defaults, **(existing.options if existing and same_kind else {})}
    secret_given = ""
    for name, value in options.items():
        if name.endswith("_file") and not from_files:
            plain_name = name.removesuffix("_file")
            raise ConnectorSetupError(
                _(
                    "A file can be named only on the server's command line (ordna connector set): give the secret "
                    "itself as %(option)s."
                ),
                field=name,
                option=repr(plain_name),
            )
        if name in spec.secret_options:
            secret_given = _read_secret_file(name, value) if name.endswith("_file") else value
            if not secret_given:
                raise ConnectorSetupError(_("Fill in the secret (%(option)s)."), field=name, option=name)
        else:
            plain[name] = value
    if kind == "google" and secret_given:
        try:
            service_account_check(secret_given)
        except ServiceError as exc:
            raise ConnectorSetupError(exc.message, field=exc.field, **exc.params) from exc
    _validate(kind, plain)
    if not secret_given and not (same_kind and existing and existing.secret) and spec.secret_options:
        raise ConnectorSetupError(
            _("Give the secret with %(options)s."), field="secret", options=" / ".join(spec.secret_options)
        )
    with transaction.atomic():
        connector = existing or Connector(application=application)
        before = {"kind": connector.kind, "options": dict(connector.options)} if existing else None
        connector.kind = kind
        connector.options = {k: v for k, v in plain.items() if v != ""}
        if secret_given:
            connector.secret = secret_encrypt(secret_given)
        if policy is not None:
            connector.policy = policy
        if sync_hours is not None:
            connector.sync_hours = sync_hours
        connector.last_test_ok = None if secret_given or not same_kind else connector.last_test_ok
        connector.save()
        if application.account_source != f"connector:{kind}":
            Application.objects.filter(pk=application.pk).update(account_source=f"connector:{kind}")
        audit_record(
            actor=actor,
            action="connector.set",
            target=connector,
            before=before,
            after={
                "kind": kind,
                "options": connector.options,
                "secret": "changed" if secret_given else "kept",
                "policy": connector.policy,
                "sync_hours": connector.sync_hours,
            },
        )
    return connector


def connector_display(connector: Connector) -> list[tuple[str, str]]:
    """The options to show (the secret only as set or not set)."""
    shown = sorted(connector.options.items())
    if KINDS[connector.kind].secret_options:
        shown.append((KINDS[connector.kind].secret_options[0], "(set)" if connector.secret else "(not set)"))
    return shown


# Clients -------------------------------------------------------------------------------------------------

# Tests give the Graph and Google clients a mock transport here (their services cannot run on loopback).
CLIENT_OVERRIDES: dict[str, Callable[..., Client]] = {}


def client_open(connector: Connector) -> Client:
    """A connected client for `connector`; ConnectorError says why not."""
    try:
        secret = secret_decrypt(connector.secret)
    except SecretError as exc:
        raise ConnectorError(str(exc)) from exc
    options = {**KINDS[connector.kind].defaults, **connector.options}
    timeout = float(settings.ORDNA_CONNECTOR_TIMEOUT)
    try:
        if connector.kind in CLIENT_OVERRIDES:
            return CLIENT_OVERRIDES[connector.kind](options, secret, timeout=timeout)
        if connector.kind == "ldap":
            from ordna.connectors.ldap_client import LdapClient

            return LdapClient(options, secret, timeout=timeout)
        if connector.kind == "scim":
            from ordna.connectors.scim_client import ScimClient

            return ScimClient(options, secret, timeout=timeout)
        if connector.kind == "graph":
            from ordna.connectors.graph_client import GraphClient

            return GraphClient(options, secret, timeout=timeout)
        from ordna.connectors.google_client import GoogleClient

        return GoogleClient(options, secret, timeout=timeout)
    except AddressRefused as exc:
        raise ConnectorError(str(exc)) from exc


def connector_test(*, connector: Connector, actor: Actor) -> tuple[bool, str]:
    """Connect, authenticate and read a little; the answer is recorded on the connector (a failure with what
    it ran into, ordna.connectors.failures, beside the technical message)."""
    failure = place = ""
    try:
        client = client_open(connector)
        try:
            ok, message = True, client.test()
        finally:
            client.close()
    except ConnectorError as exc:
        ok, message, failure, place = False, str(exc), exc.failure, exc.place or place_of_kind(connector.kind)
    with transaction.atomic():
        Connector.objects.filter(pk=connector.pk).update(
            last_test_at=timezone.now(),
            last_test_ok=ok,
            last_test_message=message[:2000],
            last_test_failure=failure,
            last_test_place=place,
        )
        audit_record(actor=actor, action="connector.tested", target=connector, after={"ok": ok})
    connector.refresh_from_db()
    return ok, message


# Read ----------------------------------------------------------------------------------------------------


def shows_licences(kind: str) -> bool:
    """Whether a connector of this kind reads licences (so that its read-back can prove them)."""
    spec = KINDS.get(kind)
    return spec is not None and spec.shows_licences


def connector_of(application: Application) -> Connector:
    connector = Connector.objects.filter(application=application).first()
    if connector is None:
        raise ConnectorSetupError(
            _("%(application)s has no connector: set one on its connector page or with `ordna connector set`."),
            field="application",
            application=application.name,
        )
    return connector


def connector_sync(
    *,
    application: Application,
    actor: Actor,
    today: date,
    dry_run: bool = False,
    allow_mass_change: bool = False,
) -> AccountsImportResult:
    """Pull every account (paged) and import them as a full snapshot through the accounts pipeline: the
    breaker, atomicity, findings, and lines verified by read-back. A read that fails part-way applies nothing."""
    connector = connector_of(application)
    started = timezone.now()
    source = f"connector:{connector.kind}"
    try:
        client = client_open(connector)
        try:
            records = list(client.accounts())
        finally:
            client.close()
    except ConnectorError as exc:
        result = AccountsImportResult(ImportRun.Outcome.REJECTED, application=application.slug, preset=source)
        result.errors = [RowError(0, "", lazy_text(_("%(error)s; nothing was imported"), error=str(exc)))]
        if not dry_run:
            with transaction.atomic():
                result.run_id = import_run_record(result, application, actor, source, started)
                Connector.objects.filter(pk=connector.pk).update(last_sync_error=str(exc)[:2000])
        return result
    if not records:
        result = AccountsImportResult(ImportRun.Outcome.REJECTED, application=application.slug, preset=source)
        result.errors = [
            RowError(0, "", lazy_text(_("the directory answered no accounts at all; nothing was imported")))
        ]
        if not dry_run:
            result.run_id = import_run_record(result, application, actor, source, started)
        return result
    result = accounts_import_records(
        application=application,
        records=records,
        actor=actor,
        today=today,
        source=source,
        full=True,
        dry_run=dry_run,
        allow_mass_change=allow_mass_change,
        verified_by=VerifiedBy.READ_BACK,
        shows_licences=shows_licences(connector.kind),
    )
    if not dry_run:
        error = "" if result.outcome == ImportRun.Outcome.APPLIED else "; ".join(str(e) for e in result.errors[:3])
        if result.outcome == ImportRun.Outcome.STOPPED:
            error = "stopped by the safety breaker: confirm the mass change"
        Connector.objects.filter(pk=connector.pk).update(last_sync_at=timezone.now(), last_sync_error=error)
    return result


def connectors_due_for_sync(*, now: datetime) -> list[Connector]:
    """Connectors whose schedule says a pull is due."""
    due = []
    for connector in Connector.objects.filter(sync_hours__gt=0).select_related("application"):
        if connector.last_sync_at is None or connector.last_sync_at + timedelta(hours=connector.sync_hours) <= now:
            due.append(connector)
    return due


def quote_options(options: Mapping[str, str]) -> str:
    """The options as `--option` arguments (for messages that show how to repeat a configuration)."""
    return " ".join(f"--option {shlex.quote(f'{k}={v}')}" for k, v in sorted(options.items()))
