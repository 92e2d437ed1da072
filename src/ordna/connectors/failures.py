"""What went wrong when a connector talked to its server, in words: the one place that maps the errors of the
network, TLS and the servers' answers (DNS, refused, timeout, certificate, 401/403, 429) to a sentence saying
what failed and one saying what to check. The technical detail stays beside it, for whoever digs further.

Pure: classification reads exceptions and status codes; the sentences are translated when shown, so a failure
stored in the outbox reads in the language of whoever looks at it.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Failure(models.TextChoices):
    DNS = "dns", _("name does not resolve")
    REFUSED = "refused", _("connection refused")
    TIMEOUT = "timeout", _("no answer in time")
    TLS = "tls", _("secure connection failed")
    UNAUTHORISED = "unauthorised", _("credentials refused")
    FORBIDDEN = "forbidden", _("permission missing")
    THROTTLED = "throttled", _("too many requests")
    NOT_FOUND = "not_found", _("account not found")
    STILL_ACTIVE = "still_active", _("still active after disabling")
    OTHER = "other", _("other error")


class Place(models.TextChoices):
    """Which server a connector was talking to."""

    ENTRA_SIGN_IN = "entra_sign_in", _("the tenant's sign-in address (login.microsoftonline.com)")
    GRAPH = "graph", _("Microsoft Graph (graph.microsoft.com)")
    GOOGLE_SIGN_IN = "google_sign_in", _("Google's sign-in address for service accounts (oauth2.googleapis.com)")
    GOOGLE_ADMIN = "google_admin", _("the Google Admin SDK (admin.googleapis.com)")
    DIRECTORY = "directory", _("the directory server (LDAP)")
    SCIM = "scim", _("the SCIM server")
    UNKNOWN = "", _("the application's server")


CLOUD = {Place.ENTRA_SIGN_IN, Place.GRAPH, Place.GOOGLE_SIGN_IN, Place.GOOGLE_ADMIN}


def place_of_kind(kind: str) -> str:
    """The server a connector of `kind` works with, when an error does not say which."""
    return {"ldap": Place.DIRECTORY, "scim": Place.SCIM, "graph": Place.GRAPH, "google": Place.GOOGLE_ADMIN}.get(
        kind, Place.UNKNOWN
    )


# Words in error messages that say what happened when no exception type does (ldap3 and msal flatten theirs).
DNS_WORDS = (
    "name or service not known",
    "nodename nor servname",
    "temporary failure in name resolution",
    "no address associated with hostname",
    "getaddrinfo failed",
)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        todo.extend(getattr(current, "exceptions", ()))  # exception groups


def failure_of(exc: BaseException) -> Failure:
    """The kind of a network or TLS error, from the exception and its causes (their types first, then words)."""
    chain = list(_chain(exc))
    for error in chain:
        if isinstance(error, socket.gaierror):
            return Failure.DNS
        if isinstance(error, ConnectionRefusedError):
            return Failure.REFUSED
        if isinstance(error, ssl.SSLError | ssl.CertificateError):
            return Failure.TLS
        if isinstance(error, TimeoutError) or type(error).__name__ in (
            "TimeoutException",
            "ConnectTimeout",
            "ReadTimeout",
        ):
            return Failure.TIMEOUT
    text = " ".join(str(error) for error in chain).lower()
    if any(words in text for words in DNS_WORDS):
        return Failure.DNS
    if "connection refused" in text or "econnrefused" in text:
        return Failure.REFUSED
    if "certificate" in text or "ssl" in text or "tls" in text:
        return Failure.TLS
    if "timed out" in text or "timeout" in text:
        return Failure.TIMEOUT
    return Failure.OTHER


def failure_of_status(status: int | None) -> Failure:
    """The kind of an HTTP status a server answered with."""
    return {
        401: Failure.UNAUTHORISED,
        403: Failure.FORBIDDEN,
        404: Failure.NOT_FOUND,
        429: Failure.THROTTLED,
        503: Failure.THROTTLED,
    }.get(status or 0, Failure.OTHER)


@dataclass(frozen=True)
class Explanation:
    """What failed and what to check, in the active language, and the technical detail behind them."""

    what: str
    check: str
    detail: str = ""


def explain(failure: str, place: str, detail: str = "") -> Explanation:
    """What failed and what to check, as two sentences in the active language."""
    where = Place(place).label if place in Place.values else Place.UNKNOWN.label
    cloud = place in CLOUD
    if failure == Failure.DNS:
        what = _("%(place)s cannot be reached from this server: its name does not resolve.")
        check = (
            _("Check that this server can resolve and reach the internet (DNS, or a proxy it must use).")
            if cloud
            else _("Check the address in the connector's settings and this server's DNS.")
        )
    elif failure == Failure.REFUSED:
        what = _("%(place)s refused the connection from this server.")
        check = _("Check the address and port in the connector's settings, that the service runs, and the firewall.")
    elif failure == Failure.TIMEOUT:
        what = _("%(place)s did not answer in time.")
        check = _(
            "Check that a firewall or proxy lets this server through; ORDNA_CONNECTOR_TIMEOUT sets how long it waits."
        )
    elif failure == Failure.TLS:
        what = _("The secure connection to %(place)s could not be set up: its certificate was not accepted.")
        check = _(
            "Check the server's certificate and this server's clock; for an internal certificate authority, give "
            "its certificate in the connector's settings (ca_file)."
        )
    elif failure == Failure.UNAUTHORISED:
        what = _("%(place)s did not accept the connector's credentials.")
        check = _("Check the client or user, and whether the secret (password, token) has expired; set it again.")
    elif failure == Failure.FORBIDDEN:
        what = _("%(place)s accepted the credentials but refused the action: a permission is missing.")
        check = _("Give the connector's account or app the permissions docs/connectors.md lists, then try again.")
    elif failure == Failure.THROTTLED:
        what = _("%(place)s asked to slow down (too many requests).")
        check = _("Nothing to do: Ordna tries again after the wait the server asked for.")
    elif failure == Failure.NOT_FOUND:
        what = _("The account was not found at %(place)s.")
        check = _("Check that the account's key matches the application and that the connector reads the right tenant.")
    elif failure == Failure.STILL_ACTIVE:
        what = _("%(place)s still shows the account as active after disabling it.")
        check = _("Check whether a rule or another system enables it again, and disable it by hand if needed.")
    else:
        what = _("%(place)s answered with an error.")
        check = _("The technical detail below says more; docs/connectors.md lists common causes.")
    return Explanation(capitalised(str(what) % {"place": where}), str(check), detail)


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
