"""Where a feed's files come from: a watch folder, an HTTPS report URL or an SFTP server (docs/feeds.md).

Each kind hands the run a list of `Delivery`s, local files to import, oldest first. A watch folder's files stay
where they are until the run moves them to `processed/`, `failed/` or `held/`; a pulled file is written to the
feed's own folder under the data directory first and moved the same way. A file still being written is not
read: it is ready when a `NAME.done` marker stands beside it, or when it has not changed for `settle_seconds`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from ordna.connectors.netguard import url_check
from ordna.core.encryption import secret_decrypt
from ordna.core.errors import ServiceError
from ordna.feeds.failures import FeedFailure, FetchFailed, failure_of_exception, failure_of_http_status

if TYPE_CHECKING:
    from ordna.feeds.models import Feed

SETTLE_SECONDS = 30  # a file unchanged this long, without a .done marker, is complete
SKIPPED_SUFFIXES = (".done", ".part", ".tmp", ".partial", ".report.txt", ".filepart", ".crdownload")
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
SUBFOLDERS = ("processed", "failed", "held")


@dataclass(frozen=True)
class Delivery:
    """One file to import: where it is now, its name, and the `.done` marker that announced it (if any)."""

    path: Path
    name: str
    marker: Path | None = None


def feed_folder(feed: Feed) -> Path:
    """The folder a feed's files pass through: its watch folder, or the data directory's `feeds/NAME/` for a pull."""
    if feed.kind == "folder":
        return Path(feed.options.get("path") or settings.DATA_DIR / "inbox" / feed.name)
    return Path(settings.DATA_DIR) / "feeds" / feed.name


def folder_prepare(folder: Path) -> None:
    try:
        for sub in ("", *SUBFOLDERS):
            (folder / sub).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FetchFailed(FeedFailure.FOLDER, f"{folder}: {exc.strerror}") from exc


def deliveries(feed: Feed, *, now: float | None = None) -> list[Delivery]:
    """The files this run imports: those ready in the watch folder, or the one file pulled now."""
    folder = feed_folder(feed)
    folder_prepare(folder)
    if feed.kind == "folder":
        return _ready_in(folder, settle=float(feed.options.get("settle_seconds", SETTLE_SECONDS)), now=now)
    if feed.kind == "https":
        return [_https_pull(feed, folder)]
    return [_sftp_pull(feed, folder)]


def _ready_in(folder: Path, *, settle: float, now: float | None) -> list[Delivery]:
    moment = time.time() if now is None else now
    try:
        entries = sorted((p for p in folder.iterdir() if p.is_file()), key=lambda p: (p.stat().st_mtime, p.name))
    except OSError as exc:
        raise FetchFailed(FeedFailure.FOLDER, f"{folder}: {exc.strerror}") from exc
    ready = []
    for path in entries:
        if path.name.startswith(".") or path.name.lower().endswith(SKIPPED_SUFFIXES):
            continue
        marker = path.with_name(path.name + ".done")
        if marker.exists():
            ready.append(Delivery(path=path, name=path.name, marker=marker))
        elif moment - path.stat().st_mtime >= settle:
            ready.append(Delivery(path=path, name=path.name))
    return ready


def _secret(feed: Feed) -> str:
    try:
        return secret_decrypt(feed.secret)
    except ValueError as exc:
        raise FetchFailed(FeedFailure.UNAUTHORISED, str(exc)) from exc


def pull_url_check(url: str) -> str:
    """An HTTPS address the connectors' network guard allows; plain http only on loopback (tests, a local proxy)."""
    parts = urlsplit(url.strip())
    if parts.scheme == "http" and (parts.hostname or "") in LOOPBACK:
        return url.strip()
    return url_check(url, schemes=("https",))


def _https_pull(feed: Feed, folder: Path) -> Delivery:
    url = str(feed.options.get("url", ""))
    try:
        pull_url_check(url)
    except ServiceError as exc:
        raise FetchFailed(FeedFailure.OTHER, str(exc)) from exc
    headers: dict[str, str] = {}
    auth: tuple[str, str] | None = None
    secret = _secret(feed)
    if feed.options.get("auth") == "basic":
        auth = (str(feed.options.get("username", "")), secret)
    elif secret:
        headers[str(feed.options.get("header") or "Authorization")] = secret
    try:
        with httpx.Client(timeout=settings.ORDNA_CONNECTOR_TIMEOUT, follow_redirects=False) as client:
            response = client.get(url, headers=headers, auth=auth)
    except httpx.HTTPError as exc:
        raise FetchFailed(failure_of_exception(exc), f"{type(exc).__name__}: {exc}") from exc
    if response.status_code != 200:
        raise FetchFailed(failure_of_http_status(response.status_code), f"HTTP {response.status_code} from {url}")
    name = Path(urlsplit(url).path).name or f"{feed.name}.csv"
    content = response.content
    if "json" in response.headers.get("content-type", "") or name.lower().endswith(".json"):
        content, name = json_as_csv(content), Path(name).stem + ".csv"
    return _staged(folder, name, content)


def json_as_csv(content: bytes) -> bytes:
    """A JSON report (a list of objects, or an object holding one under `value`, `data`, `items` ...) as CSV."""
    try:
        data: Any = json.loads(content)
    except ValueError as exc:
        raise FetchFailed(FeedFailure.ROWS, f"not JSON: {exc}") from exc
    if isinstance(data, dict):
        lists = [value for value in data.values() if isinstance(value, list)]
        data = lists[0] if len(lists) == 1 else data
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        raise FetchFailed(FeedFailure.ROWS, "expected a JSON list of objects (or an object holding one)")
    columns = list(dict.fromkeys(key for row in data for key in row))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in data:
        writer.writerow(
            [
                "" if row.get(c) is None else json.dumps(row[c]) if isinstance(row.get(c), (dict, list)) else row[c]
                for c in columns
            ]
        )
    return out.getvalue().encode("utf-8")


def _staged(folder: Path, name: str, content: bytes) -> Delivery:
    path = folder / name
    partial = folder / (name + ".part")
    partial.write_bytes(content)
    partial.replace(path)
    return Delivery(path=path, name=name)


def host_key_fingerprint(key: Any) -> str:
    """An SSH key's fingerprint as OpenSSH prints it: SHA256:base64, without padding."""
    import base64

    return "SHA256:" + base64.b64encode(hashlib.sha256(key.asbytes()).digest()).decode().rstrip("=")


def host_key_matches(pinned: str, key: Any) -> bool:
    """The pinned host key is "TYPE BASE64" (a line of ssh-keyscan or known_hosts, the host left out) or the
    key's SHA256 fingerprint."""
    words = pinned.split()
    if not words:
        return False
    if len(words) == 1:
        return words[0] == host_key_fingerprint(key)
    if words[0] in ("ssh-rsa", "ssh-ed25519") or words[0].startswith(("ecdsa-", "sk-")):
        return words[0] == key.get_name() and words[1] == key.get_base64()
    return words[1] == key.get_name() and len(words) > 2 and words[2] == key.get_base64()  # "host TYPE BASE64"


def _private_key(text: str) -> Any:
    import paramiko  # type: ignore[import-untyped]

    for kind in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return kind.from_private_key(io.StringIO(text))
        except (paramiko.SSHException, ValueError):
            continue
    raise FetchFailed(FeedFailure.UNAUTHORISED, "the secret is not an unencrypted OpenSSH or PEM private key")


def _sftp_pull(feed: Feed, folder: Path) -> Delivery:
    import paramiko

    host = str(feed.options.get("host", ""))
    port = int(feed.options.get("port") or 22)
    remote = str(feed.options.get("path", ""))
    try:
        url_check(f"sftp://{host}:{port}/", schemes=("sftp",))
    except ServiceError as exc:
        raise FetchFailed(FeedFailure.OTHER, str(exc)) from exc
    timeout = settings.ORDNA_CONNECTOR_TIMEOUT
    try:
        transport = paramiko.Transport((host, port))
    except (OSError, paramiko.SSHException) as exc:
        raise FetchFailed(failure_of_exception(exc), f"{host}:{port}: {exc}") from exc
    try:
        transport.banner_timeout = timeout
        try:
            transport.start_client(timeout=timeout)
        except (OSError, paramiko.SSHException, EOFError) as exc:
            raise FetchFailed(failure_of_exception(exc), f"{host}:{port}: {exc}") from exc
        key = transport.get_remote_server_key()
        if not host_key_matches(str(feed.options.get("host_key", "")), key):
            raise FetchFailed(
                FeedFailure.HOST_KEY, f"{host}:{port} offered {key.get_name()} {host_key_fingerprint(key)}"
            )
        username, secret = str(feed.options.get("username", "")), _secret(feed)
        try:
            if feed.options.get("auth", "key") == "password":
                transport.auth_password(username, secret)
            else:
                transport.auth_publickey(username, _private_key(secret))
        except paramiko.AuthenticationException as exc:
            raise FetchFailed(FeedFailure.UNAUTHORISED, f"{username}@{host}: {exc}") from exc
        sftp = paramiko.SFTPClient.from_transport(transport)
        if sftp is None:
            raise FetchFailed(FeedFailure.OTHER, f"{host}:{port}: no SFTP subsystem")
        buffer = io.BytesIO()
        try:
            sftp.getfo(remote, buffer)
        except FileNotFoundError as exc:
            raise FetchFailed(FeedFailure.NOT_FOUND, f"{host}:{remote}: no such file") from exc
        except PermissionError as exc:
            raise FetchFailed(FeedFailure.FORBIDDEN, f"{host}:{remote}: permission denied") from exc
        except (OSError, paramiko.SSHException) as exc:
            raise FetchFailed(failure_of_exception(exc), f"{host}:{remote}: {exc}") from exc
    finally:
        transport.close()
    return _staged(folder, Path(remote).name or f"{feed.name}.csv", buffer.getvalue())
