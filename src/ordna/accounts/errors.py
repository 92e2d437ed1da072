"""The one error of the accounts domain, shared by its reading, importing and write services."""

from __future__ import annotations

from ordna.core.errors import ServiceError


class AccountsError(ServiceError):
    """An import, a decision or a price list that cannot be taken; the message says why, for the person who
    gave it, and `field` names the input."""
