"""Checkpoints of the audit chain: its head (number, hash, time), sealed with the audit key, appended to a file
outside the database and, when ORDNA_AUDIT_CHECKPOINT_MAIL is set, mailed to the auditor.

Whoever can change the database cannot make a checkpoint disappear from the file (unless they also hold the
server) or from a mailbox (unless they also hold that), so removing the newest events, which leaves no broken
link behind, shows in `ordna audit verify` as events missing since a checkpoint.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ordna.core.audit import Checkpoint, audit_key, canonical_json
from ordna.core.models import AuditChainHead, AuditEvent

log = logging.getLogger(__name__)

FILE_NAME = "checkpoints.jsonl"
MAILED_NAME = "checkpoints.mailed"  # how many lines of the file have been mailed
SEAL_DOMAIN = "ordna-audit-checkpoint-1"


def checkpoint_file() -> Path:
    return Path(settings.ORDNA_AUDIT_CHECKPOINT_DIR) / FILE_NAME


def checkpoint_seal(*, key: bytes, seq: int, hash: str, at: str) -> str:
    return hmac.new(key, canonical_json([SEAL_DOMAIN, seq, hash, at]).encode(), hashlib.sha256).hexdigest()


def checkpoint_line(*, seq: int, hash: str, at: datetime, key: bytes) -> str:
    """One line of the checkpoint file: the head and the time, with their seal."""
    moment = at.isoformat()
    seal = checkpoint_seal(key=key, seq=seq, hash=hash, at=moment)
    return json.dumps({"seq": seq, "hash": hash, "at": moment, "seal": seal}, separators=(",", ":"))


@dataclass(frozen=True)
class CheckpointProblem:
    """A line of a checkpoint file that is not a checkpoint sealed with the audit key."""

    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


def checkpoints_read(
    paths: Iterable[Path], *, key: bytes | None = None
) -> tuple[list[Checkpoint], list[CheckpointProblem]]:
    """The checkpoints of the files `paths` (a missing file has none), and the lines that are not sealed ones.

    Lines may also come pasted from the mailed copies; blank lines and lines starting with # are skipped.
    """
    key = audit_key() if key is None else key
    found: list[Checkpoint] = []
    problems: list[CheckpointProblem] = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            continue
        except OSError as exc:
            problems.append(CheckpointProblem(str(path), f"cannot be read: {exc.strerror}"))
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            source = f"{path.name}:{number}"
            try:
                data = json.loads(line)
                seq, hash_, moment, seal = int(data["seq"]), str(data["hash"]), str(data["at"]), str(data["seal"])
                at = datetime.fromisoformat(moment)
            except (ValueError, KeyError, TypeError):
                problems.append(CheckpointProblem(source, "not a checkpoint line"))
                continue
            if not hmac.compare_digest(seal, checkpoint_seal(key=key, seq=seq, hash=hash_, at=moment)):
                problems.append(CheckpointProblem(source, "its seal does not hold with the audit key"))
                continue
            found.append(Checkpoint(seq=seq, hash=hash_, at=at, source=source))
    return found, problems


@contextmanager
def _locked_file() -> Iterator[IO[str]]:
    """The checkpoint file, opened for appending under an exclusive lock (two workers write one after the other)."""
    path = checkpoint_file()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(descriptor, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield handle
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _newest_in(handle: IO[str]) -> Checkpoint | None:
    """The last sealed checkpoint at the end of the open file (a line added by someone else is passed over, so
    it cannot stop the worker's checkpoints by claiming a head far ahead)."""
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    handle.seek(max(0, size - 16384))
    key = audit_key()
    for line in reversed(handle.read().splitlines()):
        try:
            data = json.loads(line)
            seq, hash_, moment = int(data["seq"]), str(data["hash"]), str(data["at"])
            if hmac.compare_digest(str(data["seal"]), checkpoint_seal(key=key, seq=seq, hash=hash_, at=moment)):
                return Checkpoint(seq=seq, hash=hash_, at=datetime.fromisoformat(moment))
        except (ValueError, KeyError, TypeError):
            continue
    return None


def _head() -> tuple[int, str] | None:
    head = AuditChainHead.objects.filter(pk=1).values_list("seq", "hash").first()
    if head is None or head[0] == 0:
        return None
    return head


def _append(handle: IO[str], seq: int, hash: str, now: datetime) -> Checkpoint:
    handle.write(checkpoint_line(seq=seq, hash=hash, at=now, key=audit_key()) + "\n")
    handle.flush()
    os.fsync(handle.fileno())
    return Checkpoint(seq=seq, hash=hash, at=now, source=FILE_NAME)


def checkpoint_write(*, now: datetime) -> Checkpoint | None:
    """Append the chain's head to the checkpoint file now; None when the chain is still empty."""
    with _locked_file() as handle:
        head = _head()
        if head is None:
            return None
        return _append(handle, head[0], head[1], now)


def checkpoint_if_due(*, now: datetime) -> Checkpoint | None:
    """The worker's checkpoint: written when the head moved since the newest one and that one is from an earlier
    day (in ORDNA_TIME_ZONE), or an import was applied since (imports are the largest changes at once)."""
    with _locked_file() as handle:
        head = _head()
        if head is None:
            return None
        newest = _newest_in(handle)
        if newest is not None:
            if newest.seq >= head[0]:
                return None
            earlier_day = timezone.localdate(newest.at) < timezone.localdate(now)
            imported = AuditEvent.objects.filter(seq__gt=newest.seq, action__startswith="import.").exists()
            if not (earlier_day or imported):
                return None
        return _append(handle, head[0], head[1], now)


def checkpoints_mail_pending() -> int:
    """Mail the checkpoint lines not mailed yet to ORDNA_AUDIT_CHECKPOINT_MAIL, in one message; returns how many.

    A failed send is retried with the next checkpoint (or the next tick), so no line is skipped.
    """
    recipients = list(settings.ORDNA_AUDIT_CHECKPOINT_MAIL)
    if not recipients:
        return 0
    with _locked_file() as handle:
        handle.seek(0)
        lines = [line for line in handle.read().splitlines() if line.strip()]
        mailed_file = checkpoint_file().with_name(MAILED_NAME)
        try:
            mailed = int(mailed_file.read_text(encoding="utf-8").strip() or 0)
        except (FileNotFoundError, ValueError):
            mailed = 0
        pending = lines[mailed:]
        if not pending:
            return 0
        newest = json.loads(pending[-1])
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Ordna audit checkpoint: event #%(seq)s") % {"seq": newest["seq"]}
            body = "\n\n".join(
                [
                    _(
                        "Ordna recorded the head of its audit log. Keep this message where the administrators of "
                        "Ordna's server and database cannot change it: it proves which events existed at that time."
                    ),
                    _(
                        "To check the audit log against it, save the lines below in a file and run: "
                        "ordna audit verify --checkpoints FILE"
                    ),
                    "\n".join(pending),
                ]
            )
        try:
            EmailMessage(subject=subject, body=body, to=recipients).send()
        except OSError as exc:
            log.warning("audit checkpoint not mailed (tried again with the next one): %s", exc)
            return 0
        mailed_file.write_text(str(len(lines)), encoding="utf-8")
        return len(pending)
