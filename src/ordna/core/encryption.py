"""Secrets encrypted at rest with Fernet (AES-128-CBC and HMAC-SHA256), keyed from the environment: the
connectors' and feeds' credentials, and the second factor's TOTP keys (a copy of the database alone signs nobody
in).

ORDNA_CONNECTOR_KEY holds one or more Fernet keys, comma-separated: the first encrypts, every one decrypts, so a
key can be rotated. Without it, a key is generated once into the data directory (zero set-up, as the secret key).
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SecretError(ValueError):
    """A stored secret cannot be decrypted with the configured keys."""


class KeyFileError(ValueError):
    """The key file of the data directory holds no Fernet key (ORDNA_CONNECTOR_KEY itself is checked when the
    settings load)."""


@lru_cache(maxsize=4)
def _fernet(configured: str) -> MultiFernet:
    keys = [k.strip() for k in configured.split(",") if k.strip()]
    if not keys:
        key_file = settings.DATA_DIR / "connector_key"
        if not key_file.exists():
            key_file.write_bytes(Fernet.generate_key())
            key_file.chmod(0o600)
        keys = [key_file.read_text(encoding="utf-8").strip()]
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except ValueError as exc:
        raise KeyFileError(
            "ORDNA_CONNECTOR_KEY (or the data directory's connector_key): expected Fernet keys "
            "(32 url-safe base64 bytes), comma-separated; "
            'make one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
        ) from exc


def secret_encrypt(plain: str) -> str:
    """The encrypted form of `plain` (empty stays empty)."""
    if not plain:
        return ""
    return _fernet(settings.ORDNA_CONNECTOR_KEY).encrypt(plain.encode()).decode()


def secret_decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(settings.ORDNA_CONNECTOR_KEY).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretError(
            "a stored secret cannot be decrypted with ORDNA_CONNECTOR_KEY (was the key changed?); set it again "
            "(a connector's with `ordna connector set`, a second factor by removing it and enrolling again)"
        ) from exc
