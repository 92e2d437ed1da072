"""The first-run checklist of the coordinator's start page (issue 29): what an organisation sets up before Ordna
works for it, each step ticked from the data by the selectors of the app that owns it, never by a click; and how
many open items no reminder reaches (the reminder engine's own count)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ordna.accounts.selectors import accounts_unlinked_count
from ordna.applications.selectors import applications_missing
from ordna.core.data_version import cached
from ordna.core.models import Role, User
from ordna.lifecycle.selectors import leaver_template_active
from ordna.notifications.recipients import usable_address
from ordna.notifications.selectors import open_items_reaching_nobody
from ordna.people.selectors import hr_file_imported

SHOWN_NAMES = 5  # names in a step's detail; the rest are counted


@dataclass(frozen=True)
class Step:
    """One step of the checklist: done or not, what is left (in words), and the page that does it."""

    key: str
    title: str | Promise
    done: bool
    detail: str
    url: str


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:SHOWN_NAMES])
    rest = len(names) - SHOWN_NAMES
    return shown if rest <= 0 else shown + " " + ngettext("and %(n)d more", "and %(n)d more", rest) % {"n": rest}


def first_run_steps(*, today: date, only: Q | None = None) -> list[Step]:
    """The checklist, in the order the steps are best done; `only` limits the applications named and counted to
    a user's companies (a coordinator of one company sees nothing of another's)."""
    people = hr_file_imported()
    apps = applications_missing(only)
    unlinked = accounts_unlinked_count(only)
    roles = list(
        User.objects.filter(is_active=True, roles__role__in=(Role.HR, Role.COORDINATOR)).values_list(
            "roles__role", "email"
        )
    )
    hr_users = any(role == Role.HR for role, _email in roles)
    coordinator_mail = any(role == Role.COORDINATOR and usable_address(email) for role, email in roles)
    mail_server = not settings.EMAIL_BACKEND.endswith("filebased.EmailBackend")
    recipients = settings.ORDNA_REPORT_RECIPIENTS  # who gets the monthly follow-up by mail
    template = leaver_template_active()
    steps = [
        Step(
            "hr_file",
            _("Import the HR file"),
            people > 0,
            ngettext("%(n)d person", "%(n)d people", people) % {"n": people} if people else "",
            reverse("people:import"),
        ),
        Step(
            "prices",
            _("Give the licence prices"),
            apps.total > 0 and not apps.unpriced,
            _("without a price: %(names)s") % {"names": _names(apps.unpriced)} if apps.unpriced else "",
            reverse("accounts:price_list"),
        ),
        Step(
            "exports",
            _("Import one account export per application"),
            apps.total > 0 and not apps.unread,
            _("no accounts yet: %(names)s") % {"names": _names(apps.unread)} if apps.unread else "",
            reverse("accounts:import"),
        ),
        Step(
            "unlinked",
            _("Handle the unlinked accounts"),
            apps.total > len(apps.unread) and unlinked == 0,
            ngettext("%(n)d account is linked to nobody", "%(n)d accounts are linked to nobody", unlinked)
            % {"n": unlinked}
            if unlinked
            else "",
            reverse("accounts:review"),
        ),
        Step(
            "template",
            _("Check the leaver template"),
            template,
            "" if template else str(_("Without one, every leaver task falls to the IT coordinator.")),
            reverse("lifecycle:templates"),
        ),
        Step(
            "mail_users",
            _("Set up mail and users"),
            mail_server and coordinator_mail and hr_users,
            "; ".join(
                str(text)
                for text, missing in (
                    (_("no mail server (ORDNA_SMTP_URL): reminders are kept as files"), not mail_server),
                    (_("no IT coordinator has an address"), not coordinator_mail),
                    (_("no HR user"), not hr_users),
                )
                if missing
            ),
            reverse("home:users"),
        ),
        Step(
            "report",
            _("Choose who gets the monthly report"),
            bool(recipients),
            "" if recipients else str(_("nobody gets it by mail yet (ORDNA_REPORT_RECIPIENTS)")),
            reverse("reports:monthly"),
        ),
    ]
    return steps


@dataclass(frozen=True)
class FirstRun:
    """The checklist and the warning of the coordinator's start page."""

    steps: list[Step]
    unreached: int

    @property
    def done(self) -> bool:
        return all(step.done for step in self.steps)


def first_run(*, today: date, only: Q | None = None) -> FirstRun:
    # The reminder engine's count reads every person of the HR file: worked out once per data version
    # (ordna.core.data_version), so the start page does not walk the HR file on every request; the same figure
    # as a live count, never older than the last committed write.
    unreached = cached(("unreached", today), lambda: len(open_items_reaching_nobody(today=today)))
    return FirstRun(first_run_steps(today=today, only=only), unreached)
