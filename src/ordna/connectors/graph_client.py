"""Microsoft Entra ID through Microsoft Graph: msal for the app-only token, httpx for the requests.

Users come with `accountEnabled`, `employeeId`, `assignedLicenses`, `licenseAssignmentStates` (a state with
`assignedByGroup` is a group-based licence, which blocking sign-in does not remove) and `signInActivity`; pages
follow `@odata.nextLink`; 429 and 503 are retried after their `Retry-After`. Disabling sets
`accountEnabled=false` and removes the direct licences; group-based ones are reported as a task.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import quote

import httpx
import msal

from ordna.accounts.presets import ACTIVE, DISABLED, AccountRecord, account_record, parse_login
from ordna.connectors.base import ConnectorError, DisableOutcome, RetryLater, retry_after_seconds
from ordna.connectors.failures import Failure, Place, failure_of, failure_of_status

GRAPH = "https://graph.microsoft.com/v1.0"
LOGIN = "https://login.microsoftonline.com"
SELECT = (
    "id,userPrincipalName,mail,displayName,givenName,surname,accountEnabled,employeeId,userType,"
    "assignedLicenses,licenseAssignmentStates,signInActivity"
)
MAX_WAIT = 120.0  # longest Retry-After a read waits for in-line; longer ones fail the read (the outbox retries)
MAX_RETRIES = 5


class GraphClient:
    def __init__(
        self,
        options: Mapping[str, str],
        secret: str,
        *,
        timeout: float = 30,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.tenant = options["tenant_id"]
        self.http = httpx.Client(transport=transport, timeout=timeout, follow_redirects=False)
        self.sleep = sleep
        self.client_id, self.secret = options["client_id"], secret
        self.app: Any = None
        self._skus: dict[str, str] | None = None

    def _token(self) -> str:
        try:
            if self.app is None:  # msal reads the tenant's OpenID configuration when it is made
                self.app = msal.ConfidentialClientApplication(
                    self.client_id,
                    client_credential=self.secret,
                    authority=f"{LOGIN}/{quote(self.tenant, safe='')}",
                    http_client=self.http,
                    instance_discovery=False,
                )
            result = self.app.acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])
        except (httpx.HTTPError, ValueError) as exc:
            raise ConnectorError(
                f"Entra ID tenant {self.tenant}: cannot get a token: {exc}",
                failure=failure_of(exc),
                place=Place.ENTRA_SIGN_IN,
            ) from exc
        if "access_token" not in result:
            reason = result.get("error_description") or result.get("error") or "no token"
            raise ConnectorError(
                f"Entra ID tenant {self.tenant}: sign-in refused: {str(reason).splitlines()[0]}",
                failure=Failure.UNAUTHORISED,
                place=Place.ENTRA_SIGN_IN,
            )
        return str(result["access_token"])

    def _request(self, method: str, url: str, *, json: Any = None, wait: bool = True) -> httpx.Response:
        for _attempt in range(MAX_RETRIES):
            try:
                response = self.http.request(
                    method, url, json=json, headers={"Authorization": f"Bearer {self._token()}"}
                )
            except httpx.HTTPError as exc:
                raise ConnectorError(
                    f"Microsoft Graph: cannot reach {url.split('?')[0]}: {exc}",
                    failure=failure_of(exc),
                    place=Place.GRAPH,
                ) from exc
            if response.status_code in (429, 503):
                seconds = retry_after_seconds(response.headers.get("Retry-After"))
                if not wait or seconds > MAX_WAIT:
                    raise RetryLater(
                        f"Microsoft Graph is throttling ({response.status_code})", seconds, place=Place.GRAPH
                    )
                self.sleep(seconds)
                continue
            if response.status_code >= 400:
                try:
                    error = response.json().get("error", {})
                    detail = f"{error.get('code', '')}: {error.get('message', '')}"
                except ValueError:
                    detail = response.text[:200]
                raise ConnectorError(
                    f"Microsoft Graph answered {response.status_code} ({detail})",
                    failure=failure_of_status(response.status_code),
                    place=Place.GRAPH,
                )
            return response
        raise RetryLater("Microsoft Graph kept throttling", MAX_WAIT, place=Place.GRAPH)

    def _sku_names(self) -> dict[str, str]:
        if self._skus is None:
            data = self._request("GET", f"{GRAPH}/subscribedSkus").json()
            self._skus = {str(s["skuId"]): str(s.get("skuPartNumber") or s["skuId"]) for s in data.get("value", [])}
        return self._skus

    def _record(self, row: int, user: Mapping[str, Any]) -> AccountRecord | None:
        key = str(user.get("userPrincipalName") or "")
        if not key:
            return None
        names = self._sku_names()
        licenses = tuple(
            sorted(names.get(str(lic["skuId"]), str(lic["skuId"])) for lic in user.get("assignedLicenses") or [])
        )
        activity = user.get("signInActivity") or {}
        logins = [
            parse_login(str(activity.get(name) or ""), name)
            for name in ("lastSignInDateTime", "lastNonInteractiveSignInDateTime")
        ]
        known = [login for login in logins if login is not None]
        return account_record(
            row=row,
            key=key,
            username=key.split("@")[0],
            email=str(user.get("mail") or key),
            display_name=str(user.get("displayName") or ""),
            first_name=str(user.get("givenName") or ""),
            last_name=str(user.get("surname") or ""),
            employee_id=str(user.get("employeeId") or ""),
            status=DISABLED if user.get("accountEnabled") is False else ACTIVE,
            last_login=max(known) if known else None,
            licenses=licenses,
            guest=str(user.get("userType") or "") == "Guest",
        )

    def _users(self) -> Iterator[Mapping[str, Any]]:
        url: str | None = f"{GRAPH}/users?$select={SELECT}&$top=999"
        while url:
            data = self._request("GET", url).json()
            yield from data.get("value", [])
            url = data.get("@odata.nextLink")

    def test(self) -> str:
        data = self._request("GET", f"{GRAPH}/users?$select=id&$top=1").json()
        return f"connected to tenant {self.tenant}; users readable ({len(data.get('value', []))} on the first page)"

    def accounts(self) -> Iterator[AccountRecord]:
        for row, user in enumerate(self._users(), start=1):
            record = self._record(row, user)
            if record is not None:
                yield record

    def _user(self, key: str) -> Mapping[str, Any] | None:
        try:
            response = self._request("GET", f"{GRAPH}/users/{quote(key, safe='@')}?$select={SELECT}")
        except RetryLater:
            raise
        except ConnectorError as exc:
            if "answered 404" in str(exc):
                return None
            raise
        data: Mapping[str, Any] = response.json()
        return data

    def account(self, key: str) -> AccountRecord | None:
        user = self._user(key)
        return self._record(1, user) if user else None

    def _plan(self, user: Mapping[str, Any]) -> tuple[list[str], list[str], list[str]]:
        """(steps, direct sku ids to remove, tasks for group-based licences)."""
        names = self._sku_names()
        steps, direct, tasks = [], [], []
        if user.get("accountEnabled") is not False:
            steps.append(f"set accountEnabled=false on {user.get('userPrincipalName')}")
        assigned = {str(lic["skuId"]) for lic in user.get("assignedLicenses") or []}
        for state in user.get("licenseAssignmentStates") or []:
            sku = str(state.get("skuId"))
            if sku not in assigned:
                continue
            if state.get("assignedByGroup"):
                tasks.append(
                    f"licence {names.get(sku, sku)} comes from group {state['assignedByGroup']}: "
                    "remove the user from the group"
                )
            elif sku not in direct:
                direct.append(sku)
        steps += [f"remove the direct licence {names.get(sku, sku)}" for sku in direct]
        return steps, direct, tasks

    def plan_disable(self, key: str) -> list[str]:
        user = self._user(key)
        if user is None:
            raise ConnectorError(
                f"no user {key!r} in tenant {self.tenant}", failure=Failure.NOT_FOUND, place=Place.GRAPH
            )
        steps, _direct, tasks = self._plan(user)
        return (steps or ["nothing: the account is disabled already"]) + [f"task: {t}" for t in tasks]

    def disable(self, key: str) -> DisableOutcome:
        user = self._user(key)
        if user is None:
            raise ConnectorError(
                f"no user {key!r} in tenant {self.tenant}", failure=Failure.NOT_FOUND, place=Place.GRAPH
            )
        steps, direct, tasks = self._plan(user)
        user_url = f"{GRAPH}/users/{user['id']}"
        if user.get("accountEnabled") is not False:
            self._request("PATCH", user_url, json={"accountEnabled": False}, wait=False)
        if direct:
            self._request(
                "POST", f"{user_url}/assignLicense", json={"addLicenses": [], "removeLicenses": direct}, wait=False
            )
        return DisableOutcome(steps=steps, already=not steps, tasks=tasks)

    def close(self) -> None:
        self.http.close()
