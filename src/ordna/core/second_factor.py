"""A second factor for local accounts (docs/sign-in.md): a TOTP key (RFC 6238, pyotp) enrolled by scanning a QR
code (segno, SVG) and confirmed with one code, and ten one-time recovery codes. Users who sign in through the
identity provider are left to the provider."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass

import pyotp
import segno
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.core.encryption import SecretError, secret_decrypt, secret_encrypt
from ordna.core.errors import ServiceError
from ordna.core.models import RecoveryCode, SecondFactor, User
from ordna.core.services import user_change_check

log = logging.getLogger(__name__)

ISSUER = "Ordna"
RECOVERY_CODES = 10
# A code of the step before or after the current one is accepted too: clocks of phones drift.
VALID_WINDOW = 1


class SecondFactorError(ServiceError):
    """The second factor cannot be set up or changed as asked; the message says why."""


@dataclass(frozen=True)
class Enrolment:
    """What the set-up page shows: the key (to type in) and its QR code (to scan), until a code confirms it."""

    key: str
    uri: str
    qr_svg_data_uri: str


def _digest(code: str) -> str:
    return hashlib.sha256(_normal(code).encode()).hexdigest()


def _normal(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def confirmed(user: User) -> bool:
    return SecondFactor.objects.filter(user=user, confirmed_at__isnull=False).exists()


def enrolment_start(*, user: User) -> Enrolment:
    """A new, unconfirmed key for `user` (replacing an unconfirmed one); a confirmed key stays until removed."""
    if confirmed(user):
        raise SecondFactorError(_("A second factor is already set up; remove it first."), field="code")
    key = pyotp.random_base32()
    SecondFactor.objects.update_or_create(
        user=user,
        defaults={"key": secret_encrypt(key), "created_at": timezone.now(), "confirmed_at": None, "last_step": 0},
    )
    return enrolment_shown(user=user)


def enrolment_shown(*, user: User) -> Enrolment:
    """The unconfirmed key of `user` and its QR code, as an SVG data URL (no inline markup, no request)."""
    factor = SecondFactor.objects.get(user=user, confirmed_at__isnull=True)
    key = secret_decrypt(factor.key)
    uri = pyotp.TOTP(key).provisioning_uri(name=user.username, issuer_name=ISSUER)
    svg = segno.make(uri, error="m").svg_data_uri(scale=4, border=2)
    return Enrolment(key=key, uri=uri, qr_svg_data_uri=svg)


def _step_accepted(factor: SecondFactor, code: str) -> int | None:
    """The time step `code` belongs to, if it is a valid code of `factor` newer than the last one used."""
    code = _normal(code)
    if not (code.isdigit() and len(code) == 6):
        return None
    try:
        totp = pyotp.TOTP(secret_decrypt(factor.key))
    except SecretError:
        # The key was encrypted with a key no longer configured: no code can match; recovery codes still work,
        # and an administrator removes the factor so that the user enrols again.
        log.warning("user %s: the second factor's key cannot be decrypted with ORDNA_CONNECTOR_KEY", factor.user_id)
        return None
    now = timezone.now()
    current = totp.timecode(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if step > factor.last_step and secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def enrolment_confirm(*, user: User, code: str, actor: Actor) -> list[str]:
    """Confirm the unconfirmed key of `user` with one code from it; returns the new recovery codes (shown once).
    A wrong code changes nothing."""
    with transaction.atomic():
        factor = SecondFactor.objects.select_for_update().filter(user=user, confirmed_at__isnull=True).first()
        if factor is None:
            raise SecondFactorError(_("Start the set-up again: there is no key waiting for a code."), field="code")
        step = _step_accepted(factor, code)
        if step is None:
            raise SecondFactorError(
                _("The code %(code)s is not the one the app shows now; try the next one.") % {"code": repr(code)},
                field="code",
            )
        factor.confirmed_at, factor.last_step = timezone.now(), step
        factor.save(update_fields=["confirmed_at", "last_step"])
        codes = _recovery_codes_replace(user)
        audit_record(actor=actor, action="user.second_factor_added", target=user)
    return codes


def _recovery_codes_replace(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _n in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, digest=_digest(code)) for code in codes)
    return codes


def recovery_codes_renew(*, user: User, actor: Actor) -> list[str]:
    """New recovery codes for `user` (the old ones stop working); returns them, shown once."""
    if not confirmed(user):
        raise SecondFactorError(_("Set up a second factor first."), field="code")
    with transaction.atomic():
        codes = _recovery_codes_replace(user)
        audit_record(actor=actor, action="user.recovery_codes_renewed", target=user)
    return codes


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def code_verify(*, user: User, code: str) -> bool:
    """Whether `code` is a current TOTP code of `user`'s confirmed key (each works once) or one of their unused
    recovery codes (used up by this). The caller counts a False as a failed sign-in."""
    with transaction.atomic():
        factor = SecondFactor.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
        if factor is None:
            return False
        step = _step_accepted(factor, code)
        if step is not None:
            factor.last_step = step
            factor.save(update_fields=["last_step"])
            return True
        used = RecoveryCode.objects.filter(user=user, digest=_digest(code), used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if used:
            audit_record(actor=Actor.for_user(user), action="user.recovery_code_used", target=user)
        return bool(used)


def second_factor_remove(*, user: User, actor: Actor) -> bool:
    """Remove `user`'s second factor and recovery codes (a lost phone, or the user's own choice); returns whether
    there was one. A role that requires one asks for a new set-up at the next sign-in. Only an administrator
    removes an administrator's (UserError)."""
    user_change_check(actor=actor, user=user)
    with transaction.atomic():
        removed, _kinds = SecondFactor.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        if removed:
            audit_record(actor=actor, action="user.second_factor_removed", target=user)
    return bool(removed)
