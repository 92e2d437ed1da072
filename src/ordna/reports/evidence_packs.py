"""Evidence packs built by the worker (docs/reports.md): the web and the API ask for a pack, the worker builds
it with `evidence_pack_make` (the same bytes as the command line for the same seed and day), and whoever may
see the pack's companies follows its state and downloads the ZIP. A pack of a few hundred certificates takes
minutes; a web request must not.

Asking for a pack validates the input at once (a bad date or sample is refused with a sentence, no pack is
queued) and draws the seed, so the answer names it before the pack exists. Building claims the pack with one
conditional update (a job run twice builds it once), and ends in `ready` or in `failed` with the reason.
Packs are deleted with their files `ORDNA_EVIDENCE_PACK_DAYS` after they were asked for, by the daily job.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ordna.core.actor import Actor
from ordna.core.companies import CompanyFilter
from ordna.core.errors import ServiceError
from ordna.core.models import Company, User
from ordna.reports.models import EvidencePackRequest, EvidencePackState
from ordna.reports.services import ReportError, evidence_input_check, evidence_pack_make

log = logging.getLogger(__name__)

# How many packs one person may have queued or building at once: the worker builds them one after another, and
# one person's fifty requests would keep everyone else's waiting.
MAX_WAITING = 3
# A pack still building after this long was left by a worker that stopped; the daily job marks it failed.
BUILDING_GIVE_UP = timedelta(hours=6)


class PacksWaiting(ReportError):
    """The person already has MAX_WAITING packs queued or building (the API answers 429)."""


def companies_stored(company: CompanyFilter) -> list[int] | None:
    """A company filter as the pack keeps it: None for the whole group, else the sorted ids."""
    if company is None:
        return None
    return sorted(company) if isinstance(company, frozenset) else [company]


def company_filter(pack: EvidencePackRequest) -> CompanyFilter:
    """The company filter the pack was asked with (the inverse of `companies_stored`)."""
    ids = pack.companies
    if ids is None:
        return None
    return ids[0] if len(ids) == 1 else frozenset(ids)


def evidence_pack_request(
    *,
    start: date,
    end: date,
    sample: int,
    seed: int | None,
    company: CompanyFilter,
    actor: Actor,
    today: date,
    enqueue: Callable[[int], object],
) -> EvidencePackRequest:
    """Queue a pack of [start, end] with `sample` leavers for the worker; `enqueue(pack_id)` runs after commit
    (the job that calls `evidence_pack_build`). Input no pack can be made from is refused here, with the
    field; so is a fourth pack while three of the same person's wait."""
    seed = evidence_input_check(start=start, end=end, sample=sample, seed=seed)
    with transaction.atomic():
        waiting = EvidencePackRequest.objects.filter(
            actor_ref=actor.ref, state__in=(EvidencePackState.QUEUED, EvidencePackState.BUILDING)
        ).count()
        if waiting >= MAX_WAITING:
            raise PacksWaiting(
                _("You have %(n)s evidence packs waiting to be built: ask for another when one of them is ready."),
                n=waiting,
            )
        pack = EvidencePackRequest.objects.create(
            start=start,
            end=end,
            sample=sample,
            seed=seed,
            companies=companies_stored(company),
            made_on=today,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            requested_by=actor.user,
            actor_ref=actor.ref,
            actor_label=actor.label,
            requested_at=timezone.now(),
        )
        transaction.on_commit(lambda: enqueue(pack.pk))
    return pack


def _actor(pack: EvidencePackRequest) -> Actor:
    user = pack.requested_by
    return Actor.for_user(user) if user is not None else Actor(ref=pack.actor_ref, label=pack.actor_label)


def _fail(pack_id: int, reason: str) -> None:
    EvidencePackRequest.objects.filter(pk=pack_id, state=EvidencePackState.BUILDING).update(
        state=EvidencePackState.FAILED, reason=reason, finished_at=timezone.now()
    )


def evidence_pack_build(*, pack_id: int) -> EvidencePackRequest | None:
    """Build the queued pack `pack_id` and store its ZIP in the files folder: ready, or failed with the reason
    in the requester's language. Idempotent: a pack that is not queued (built, being built, deleted) is left
    alone and None is returned. Records the audit event of `evidence_pack_make`, as the requester."""
    claimed = EvidencePackRequest.objects.filter(pk=pack_id, state=EvidencePackState.QUEUED).update(
        state=EvidencePackState.BUILDING, started_at=timezone.now()
    )
    if not claimed:
        return None
    pack = EvidencePackRequest.objects.select_related("requested_by").get(pk=pack_id)
    with translation.override(pack.language):
        try:
            made = evidence_pack_make(
                start=pack.start,
                end=pack.end,
                sample=pack.sample,
                seed=pack.seed,
                actor=_actor(pack),
                today=pack.made_on,
                company=company_filter(pack),
            )
        except ServiceError as exc:
            _fail(pack_id, str(exc))
            return EvidencePackRequest.objects.get(pk=pack_id)
        except Exception as exc:  # the pack's state must say it stopped, whatever stopped it
            log.exception("evidence pack %s failed", pack_id)
            _fail(
                pack_id,
                _("The pack could not be made (%(error)s); the worker's log has the details.")
                % {"error": type(exc).__name__},
            )
            return EvidencePackRequest.objects.get(pk=pack_id)
        try:
            pack.file.save(pack.file_name, ContentFile(made.content), save=False)
        except OSError as exc:
            _fail(pack_id, _("The pack could not be stored: %(error)s.") % {"error": exc.strerror or exc})
            return EvidencePackRequest.objects.get(pk=pack_id)
    done = EvidencePackRequest.objects.filter(pk=pack_id, state=EvidencePackState.BUILDING).update(
        state=EvidencePackState.READY,
        file=pack.file.name,
        size=len(made.content),
        leavers=made.leavers,
        finished_at=timezone.now(),
    )
    if not done:  # deleted while it was being built: its file goes too
        pack.file.delete(save=False)
        return None
    return EvidencePackRequest.objects.get(pk=pack_id)


def evidence_packs_expire(*, now: datetime) -> dict[str, int]:
    """The daily job: delete the packs (and their files) asked for more than ORDNA_EVIDENCE_PACK_DAYS ago, and
    mark failed the packs a stopped worker left building. Idempotent."""
    cutoff = now - timedelta(days=settings.ORDNA_EVIDENCE_PACK_DAYS)
    abandoned = EvidencePackRequest.objects.filter(
        state=EvidencePackState.BUILDING, started_at__lt=now - BUILDING_GIVE_UP
    ).update(
        state=EvidencePackState.FAILED,
        reason=_("The worker stopped while building this pack: ask for it again."),
        finished_at=now,
    )
    deleted = 0
    for pack in EvidencePackRequest.objects.filter(requested_at__lt=cutoff):
        if pack.file:
            pack.file.delete(save=False)
        pack.delete()
        deleted += 1
    return {"deleted": deleted, "abandoned": abandoned}


def evidence_packs_visible(user: User) -> list[EvidencePackRequest]:
    """The packs `user` may see, newest first: every pack for a user of the whole group; for a user limited to
    some companies, the packs of those companies only (never one of the whole group or of another company)."""
    packs = list(EvidencePackRequest.objects.select_related("requested_by"))
    scope = user.company_ids
    if scope is None:
        return packs
    return [p for p in packs if p.companies is not None and set(p.companies) <= scope]


def evidence_pack_visible(user: User, pack_id: int) -> EvidencePackRequest | None:
    """The pack `pack_id` if `user` may see it, else None (the interfaces answer 404)."""
    pack = EvidencePackRequest.objects.select_related("requested_by").filter(pk=pack_id).first()
    if pack is None:
        return None
    scope = user.company_ids
    if scope is not None and (pack.companies is None or not set(pack.companies) <= scope):
        return None
    return pack


def company_names(packs: list[EvidencePackRequest]) -> dict[int, str]:
    """Each pack's companies by name ("" for the whole group), in one query."""
    wanted = {pk for pack in packs for pk in (pack.companies or [])}
    names = dict(Company.objects.filter(pk__in=wanted).values_list("pk", "name")) if wanted else {}
    return {
        pack.pk: ", ".join(sorted(names.get(pk, "?") for pk in pack.companies)) if pack.companies else ""
        for pack in packs
    }


def pack_not_ready(pack: EvidencePackRequest) -> ServiceError:
    """Why `pack` cannot be downloaded (yet), as a sentence."""
    if pack.state == EvidencePackState.FAILED:
        return ServiceError(_("Evidence pack %(id)s failed: %(reason)s"), id=pack.pk, reason=pack.reason)
    return ServiceError(
        _("Evidence pack %(id)s is %(state)s: it can be downloaded once it is ready."),
        id=pack.pk,
        state=pack.get_state_display(),
    )
