"""Review pages: reviews with suppliers, their generated agendas as PDF and iCalendar, action items, and a
supplier's page (for its own users, the portal: its lines, escalated questions, contracts, reviews and actions).
Every object is scoped (404 outside)."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from ordna.core import access
from ordna.core.actor import Actor
from ordna.core.clock import today
from ordna.core.models import Supplier
from ordna.core.web import capability, paginate, query_without_page, user_of
from ordna.lifecycle.models import Responsible
from ordna.lifecycle.scopes import lines_scope
from ordna.people.models import Person
from ordna.reviews import selectors, services
from ordna.reviews.documents import review_ics, review_pdf
from ordna.reviews.models import ActionOwner, ReviewStatus
from ordna.reviews.scopes import actions_closable_scope, actions_scope, reviews_scope
from ordna.suppliers.scopes import contracts_scope
from ordna.suppliers.selectors import contract_rows
from ordna.support.scopes import questions_scope
from ordna.support.selectors import questions_escalated_to


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(user_of(request))


# A supplier's page ---------------------------------------------------------------------------------------------


@capability("suppliers.view")
def supplier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A company's page; for its own users, the portal: its lines, escalated questions, contracts, reviews and
    actions, and the counts of each."""
    user = user_of(request)
    supplier = access.get_in_scope(access.suppliers_scope(user), pk=pk)
    lines = (
        lines_scope(user)
        .filter(responsible=Responsible.SUPPLIER, responsible_supplier=supplier, state="open")
        .select_related("case__person", "application")
        .order_by("due", "id")[:50]
    )
    questions = questions_escalated_to(questions_scope(user), supplier.pk)[:50]
    return render(
        request,
        "reviews/supplier.html",
        {
            "supplier": supplier,
            "counts": selectors.supplier_counts(supplier, today=today()),
            "lines": lines,
            "questions": questions,
            "contracts": contract_rows(contracts_scope(user).filter(supplier=supplier), today=today()),
            "reviews": reviews_scope(user).filter(supplier=supplier)[:10],
            "actions": actions_scope(user)
            .filter(supplier=supplier, closed_at__isnull=True)
            .select_related("owner_person", "supplier"),
            "closable": set(actions_closable_scope(user).values_list("pk", flat=True)),
            "today": today(),
        },
    )


# Reviews and actions -------------------------------------------------------------------------------------------


@capability("reviews.list")
def review_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    q = request.GET.get("q", "").strip()
    reviews = reviews_scope(user).select_related("supplier")
    if q:
        reviews = reviews.filter(Q(title__icontains=q) | Q(supplier__name__icontains=q))
    actions = actions_scope(user).filter(closed_at__isnull=True).select_related("supplier", "owner_person")
    return render(
        request,
        "reviews/list.html",
        {
            "page": paginate(request, reviews),
            "actions": actions[:50],
            "actions_total": actions.count(),
            "q": q,
            "query": query_without_page(request),
            "can_edit": access.can(user, "reviews.edit"),
            "closable": set(actions_closable_scope(user).values_list("pk", flat=True)),
            "today": today(),
        },
    )


def _moment(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


@capability("reviews.edit")
def review_add(request: HttpRequest) -> HttpResponse:
    values = {"title": _("Quarterly review"), "duration_minutes": "90"}
    error = ""
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in ("supplier", "title", "starts_at", "duration_minutes",
                                                               "location")}  # fmt: skip
        supplier = (
            Supplier.objects.filter(pk=values["supplier"] or -1).first() if values["supplier"].isdigit() else None
        )
        starts_at = _moment(values["starts_at"])
        if supplier is None:
            error = _("Choose a supplier.")
        elif starts_at is None:
            error = _("Give the date and time of the meeting.")
        else:
            try:
                review = services.review_plan(
                    supplier=supplier,
                    title=values["title"],
                    starts_at=starts_at,
                    duration_minutes=int(values["duration_minutes"] or 90),
                    location=values["location"],
                    actor=_actor(request),
                    today=today(),
                )
            except (ValueError, services.ReviewError) as exc:
                error = str(exc)
            else:
                messages.success(request, _("Review planned; its agenda was generated from the data."))
                return redirect("reviews:detail", pk=review.pk)
    return render(request, "reviews/form.html", {"values": values, "error": error, "suppliers": Supplier.objects.all()})


@capability("reviews.list")
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    review = access.get_in_scope(reviews_scope(user).select_related("supplier"), pk=pk)
    carried = selectors.open_actions(review.supplier).exclude(review=review)
    return render(
        request,
        "reviews/detail.html",
        {
            "review": review,
            "actions": review.action_items.select_related("owner_person", "supplier"),
            "carried": carried,
            "can_edit": access.can(user, "reviews.edit"),
            "closable": set(actions_closable_scope(user).values_list("pk", flat=True)),
            "statuses": ReviewStatus.choices,
            "owner_sides": ActionOwner.choices,
            "today": today(),
        },
    )


@capability("reviews.edit")
def review_edit(request: HttpRequest, pk: int) -> HttpResponse:
    review = access.get_in_scope(reviews_scope(user_of(request)), pk=pk)
    if request.method == "POST":
        try:
            services.review_update(
                review=review,
                actor=_actor(request),
                agenda=request.POST.get("agenda", None),
                minutes=request.POST.get("minutes", None),
                status=request.POST.get("status") or None,
                starts_at=_moment(request.POST.get("starts_at", "")),
                location=request.POST.get("location", None),
            )
        except services.ReviewError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Review saved."))
    return redirect("reviews:detail", pk=review.pk)


@capability("reviews.list")
def review_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    review = access.get_in_scope(reviews_scope(user_of(request)).select_related("supplier"), pk=pk)
    pdf = review_pdf(review, list(review.action_items.select_related("owner_person")))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="review-{review.pk}.pdf"'
    return response


@capability("reviews.list")
def review_ics_view(request: HttpRequest, pk: int) -> HttpResponse:
    review = access.get_in_scope(reviews_scope(user_of(request)).select_related("supplier"), pk=pk)
    attendees = [review.supplier.contact_email] if review.supplier.contact_email else []
    response = HttpResponse(
        review_ics(review, organizer_email=user_of(request).email, attendees=attendees),
        content_type="text/calendar; charset=utf-8; method=REQUEST",
    )
    response["Content-Disposition"] = f'attachment; filename="review-{review.pk}.ics"'
    return response


@capability("reviews.edit")
def action_add(request: HttpRequest, pk: int) -> HttpResponse:
    review = access.get_in_scope(reviews_scope(user_of(request)), pk=pk)
    if request.method == "POST":
        owner_id = request.POST.get("owner", "").strip()
        owner = Person.objects.filter(employee_id=owner_id).first() if owner_id else None
        try:
            due = date.fromisoformat(request.POST.get("due", ""))
            if owner_id and owner is None:
                raise services.ReviewError(_("owner: no person has employee id %(id)s") % {"id": owner_id})
            services.action_add(
                review=review,
                title=request.POST.get("title", ""),
                owner_side=request.POST.get("owner_side", ""),
                owner_person=owner,
                due=due,
                actor=_actor(request),
            )
        except ValueError as exc:
            messages.error(request, str(exc) if isinstance(exc, services.ReviewError) else _("Give a due date."))
    return redirect("reviews:detail", pk=review.pk)


@capability("actions.close")
def action_close(request: HttpRequest, pk: int) -> HttpResponse:
    action = access.get_in_scope(actions_closable_scope(user_of(request)), pk=pk)
    if request.method == "POST":
        try:
            services.action_close(action=action, actor=_actor(request), note=request.POST.get("note", ""))
        except services.ReviewError as exc:
            messages.error(request, str(exc))
    next_url = request.POST.get("next", "")
    if next_url == "supplier":
        return redirect("reviews:supplier_detail", pk=action.supplier_id)
    return redirect("reviews:detail", pk=action.review_id)
