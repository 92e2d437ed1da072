"""Uploaded files kept between a preview and its confirmation: size- and type-checked, private names."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

ALLOWED_SUFFIXES = (".csv", ".txt", ".xlsx")


class UploadError(ValueError):
    pass


def upload_store(uploaded: UploadedFile) -> tuple[str, str]:
    """Keep an uploaded table under a random token; returns (token, original name)."""
    name = Path(uploaded.name or "upload.csv").name
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise UploadError(_("%(name)s is not a CSV or XLSX file.") % {"name": name})
    if uploaded.size is not None and uploaded.size > settings.UPLOAD_MAX_BYTES:
        raise UploadError(_("%(name)s is larger than the upload limit.") % {"name": name})
    settings.UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    with upload_path(token).open("wb") as handle:
        for chunk in uploaded.chunks():
            handle.write(chunk)
    return token, name


def upload_path(token: str) -> Path:
    if not token.isalnum():
        raise UploadError("bad upload token")
    return settings.UPLOAD_DIR / f"{token}.upload"


def upload_discard(token: str) -> None:
    upload_path(token).unlink(missing_ok=True)


def upload_replace(session: SessionBase, key: str, uploaded: UploadedFile) -> tuple[str, str]:
    """Keep a new upload for a preview, discarding the one the session was still holding under `key`."""
    previous = session.pop(key, None)
    if previous:
        upload_discard(previous["token"])
    return upload_store(uploaded)
