"""Pages for joint requisitions: thin views that parse a form, call a service or a
selector, and render. Domain errors are shown in the GOV.UK error summary."""

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import permissions
from accounts.models import Organisation, OrganisationKind, Role
from accounts.selectors import acting_organisation
from catalogue.models import Product
from catalogue.policies import orderable_problem
from core.errors import DomainError, NotPermitted
from core.invariants import present
from core.money import format_gbp
from procurement import selectors, services
from procurement.forms import (
    CancelForm,
    DecisionForm,
    ParticipationForm,
    ProductSearchForm,
    QuantityForm,
    ReleaseForm,
    RequisitionStartForm,
    SignOffForm,
)
from procurement.models import (
    JointRequisition,
    ParticipationStatus,
    RequisitionStatus,
)
from procurement.policies import approval as approval_policy
from procurement.policies import cancelling, pledging, sign_off
from procurement.presentation import charts
from procurement.states import REQUISITION

STATUS_ORDER = [
    RequisitionStatus.OPEN,
    RequisitionStatus.CLOSED,
    RequisitionStatus.APPROVED,
    RequisitionStatus.AWARDED,
    RequisitionStatus.CONTRACTED,
    RequisitionStatus.CANCELLED,
]


def acting_force(request, role: str) -> Organisation | None:
    """The force the user acts for in ``role``: the one chosen in the header if it fits,
    else their only force with that role."""
    chosen = acting_organisation(request)
    if chosen is not None and chosen.kind == OrganisationKind.FORCE:
        if permissions.has_role(request.user, role, chosen):
            return chosen
    forces = permissions.forces_where(request.user, role)
    return forces[0] if len(forces) == 1 else None


def _requisition_or_404(request, pk: int) -> JointRequisition:
    queryset = selectors.with_participations(selectors.requisitions_visible_to(request.user))
    return get_object_or_404(
        queryset.select_related("product__supplier", "created_by", "product_revision"), pk=pk
    )


# Lists.


@login_required
def requisition_open_list(request):
    """Open requisitions the user's force could join, with the saving it would get."""
    form = QuantityForm(request.GET or None)
    quantity = 1
    if form.is_bound and form.is_valid() and form.cleaned_data.get("quantity"):
        quantity = form.cleaned_data["quantity"]
    rows = []
    for requisition in selectors.open_requisitions_to_join(request.user):
        aggregation = selectors.requisition_aggregation(requisition)
        rows.append(
            {
                "requisition": requisition,
                "aggregation": aggregation,
                "saving": selectors.saving_for_joining(
                    requisition, quantity, pledged=aggregation.total_quantity
                ),
            }
        )
    return render(
        request,
        "procurement/requisition_open_list.html",
        {
            "rows": rows,
            "form": form,
            "quantity": quantity,
            "can_join": acting_force(request, Role.BUYER) is not None,
        },
    )


@login_required
def requisition_list(request):
    """The acting force's requisitions (the ICT company sees every one), by state."""
    organisation = acting_organisation(request)
    requisitions = selectors.requisitions_visible_to(request.user)
    if organisation is not None and organisation.kind == OrganisationKind.FORCE:
        requisitions = requisitions.filter(
            pk__in=selectors.requisition_ids_joined_by(organisation)
        ) | requisitions.filter(lead_force=organisation)
    elif organisation is not None and organisation.kind == OrganisationKind.SUPPLIER:
        requisitions = requisitions.filter(order__supplier=organisation)
    requisitions = selectors.with_participations(requisitions.distinct()).order_by(
        "closes_at", "pk"
    )
    groups: dict[str, list[JointRequisition]] = {status: [] for status in STATUS_ORDER}
    for requisition in requisitions:
        groups[requisition.status].append(requisition)
    sections = [
        {"status": status, "label": RequisitionStatus(status).label, "items": groups[status]}
        for status in STATUS_ORDER
    ]
    return render(
        request,
        "procurement/requisition_list.html",
        {
            "sections": sections,
            "organisation": organisation,
            "can_start": acting_force(request, Role.BUYER) is not None,
        },
    )


# Starting a requisition.


@login_required
@require_http_methods(["GET", "POST"])
def requisition_create(request):
    force = acting_force(request, Role.BUYER)
    if force is None:
        raise NotPermitted("Only a force's buyer can start a joint requisition.")
    product = None
    product_id = request.GET.get("product") or request.POST.get("product")
    if product_id:
        try:
            product = selectors.products_to_requisition().get(pk=int(product_id))
        except (ValueError, Product.DoesNotExist):
            product = None
            messages.error(
                request,
                "That product cannot be requisitioned: it is not a published, compliant product.",
            )
    if product is None:
        search = ProductSearchForm(request.GET or None)
        query = search.cleaned_data["q"] if search.is_bound and search.is_valid() else ""
        page = Paginator(selectors.products_to_requisition(query), 20).get_page(
            request.GET.get("page")
        )
        return render(
            request,
            "procurement/product_picker.html",
            {"search": search, "page": page, "query": query, "force": force},
        )
    form = RequisitionStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            requisition = services.requisition_start(
                user=request.user,
                force=force,
                product=product,
                closes_at=data["closes_at"],
                quantity=data["quantity"],
                delivery_address=data["delivery_address"],
                cost_centre=data["cost_centre"],
                needed_by=data["needed_by"],
                internal_note=data["internal_note"],
                note=data["note"],
                title=data["title"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, "Your joint requisition is open for other forces to join.")
            return redirect("procurement:requisition_detail", pk=requisition.pk)
    breaks = list(product.price_breaks.order_by("min_quantity"))
    return render(
        request,
        "procurement/requisition_create.html",
        {"form": form, "product": product, "breaks": breaks, "force": force},
    )


# The requisition page.


def _participation_rows(request, requisition, aggregation):
    figures = {f.key: f for f in aggregation.forces}
    counted = {p.pk for p in selectors.counted_participations(requisition)}
    rows = []
    for participation in requisition.participations.all():
        rows.append(
            {
                "participation": participation,
                "figures": figures.get(participation.pk),
                "counted": participation.pk in counted,
                "private": permissions.can_see_participation_details(request.user, participation),
                "share_with_vat": approval_policy.share_with_vat(participation)
                if participation.share is not None
                else None,
            }
        )
    return rows


@login_required
def requisition_detail(request, pk: int):
    requisition = _requisition_or_404(request, pk)
    aggregation = selectors.requisition_aggregation(requisition)
    rows = _participation_rows(request, requisition, aggregation)
    buyer_force = acting_force(request, Role.BUYER)
    finance_force = acting_force(request, Role.FINANCE)
    own = next(
        (r for r in rows if buyer_force and r["participation"].force_id == buyer_force.pk), None
    )
    now = selectors.now()
    own_participation = own["participation"] if own else None
    offer = pledging.pledge_offer(
        requisition,
        own_participation,
        takes_part_for_force=buyer_force is not None
        and permissions.can_take_part_for(request.user, buyer_force),
        now=now,
    )
    counted_rows = [r for r in rows if r["counted"]]
    chart = None
    breaks = selectors.price_breaks_of(requisition)
    limits = approval_policy.highest_approval_limits({r["participation"].force_id for r in rows})
    approval_warning = None
    if offer.can_change and own_participation is not None:
        approval_warning = selectors.approval_warning(
            requisition, own_participation, limits.get(own_participation.force_id)
        )
    blocking = approval_policy.blocking_shares(
        requisition, [r["participation"] for r in rows], limits
    )
    product_problem = (
        orderable_problem(requisition.product)
        if requisition.status
        in (RequisitionStatus.OPEN, RequisitionStatus.CLOSED, RequisitionStatus.APPROVED)
        else None
    )
    if counted_rows and breaks:
        description = _chart_description(requisition, aggregation)
        chart = charts.quantity_chart(
            breaks,
            [(r["participation"].force.name, r["participation"].quantity) for r in counted_rows],
            title="Quantity per force against the price breaks",
            description=description,
        )
    joining = None
    if offer.can_join:
        joining = selectors.saving_for_joining(requisition, 1, pledged=aggregation.total_quantity)
    order = (
        getattr(requisition, "order", None)
        if requisition.status
        in (
            RequisitionStatus.AWARDED,
            RequisitionStatus.CONTRACTED,
        )
        else None
    )
    context = {
        "requisition": requisition,
        "aggregation": aggregation,
        "rows": rows,
        "chart": chart,
        "breaks": breaks,
        "own": own,
        "buyer_force": buyer_force,
        "finance_force": finance_force,
        "joining": joining,
        "order": order,
        "open_for_pledges": offer.open_for_pledges,
        "can_join": offer.can_join,
        "can_change": offer.can_change,
        "can_withdraw": offer.can_withdraw,
        "can_close": REQUISITION.can(requisition, RequisitionStatus.CLOSED)
        and permissions.can_close_requisition(request.user, requisition),
        "can_cancel": cancelling.may_cancel(request.user, requisition),
        "is_commercial_lead": permissions.is_commercial_lead(request.user),
        "approval_warning": approval_warning,
        "blocking": blocking,
        "can_release": approval_policy.may_release(request.user),
        "release_form": ReleaseForm(),
        "product_problem": product_problem,
        **_sign_off_context(request, requisition),
        "vat_rate_percent": _percent(requisition.vat_rate),
    }
    return render(request, "procurement/requisition_detail.html", context)


def _percent(rate: Decimal | None) -> str:
    rate = rate if rate is not None else settings.VAT_RATE
    return f"{(rate * 100).normalize():f}%"


def _chart_description(requisition, aggregation) -> str:
    if not aggregation.total_quantity:
        return "No force has pledged a quantity yet."
    text = (
        f"{aggregation.force_count} forces together ask for {aggregation.total_quantity} units, "
        f"which reaches the price break from {aggregation.price_break.min_quantity} units at "
        f"{format_gbp(aggregation.unit_price)} each."
    )
    if aggregation.next_break is not None and requisition.status == RequisitionStatus.OPEN:
        text += (
            f" {aggregation.units_to_next_break} more units would reach the break from "
            f"{aggregation.next_break.min_quantity} units at "
            f"{format_gbp(aggregation.next_break.unit_price)} each."
        )
    return text


@login_required
@require_http_methods(["GET", "POST"])
def participation_edit(request, pk: int):
    """Join (or rejoin) the requisition for the acting force, or change its part."""
    requisition = _requisition_or_404(request, pk)
    force = acting_force(request, Role.BUYER)
    if force is None:
        raise NotPermitted("Only a force's buyer can take part in a requisition.")
    existing = next((p for p in requisition.participations.all() if p.force_id == force.pk), None)
    changing = existing is not None and existing.status == ParticipationStatus.ACTIVE
    problem = pledging.pledging_problem(
        requisition, selectors.now(), "change your force's part" if changing else "join it"
    )
    if problem:
        messages.error(request, problem)
        return redirect("procurement:requisition_detail", pk=requisition.pk)
    initial = {}
    if existing is not None:
        initial = {
            "quantity": existing.quantity,
            "delivery_address": existing.delivery_address,
            "cost_centre": existing.cost_centre,
            "needed_by": existing.needed_by,
            "internal_note": existing.internal_note,
        }
    form = ParticipationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if changing:
                participation = services.participation_change(
                    participation=present(existing, "the participation"), user=request.user, **data
                )
            else:
                participation = services.participation_join(
                    requisition=requisition, user=request.user, force=force, **data
                )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                f"{force.name}'s part has been changed."
                if changing
                else f"{force.name} has joined this requisition.",
            )
            warning = selectors.approval_warning_for(participation)
            if warning:
                messages.warning(request, warning)
            return redirect("procurement:requisition_detail", pk=requisition.pk)
    aggregation = selectors.requisition_aggregation(requisition)
    return render(
        request,
        "procurement/participation_form.html",
        {
            "form": form,
            "requisition": requisition,
            "force": force,
            "changing": changing,
            "aggregation": aggregation,
        },
    )


@login_required
@require_POST
def participation_withdraw(request, pk: int):
    requisition = _requisition_or_404(request, pk)
    force = acting_force(request, Role.BUYER)
    participation = next(
        (p for p in requisition.participations.all() if force and p.force_id == force.pk), None
    )
    if participation is None:
        messages.error(request, "Your force does not take part in this requisition.")
    else:
        services.participation_withdraw(participation=participation, user=request.user)
        force_name = present(force, "the acting force").name
        messages.success(request, f"{force_name} has withdrawn from this requisition.")
    return redirect("procurement:requisition_detail", pk=requisition.pk)


@login_required
@require_POST
def requisition_close(request, pk: int):
    requisition = _requisition_or_404(request, pk)
    services.requisition_close(requisition=requisition, user=request.user)
    messages.success(
        request, "The requisition is closed: each force's finance approver has been asked."
    )
    return redirect("procurement:requisition_detail", pk=requisition.pk)


@login_required
@require_http_methods(["GET", "POST"])
def requisition_cancel(request, pk: int):
    requisition = _requisition_or_404(request, pk)
    if not permissions.can_cancel_requisition(request.user, requisition):
        raise NotPermitted(
            "Only a buyer of the lead force or the ICT company's commercial lead can cancel."
        )
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.requisition_cancel(
                requisition=requisition, user=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, "The requisition has been cancelled.")
            return redirect("procurement:requisition_detail", pk=requisition.pk)
    return render(
        request, "procurement/requisition_cancel.html", {"form": form, "requisition": requisition}
    )


def _sign_off_context(request, requisition: JointRequisition) -> dict:
    """The sign-off rules' answer for the page (``policies.sign_off``, as the services ask
    it, on today's London date): the threshold, any split purchase and whether the award
    waits for a sign-off. Awarded and cancelled requisitions show what was recorded."""
    if requisition.status not in (RequisitionStatus.CLOSED, RequisitionStatus.APPROVED):
        return {"sign_off": None, "sign_off_missing": None}
    requirement = sign_off.sign_off_requirement(requisition)
    return {
        "sign_off": requirement,
        "sign_off_missing": sign_off.sign_off_missing(requisition, requirement),
        "sees_split_evidence": permissions.is_ict_company_member(request.user),
    }


@login_required
@require_http_methods(["GET", "POST"])
def requisition_sign_off(request, pk: int):
    """The commercial lead's sign-off: the evidence (threshold, split purchase) and the
    reasons, which a split purchase requires."""
    requisition = _requisition_or_404(request, pk)
    if not permissions.can_sign_off_and_award(request.user):
        raise NotPermitted("Only the ICT company's commercial lead can sign off.")
    form = SignOffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.requisition_sign_off(
                requisition=requisition, user=request.user, reasons=form.cleaned_data["reasons"]
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, "You have signed off this requisition: it can be awarded.")
            return redirect("procurement:requisition_detail", pk=requisition.pk)
    return render(
        request,
        "procurement/requisition_sign_off.html",
        {"form": form, "requisition": requisition, **_sign_off_context(request, requisition)},
    )


@login_required
@require_POST
def requisition_award(request, pk: int):
    requisition = _requisition_or_404(request, pk)
    order = services.requisition_award(requisition=requisition, user=request.user)
    messages.success(
        request, f"Awarded: order {order.number} is placed and its documents are requested."
    )
    return redirect("procurement:order_detail", pk=order.pk)


# Finance approval.


@login_required
def approval_queue(request):
    if not permissions.forces_where(request.user, Role.FINANCE):
        raise NotPermitted("The approval queue is for forces' finance approvers.")
    rows = []
    for participation in selectors.approval_queue_for(request.user):
        amount = approval_policy.share_with_vat(participation)
        approvals = [
            a for a in participation.approvals.all() if a.round == participation.approval_round
        ]
        limit = permissions.approval_limit(request.user, participation.force)
        decided = any(a.approver_id == request.user.pk for a in approvals)
        entered = approval_policy.separation_problem(request.user, participation) is not None
        rows.append(
            {
                "participation": participation,
                "amount": amount,
                "approvals": approvals,
                "limit": limit,
                "covers": approval_policy.limit_covers(limit, amount),
                "decided": decided,
                "entered": entered,
                "needs_second": bool(approvals)
                and not approval_policy.is_fully_approved(participation, approvals),
            }
        )
    return render(request, "procurement/approval_queue.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def participation_decide(request, pk: int):
    participation = get_object_or_404(
        selectors.participations_visible_to(request.user).select_related(
            "joint_requisition__product", "entered_by", "last_changed_by"
        ),
        pk=pk,
    )
    if not permissions.can_decide_share(request.user, participation):
        raise NotPermitted(
            f"Only a finance approver of {participation.force.name} can decide on its share."
        )
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        service = (
            services.participation_approve
            if form.cleaned_data["decision"] == "approve"
            else services.participation_reject
        )
        try:
            approval = service(
                participation=participation,
                approver=request.user,
                comment=form.cleaned_data["comment"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            participation.refresh_from_db()
            if approval.decision == "reject":
                text = "You rejected the share: your force has dropped out of this requisition."
            elif participation.status == ParticipationStatus.APPROVED:
                text = "You approved the share."
            else:
                text = (
                    "You gave the first approval. The share is above your limit: a colleague "
                    "whose limit covers it must give the second approval."
                )
            messages.success(request, text)
            return redirect("procurement:approval_queue")
    approvals = list(
        participation.approvals.filter(round=participation.approval_round).select_related(
            "approver"
        )
    )
    amount = approval_policy.share_with_vat(participation)
    limit = permissions.approval_limit(request.user, participation.force)
    return render(
        request,
        "procurement/participation_decide.html",
        {
            "form": form,
            "participation": participation,
            "requisition": participation.joint_requisition,
            "approvals": approvals,
            "amount": amount,
            "limit": limit,
            "covers": approval_policy.limit_covers(limit, amount),
            "set_quantity": approval_policy.separation_problem(request.user, participation),
        },
    )


# The commercial lead.


@login_required
@require_POST
def participation_release(request, pk: int):
    """The commercial lead releases a force whose share no approver of it can cover."""
    participation = get_object_or_404(selectors.participations_visible_to(request.user), pk=pk)
    form = ReleaseForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    services.participation_release(participation=participation, user=request.user, reason=reason)
    messages.success(
        request,
        f"{participation.force.name} has been released: the other shares are re-priced.",
    )
    return redirect("procurement:requisition_detail", pk=participation.joint_requisition_id)


@login_required
def commercial_queue(request):
    if not permissions.is_commercial_lead(request.user):
        raise NotPermitted("This queue is for the ICT company's commercial leads.")
    queues = selectors.commercial_queue()
    awaiting_approval = list(queues["awaiting_approval"])
    blocked = approval_policy.blocked_requisition_ids(awaiting_approval)
    return render(
        request,
        "procurement/commercial_queue.html",
        {
            "to_sign_off": queues["to_sign_off"],
            "to_award": queues["to_award"],
            "awaiting_approval": awaiting_approval,
            "blocked": blocked,
        },
    )


# Orders.


@login_required
def order_list(request):
    orders = selectors.orders_visible_to(request.user).order_by("-created_at")
    page = Paginator(orders, 25).get_page(request.GET.get("page"))
    return render(request, "procurement/order_list.html", {"page": page})


@login_required
def order_detail(request, pk: int):
    order = get_object_or_404(selectors.orders_visible_to(request.user), pk=pk)
    lines = selectors.order_lines_visible_to(request.user, order)
    all_lines = len(lines) == order.lines.count()
    order_documents = list(
        selectors.documents_visible_to(request.user)
        .filter(order=order)
        .order_by("kind", "force__name", "-version")
    )
    seen = set()
    for document in order_documents:  # newest version first within each document
        # For the template only: not a field of the model.
        document.is_newest = (document.kind, document.force_id) not in seen  # type: ignore[attr-defined]
        seen.add((document.kind, document.force_id))
    return render(
        request,
        "procurement/order_detail.html",
        {
            "order": order,
            "lines": lines,
            "all_lines": all_lines,
            "order_documents": order_documents,
            "documents_pending": any(d.status in ("queued", "rendering") for d in order_documents),
            "can_retry_documents": permissions.can_retry_documents(request.user),
        },
    )
