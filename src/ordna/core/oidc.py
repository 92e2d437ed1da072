"""Sign-in with the organisation's identity provider: OpenID Connect's authorization code flow (docs/sign-in.md).

Authlib does the protocol: discovery from the issuer (`/.well-known/openid-configuration`), the redirect with
state, nonce and PKCE, the code exchange, and the ID token's signature (the provider's JWKS), issuer,
audience, expiry and nonce. What a signed-in person becomes in Ordna (a user, its person, its roles) is
decided by `ordna.home.sign_in`, which reads the HR file; this module reads only the settings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from authlib.integrations.django_client import DjangoOAuth2App, OAuth  # type: ignore[import-untyped]
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ordna.core.errors import ServiceError

SCOPE = "openid email profile"
_clients: dict[tuple[str, str, str], DjangoOAuth2App] = {}


class SignInRefused(ServiceError):
    """The provider's answer cannot sign anyone in; the message says why (shown on the sign-in page, in its
    language)."""


def oidc_enabled() -> bool:
    return bool(settings.ORDNA_OIDC_ISSUER)


def oidc_client() -> DjangoOAuth2App:
    """The provider's client for the current settings (one per issuer and client; discovery is read once)."""
    key = (settings.ORDNA_OIDC_ISSUER, settings.ORDNA_OIDC_CLIENT_ID, settings.ORDNA_OIDC_CLIENT_SECRET)
    client = _clients.get(key)
    if client is None:
        registry = OAuth()
        client = registry.register(
            name="ordna",
            client_id=settings.ORDNA_OIDC_CLIENT_ID,
            client_secret=settings.ORDNA_OIDC_CLIENT_SECRET,
            server_metadata_url=f"{settings.ORDNA_OIDC_ISSUER}/.well-known/openid-configuration",
            client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "timeout": 15},
        )
        metadata = client.load_server_metadata()
        if str(metadata.get("issuer", "")).rstrip("/") != settings.ORDNA_OIDC_ISSUER:
            # OpenID Connect Discovery 1.0, 4.3: the document must name the issuer it was asked for.
            raise SignInRefused(
                _("The provider calls itself %(issuer)s, not the configured issuer."),
                issuer=repr(metadata.get("issuer")),
            )
        _clients[key] = client
    return client


def roles_from_groups(groups: Iterable[str], role_groups: Mapping[str, Iterable[str]]) -> set[str]:
    """The roles `ORDNA_OIDC_ROLE_GROUPS` gives for the provider's groups (compared as given, case and all:
    providers send ids or names, and either may be case-sensitive)."""
    member = set(groups)
    return {role for role, names in role_groups.items() if member.intersection(names)}


def claim_groups(claims: Mapping[str, Any]) -> list[str]:
    """The groups claim (`ORDNA_OIDC_GROUPS_CLAIM`, default `groups`) as a list of strings."""
    raw = claims.get(settings.ORDNA_OIDC_GROUPS_CLAIM) or []
    if isinstance(raw, str):
        return [raw]
    return [str(group) for group in raw] if isinstance(raw, (list, tuple)) else []
