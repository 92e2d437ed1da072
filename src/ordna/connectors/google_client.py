"""Google Workspace through the Admin SDK Directory API over httpx.

A service account with domain-wide delegation acts as `admin_subject`: its key signs a JWT (RS256, with
`cryptography`) that Google's token endpoint exchanges for an access token (RFC 7523), the flow google-auth
implements, without its dependencies. Users come with `suspended`, `archived`, `lastLoginTime` and
`externalIds`; pages follow `nextPageToken`; disabling suspends.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import quote

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.utils.translation import gettext_lazy as _

from ordna.accounts.presets import ACTIVE, DISABLED, AccountRecord, account_record, parse_login
from ordna.connectors.base import ConnectorError, DisableOutcome, RetryLater, retry_after_seconds
from ordna.connectors.failures import Failure, Place, failure_of, failure_of_status
from ordna.core.errors import ServiceError

DIRECTORY = "https://admin.googleapis.com/admin/directory/v1"
SCOPE = "https://www.googleapis.com/auth/admin.directory.user"
NEVER = "1970-01-01T00:00:00.000Z"  # Google's lastLoginTime for an account that never signed in
MAX_WAIT = 120.0
MAX_RETRIES = 5


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def service_account_check(text: str) -> dict[str, Any]:
    """The service-account key file's fields, or a ServiceError naming what is missing."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ServiceError(_("The credentials are not a JSON service-account key."), field="credentials") from exc
    missing = [k for k in ("client_email", "private_key", "token_uri") if not data.get(k)]
    if not isinstance(data, dict) or missing:
        raise ServiceError(_("The service-account key lacks %(names)s."), field="credentials", names=", ".join(missing))
    return data


class GoogleClient:
    def __init__(
        self,
        options: Mapping[str, str],
        secret: str,
        *,
        timeout: float = 30,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        try:
            self.key = service_account_check(secret)
        except ValueError as exc:
            raise ConnectorError(str(exc)) from exc
        self.subject = options["admin_subject"]
        self.customer = options.get("customer") or "my_customer"
        self.http = httpx.Client(transport=transport, timeout=timeout, follow_redirects=False)
        self.sleep = sleep
        self._access: tuple[str, float] | None = None

    def _assertion(self) -> str:
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT", "kid": self.key.get("private_key_id", "")}
        claims = {
            "iss": self.key["client_email"],
            "sub": self.subject,
            "scope": SCOPE,
            "aud": self.key["token_uri"],
            "iat": now,
            "exp": now + 3600,
        }
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        try:
            private = serialization.load_pem_private_key(self.key["private_key"].encode(), password=None)
        except ValueError as exc:
            raise ConnectorError("credentials: the private key cannot be read") from exc
        if not isinstance(private, rsa.RSAPrivateKey):
            raise ConnectorError("credentials: the private key is not an RSA key")
        signature = private.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{_b64(signature)}"

    def _token(self) -> str:
        if self._access and self._access[1] > time.time() + 60:
            return self._access[0]
        try:
            response = self.http.post(
                self.key["token_uri"],
                data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": self._assertion()},
            )
        except httpx.HTTPError as exc:
            raise ConnectorError(
                f"Google: cannot reach the token endpoint: {exc}", failure=failure_of(exc), place=Place.GOOGLE_SIGN_IN
            ) from exc
        if response.status_code != 200:
            try:
                reason = response.json().get("error_description") or response.json().get("error")
            except ValueError:
                reason = response.text[:200]
            raise ConnectorError(
                f"Google refused the service account ({response.status_code}: {reason})",
                failure=Failure.UNAUTHORISED
                if response.status_code in (400, 401)
                else failure_of_status(response.status_code),
                place=Place.GOOGLE_SIGN_IN,
            )
        data = response.json()
        self._access = (str(data["access_token"]), time.time() + float(data.get("expires_in", 3600)))
        return self._access[0]

    def _request(self, method: str, url: str, *, json_body: Any = None, wait: bool = True) -> httpx.Response:
        for _attempt in range(MAX_RETRIES):
            try:
                response = self.http.request(
                    method, url, json=json_body, headers={"Authorization": f"Bearer {self._token()}"}
                )
            except httpx.HTTPError as exc:
                raise ConnectorError(
                    f"Google Admin SDK: cannot reach {url.split('?')[0]}: {exc}",
                    failure=failure_of(exc),
                    place=Place.GOOGLE_ADMIN,
                ) from exc
            if response.status_code in (429, 503):
                seconds = retry_after_seconds(response.headers.get("Retry-After"), default=30)
                if not wait or seconds > MAX_WAIT:
                    raise RetryLater(
                        f"Google Admin SDK is throttling ({response.status_code})", seconds, place=Place.GOOGLE_ADMIN
                    )
                self.sleep(seconds)
                continue
            if response.status_code >= 400:
                try:
                    message = response.json().get("error", {}).get("message", "")
                except ValueError:
                    message = response.text[:200]
                raise ConnectorError(
                    f"Google Admin SDK answered {response.status_code} ({message})",
                    failure=failure_of_status(response.status_code),
                    place=Place.GOOGLE_ADMIN,
                )
            return response
        raise RetryLater("Google Admin SDK kept throttling", MAX_WAIT, place=Place.GOOGLE_ADMIN)

    def _record(self, row: int, user: Mapping[str, Any]) -> AccountRecord | None:
        key = str(user.get("primaryEmail") or "")
        if not key:
            return None
        name = user.get("name") or {}
        ids = user.get("externalIds") or []
        employee = next((str(i.get("value")) for i in ids if i.get("type") == "organization" and i.get("value")), "")
        login = str(user.get("lastLoginTime") or "")
        return account_record(
            row=row,
            key=key,
            username=key.split("@")[0],
            email=key,
            display_name=str(name.get("fullName") or ""),
            first_name=str(name.get("givenName") or ""),
            last_name=str(name.get("familyName") or ""),
            employee_id=employee,
            status=DISABLED if user.get("suspended") or user.get("archived") else ACTIVE,
            last_login=None if login in ("", NEVER) else parse_login(login, "lastLoginTime"),
        )

    def _users(self) -> Iterator[Mapping[str, Any]]:
        token = ""
        while True:
            url = f"{DIRECTORY}/users?customer={quote(self.customer)}&maxResults=500&projection=full"
            if token:
                url += f"&pageToken={quote(token)}"
            data = self._request("GET", url).json()
            yield from data.get("users", [])
            token = data.get("nextPageToken") or ""
            if not token:
                return

    def test(self) -> str:
        url = f"{DIRECTORY}/users?customer={quote(self.customer)}&maxResults=1"
        self._request("GET", url)
        return f"connected to Google Workspace ({self.customer}) as {self.subject}"

    def accounts(self) -> Iterator[AccountRecord]:
        for row, user in enumerate(self._users(), start=1):
            record = self._record(row, user)
            if record is not None:
                yield record

    def _user(self, key: str) -> Mapping[str, Any] | None:
        try:
            data: Mapping[str, Any] = self._request("GET", f"{DIRECTORY}/users/{quote(key, safe='@')}").json()
        except RetryLater:
            raise
        except ConnectorError as exc:
            if "answered 404" in str(exc):
                return None
            raise
        return data

    def account(self, key: str) -> AccountRecord | None:
        user = self._user(key)
        return self._record(1, user) if user else None

    def plan_disable(self, key: str) -> list[str]:
        user = self._user(key)
        if user is None:
            raise ConnectorError(
                f"no user {key!r} in Google Workspace", failure=Failure.NOT_FOUND, place=Place.GOOGLE_ADMIN
            )
        return ["nothing: the account is suspended already"] if user.get("suspended") else [f"suspend {key}"]

    def disable(self, key: str) -> DisableOutcome:
        user = self._user(key)
        if user is None:
            raise ConnectorError(
                f"no user {key!r} in Google Workspace", failure=Failure.NOT_FOUND, place=Place.GOOGLE_ADMIN
            )
        if user.get("suspended"):
            return DisableOutcome(already=True)
        self._request("PUT", f"{DIRECTORY}/users/{quote(key, safe='@')}", json_body={"suspended": True}, wait=False)
        return DisableOutcome(steps=[f"suspend {key}"])

    def close(self) -> None:
        self.http.close()
