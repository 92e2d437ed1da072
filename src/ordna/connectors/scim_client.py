"""SCIM 2.0 through scim2-client: Users read page by page, disabled with `PATCH active=false`.

The server's published configuration is discovered first; when it supports ETags, scim2-client sends the
version the user was read with as `If-Match`, so a disable never overwrites a change made meanwhile (412: read
again, try once more). An account's key is its `userName`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx2
from scim2_client import SCIMClientException
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_client.errors import RequestNetworkException, UnexpectedStatusCodeException
from scim2_models import PatchOp, PatchOperation, SearchRequest
from scim2_models.exceptions import SCIMException

from ordna.accounts.presets import ACTIVE, DISABLED, AccountRecord, account_record
from ordna.connectors.base import ConnectorError, DisableOutcome, RetryLater, retry_after_seconds
from ordna.connectors.failures import Failure, Place, failure_of, failure_of_status
from ordna.connectors.netguard import url_check

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PAGE_SIZE = 200
# Pydantic coerces the filter text and the operation's words; the stubs ask for their parsed types.
SEARCH: Any = SearchRequest
PATCH: Any = PatchOp
OPERATION: Any = PatchOperation


def filter_value(value: str) -> str:
    """A string for a SCIM filter, quoted and escaped (RFC 7644 3.4.2.2 uses JSON string rules)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ScimClient:
    def __init__(self, options: Mapping[str, str], secret: str, *, timeout: float = 30) -> None:
        self.url = url_check(options["url"], schemes=("http", "https")).rstrip("/")
        self.http = httpx2.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {secret}"}, timeout=timeout, follow_redirects=False
        )
        # scim2-client's models are built from what the server publishes: typed loosely here.
        self.scim: Any = SyncSCIMClient(self.http)
        with self._errors("reading the service configuration"):
            self.scim.discover()
        self.user_model: Any = self.scim.provider.model_for(USER_SCHEMA)
        if self.user_model is None:
            raise ConnectorError(f"{self.url}: the server publishes no User resource", place=Place.SCIM)

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """scim2-client's and the network's errors as ConnectorError, in words an administrator can act on."""
        url = self.url
        try:
            yield
        except UnexpectedStatusCodeException as exc:
            response = getattr(exc, "response", None)
            status = getattr(response, "status_code", None)
            if status in (401, 403):
                raise ConnectorError(
                    f"{url}: the server refused the token ({status}) while {doing}",
                    failure=failure_of_status(status),
                    place=Place.SCIM,
                ) from exc
            if status in (429, 503):
                retry = (getattr(response, "headers", {}) or {}).get("Retry-After", "60")
                raise RetryLater(
                    f"{url}: the server is busy ({status})", retry_after_seconds(retry), place=Place.SCIM
                ) from exc
            raise ConnectorError(
                f"{url}: unexpected answer {status} while {doing}", failure=failure_of_status(status), place=Place.SCIM
            ) from exc
        except SCIMException as exc:
            if exc.status in (401, 403):
                raise ConnectorError(
                    f"{url}: the server refused the token ({exc.status}) while {doing}",
                    failure=failure_of_status(exc.status),
                    place=Place.SCIM,
                ) from exc
            if exc.status in (429, 503):
                raise RetryLater(f"{url}: the server is busy ({exc.status})", 60, place=Place.SCIM) from exc
            raise ConnectorError(
                f"{url}: the server answered {exc.status} while {doing}: {exc}",
                failure=failure_of_status(exc.status),
                place=Place.SCIM,
            ) from exc
        except RequestNetworkException as exc:
            notes = "; ".join(getattr(exc, "__notes__", [])) or str(exc)
            raise ConnectorError(
                f"{url}: cannot reach the server while {doing}: {notes}", failure=failure_of(exc), place=Place.SCIM
            ) from exc
        except (SCIMClientException, httpx2.HTTPError) as exc:
            raise ConnectorError(f"{url}: {doing} failed: {exc}", failure=failure_of(exc), place=Place.SCIM) from exc

    def _record(self, row: int, user: Any) -> AccountRecord | None:
        data: dict[str, Any] = user.model_dump(mode="json", by_alias=True) if not isinstance(user, dict) else user
        key = str(data.get("userName") or "")
        if not key:
            return None
        emails = data.get("emails") or []
        primary = next((e for e in emails if e.get("primary")), emails[0] if emails else {})
        name = data.get("name") or {}
        enterprise = data.get(ENTERPRISE) or {}
        return account_record(
            row=row,
            key=key,
            username=key,
            email=str(primary.get("value") or ""),
            display_name=str(data.get("displayName") or name.get("formatted") or ""),
            first_name=str(name.get("givenName") or ""),
            last_name=str(name.get("familyName") or ""),
            employee_id=str(enterprise.get("employeeNumber") or data.get("externalId") or ""),
            status=ACTIVE if data.get("active", True) is not False else DISABLED,
            last_login=None,
        )

    def _page(self, start: int) -> Any:
        with self._errors("listing users"):
            return self.scim.query(self.user_model, query_parameters=SEARCH(start_index=start, count=PAGE_SIZE))

    def test(self) -> str:
        page = self._page(1)
        return f"connected to {self.url}; {page.total_results or 0} users"

    def accounts(self) -> Iterator[AccountRecord]:
        start, row = 1, 0
        while True:
            page = self._page(start)
            resources = page.resources or []
            for user in resources:
                row += 1
                record = self._record(row, user)
                if record is not None:
                    yield record
            start += len(resources)
            if not resources or start > (page.total_results or 0):
                return

    def _find(self, key: str) -> Any:
        with self._errors(f"looking up {key!r}"):
            page = self.scim.query(self.user_model, query_parameters=SEARCH(filter=f"userName eq {filter_value(key)}"))
        for user in page.resources or []:
            if str(user.user_name).casefold() == key.casefold():
                return user
        return None

    def account(self, key: str) -> AccountRecord | None:
        user = self._find(key)
        return self._record(1, user) if user is not None else None

    def plan_disable(self, key: str) -> list[str]:
        user = self._find(key)
        if user is None:
            raise ConnectorError(f"no user {key!r} at {self.url}", failure=Failure.NOT_FOUND, place=Place.SCIM)
        if user.active is False:
            return ["nothing: the account is disabled already"]
        etag = f" (If-Match {user.meta.version})" if user.meta and user.meta.version else ""
        return [f"PATCH {self.url}/Users/{user.id} active=false{etag}"]

    def disable(self, key: str) -> DisableOutcome:
        for _attempt in range(2):
            user = self._find(key)
            if user is None:
                raise ConnectorError(f"no user {key!r} at {self.url}", failure=Failure.NOT_FOUND, place=Place.SCIM)
            if user.active is False:
                return DisableOutcome(already=True)
            patch = PATCH[self.user_model](operations=[OPERATION(op="replace", path="active", value=False)])
            try:
                with self._errors(f"disabling {key!r}"):
                    self.scim.modify(user, patch)
            except ConnectorError as exc:
                if "412" in str(exc):  # changed since read: read again and try once more
                    continue
                raise
            return DisableOutcome(steps=[f"PATCH Users/{user.id} active=false"])
        raise ConnectorError(
            f"{self.url}: {key!r} kept changing while it was being disabled (412); try again", place=Place.SCIM
        )

    def close(self) -> None:
        self.http.close()
