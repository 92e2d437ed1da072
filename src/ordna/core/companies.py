"""Writes to the companies of the group and to the companies a user is scoped to (docs/companies.md)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ordna.core.actor import Actor
from ordna.core.audit import audit_record
from ordna.core.errors import ServiceError
from ordna.core.models import Company, Role, User, default_company_id

DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
# The roles a company scope narrows (issue 19); the others already see only their own work.
SCOPED_ROLES = frozenset({Role.COORDINATOR, Role.HR, Role.MANAGER, Role.AUDITOR})


class CompanyError(ServiceError):
    """A company, or a user's companies, cannot be saved as asked; `field` names the value that is wrong."""


def _state(company: Company) -> dict[str, object]:
    return {
        "name": company.name,
        "code": company.code,
        "country": company.country,
        "language": company.language,
        "mail_domains": list(company.mail_domains),
    }


def company_save(
    *,
    actor: Actor,
    code: str,
    name: str,
    country: str = "",
    language: str = "en",
    mail_domains: Iterable[str] = (),
    company: Company | None = None,
) -> Company:
    """Create a company of the group, or change one (`company`): a unique code and name, its country (SE, NL
    or none: holidays and language default for its people) and its people's mail domains, which no other
    company may claim. Audited."""
    code, name = code.strip().lower(), " ".join(name.split())
    if not CODE_RE.match(code):
        raise CompanyError(
            _("Code: %(value)s is not a short code (lower-case letters, digits and hyphens)."),
            field="code",
            value=repr(code),
        )
    if not name:
        raise CompanyError(_("Fill in the company's name."), field="name")
    country = country.strip().upper()
    if country not in ("", "SE", "NL"):
        raise CompanyError(_("Country: %(value)s is not SE or NL."), field="country", value=repr(country))
    language = language.strip().lower() or "en"
    if language not in ("en", "sv", "nl"):
        raise CompanyError(_("Language: %(value)s is not en, sv or nl."), field="language", value=repr(language))
    domains = sorted({d.strip().lower().lstrip("@") for d in mail_domains if d.strip()})
    for domain in domains:
        if not DOMAIN_RE.match(domain):
            raise CompanyError(
                _("Mail domains: %(value)s is not a domain name."), field="mail_domains", value=repr(domain)
            )
    others = Company.objects.exclude(pk=company.pk) if company else Company.objects.all()
    if others.filter(code=code).exists():
        raise CompanyError(_("A company with the code %(value)s exists already."), field="code", value=repr(code))
    if others.filter(name__iexact=name).exists():
        raise CompanyError(_("A company named %(value)s exists already."), field="name", value=repr(name))
    for other_code, other_domains in others.values_list("code", "mail_domains"):
        if shared := set(domains) & set(other_domains or ()):
            raise CompanyError(
                _("Mail domains: %(domain)s belongs to the company %(company)s."),
                field="mail_domains",
                domain=repr(sorted(shared)[0]),
                company=repr(other_code),
            )
    with transaction.atomic():
        before = _state(company) if company else None
        if company is None:
            default_company_id()  # the default company exists before any other
            company = Company()
        company.code, company.name, company.country, company.language = code, name, country, language
        company.mail_domains = domains
        company.save()
        audit_record(actor=actor, action="company.saved", target=company, before=before, after=_state(company))
    return company


def companies_by_code(codes: Iterable[str], *, field: str = "companies") -> list[Company]:
    """The companies with these codes, or an error naming the first unknown one."""
    wanted = [c.strip().lower() for c in codes if c.strip()]
    found = {c.code: c for c in Company.objects.filter(code__in=wanted)}
    for code in wanted:
        if code not in found:
            raise CompanyError(
                _("No company has the code %(value)s; known codes: %(known)s."),
                field=field,
                value=repr(code),
                known=", ".join(Company.objects.values_list("code", flat=True)),
            )
    return [found[c] for c in dict.fromkeys(wanted)]


def user_companies_set(*, user: User, companies: Iterable[Company], actor: Actor) -> User:
    """Scope `user` to `companies` (none: the whole group). Only an IT coordinator, HR user, manager or auditor
    can be scoped; an administrator always works on the whole group, and only a user with the whole group in
    view may scope another. Audited."""
    chosen = sorted({c.pk: c for c in companies}.values(), key=lambda c: c.code)
    if chosen and Role.ADMIN in user.role_set:
        raise CompanyError(
            _("An administrator works on the whole group and cannot be given companies."), field="companies"
        )
    if chosen and not (user.role_set & SCOPED_ROLES):
        raise CompanyError(
            _("Only IT coordinators, HR users, managers and auditors can be given companies."), field="companies"
        )
    if actor.user is not None and actor.user.company_ids is not None:
        raise CompanyError(_("Only a user who sees the whole group may change a user's companies."), field="companies")
    with transaction.atomic():
        before = sorted(user.companies.values_list("code", flat=True))
        user.companies.set(chosen)
        user._company_cache = frozenset(c.pk for c in chosen) or None
        audit_record(
            actor=actor,
            action="user.companies_set",
            target=user,
            before={"companies": before},
            after={"companies": [c.code for c in chosen]},
        )
    return user


# Reports by company (issue 19): every figure of the group belongs to exactly one company, or to none: an unlinked
# account of an application the group shares. `NO_COMPANY` names that rest, so the companies add up to the group.
NO_COMPANY = 0
# Which companies a report is about: one (its id), several (a user scoped to them), or None for the whole group.
CompanyFilter = int | frozenset[int] | None


def of_company(company: CompanyFilter, *, person: str, application: str = "") -> Q:
    """The rows of `company` (its id or ids; None: the whole group; NO_COMPANY: the rest), by the person the row
    is about (`person`: the path to its Person, "case__person", "holder") and, for a row without a person, by
    its application (`application`: the path to its Application, where the row has one)."""
    if company is None:
        return Q()
    unlinked = Q(**{f"{person}__isnull": True})
    if company == NO_COMPANY:
        return unlinked & Q(**{f"{application}__company__isnull": True}) if application else Q(pk__in=[])
    ids = sorted(company) if isinstance(company, frozenset) else [company]
    mine = Q(**{f"{person}__company_id__in": ids})
    return mine | (unlinked & Q(**{f"{application}__company_id__in": ids})) if application else mine


def company_name(company: CompanyFilter) -> str:
    """What a report of `company` is about, in words: its name, or the names of several ("" for the group)."""
    if company is None:
        return ""
    if company == NO_COMPANY:
        return str(_("Not in a company: unlinked accounts of shared applications"))
    ids = sorted(company) if isinstance(company, frozenset) else [company]
    return ", ".join(Company.objects.filter(pk__in=ids).order_by("name").values_list("name", flat=True))


def report_company(user: User, code: str) -> CompanyFilter:
    """Which companies a report for `user` is about: the one its code names (within the user's companies), else
    the user's companies (None: the whole group, for a user who sees it)."""
    scope = user.company_ids
    code = code.strip().lower()
    if not code:
        return scope
    pk = Company.objects.filter(code=code).values_list("pk", flat=True).first()
    if pk is None or (scope is not None and pk not in scope):
        raise ServiceError(_("No company has the code %(value)s."), field="company", value=repr(code))
    return pk
