"""What stopped a feed's run, in words: the fetch's network and SSH errors (classified as the connectors'
are, ordna.connectors.failures), a refused file and a stopped mass change. Stored as a code with the technical
detail beside it, and said in the language of whoever reads it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ordna.connectors.failures import Failure, failure_of


class FeedFailure(models.TextChoices):
    DNS = "dns", _("name does not resolve")
    REFUSED = "refused", _("connection refused")
    TIMEOUT = "timeout", _("no answer in time")
    TLS = "tls", _("secure connection failed")
    UNAUTHORISED = "unauthorised", _("credentials refused")
    FORBIDDEN = "forbidden", _("permission missing")
    NOT_FOUND = "not_found", _("file not found")
    HOST_KEY = "host_key", _("host key changed")
    FOLDER = "folder", _("folder cannot be read")
    ROWS = "rows", _("errors in the file")
    BREAKER = "breaker", _("mass change waits for confirmation")
    OTHER = "other", _("other error")


class FetchFailed(Exception):
    """The source could not be fetched; `failure` says why in one code, the message is the detail."""

    def __init__(self, failure: str, detail: str) -> None:
        super().__init__(detail)
        self.failure = failure


def failure_of_exception(exc: BaseException) -> str:
    """The feed failure of a network error (the connectors' classification; anything else is `other`)."""
    found = failure_of(exc)
    return found.value if found.value in FeedFailure.values and found != Failure.OTHER else FeedFailure.OTHER.value


def failure_of_http_status(status: int) -> str:
    return {401: FeedFailure.UNAUTHORISED, 403: FeedFailure.FORBIDDEN, 404: FeedFailure.NOT_FOUND}.get(
        status, FeedFailure.OTHER
    ).value


def failure_sentence(failure: str) -> str:
    """What happened and what to do, in the active language."""
    sentences = {
        FeedFailure.DNS: _("The source's server name does not resolve from this server. Check the address."),
        FeedFailure.REFUSED: _("The source's server refused the connection. Check the address, port and firewall."),
        FeedFailure.TIMEOUT: _("The source's server did not answer in time. Check the network and firewall."),
        FeedFailure.TLS: _("The secure connection to the source failed: its certificate was not accepted."),
        FeedFailure.UNAUTHORISED: _("The source did not accept the feed's credentials. Set the secret again."),
        FeedFailure.FORBIDDEN: _("The source accepted the credentials but refused to give the file."),
        FeedFailure.NOT_FOUND: _("The file is not where the feed looks for it. Check the path or address."),
        FeedFailure.HOST_KEY: _(
            "The SFTP server's host key is not the one pinned for this feed: the server was replaced, or "
            "someone is in between. Check with the server's owner before pinning the new key."
        ),
        FeedFailure.FOLDER: _("The watch folder cannot be read or written. Check that it exists and its rights."),
        FeedFailure.ROWS: _("The file was refused and nothing was imported; its report names each error."),
        FeedFailure.BREAKER: _(
            "The import would change more than the safety breaker allows, so nothing was applied. Check the "
            "file; if it is right, confirm the mass change."
        ),
    }
    return str(sentences.get(failure, _("The run failed; the detail below says more.")))  # type: ignore[call-overload]
