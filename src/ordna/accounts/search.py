"""The accounts' search index (ordna.core.search): key, username, display name and address, by substring."""

from __future__ import annotations

from typing import Any

from ordna.core.search import SearchIndex

ACCOUNTS_SEARCH = SearchIndex("accounts_account", ("key", "username", "display_name", "email"))


def ensure_accounts_search(using: str = "default", **kwargs: Any) -> None:
    """After `ordna migrate` (post_migrate): the index is there and complete."""
    from django.db import connections

    ACCOUNTS_SEARCH.ensure(connections[using])
