"""Accounts in the API (read): the shape of DESIGN.md 4.3 plus the details a list shows."""


from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from ordna.core import access
from ordna.core.api import Capability
from ordna.core.web import user_of

router = Router(tags=["accounts"])


class AccountOut(Schema):
    application: str
    account: str
    person: str | None
    status: str
    match: str | None
    review: bool
    username: str
    email: str
    display_name: str
    last_login: datetime | None
    licenses: list[str]
    non_personal: bool

    @staticmethod
    def resolve_application(obj: Any) -> str:
        return str(obj.application.slug)

    @staticmethod
    def resolve_account(obj: Any) -> str:
        return str(obj.key_display)

    @staticmethod
    def resolve_person(obj: Any) -> str | None:
        return obj.person.employee_id if obj.person_id else None

    @staticmethod
    def resolve_match(obj: Any) -> str | None:
        return obj.match_rule or None

    @staticmethod
    def resolve_review(obj: Any) -> bool:
        return bool(obj.needs_review)


@router.get("/accounts", response=list[AccountOut], summary="Accounts, filtered", auth=Capability("accounts.list"))
@paginate
def account_list(request: HttpRequest, application: str = "", person: str = "", status: str = "",
                 review: bool | None = None) -> Any:
    accounts = access.accounts_scope(user_of(request)).select_related("application", "person")
    if application:
        accounts = accounts.filter(application__slug=application)
    if person:
        accounts = accounts.filter(person__employee_id=person)
    if status:
        accounts = accounts.filter(status=status)
    if review is not None:
        accounts = accounts.filter(needs_review=review)
    return accounts.order_by("application__slug", "key")
