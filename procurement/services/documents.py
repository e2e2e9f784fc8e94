"""Contract documents: what they say (a snapshot fixed when requested), rendering them in a
worker, storing them, and knowing when an order's documents are all ready.

A document is identified by (order, kind, force, version); that key is unique in the
database, so a duplicated or retried task can never produce a second document. Rendering
happens outside any transaction; the file is stored under a fresh, non-guessable name and
only becomes visible when the row that points at it is committed as done, so a worker killed
mid-render leaves nothing visible, and the redelivered task renders again.
"""

from collections import defaultdict
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts import audit
from accounts.models import Organisation, User
from accounts.permissions import can_retry_documents
from catalogue.models import ConformanceStatus
from core.errors import NotPermitted
from procurement.audit_actions import ProcurementAudit
from procurement.models import (
    Approval,
    ApprovalDecision,
    Document,
    DocumentKind,
    DocumentStatus,
    JointRequisition,
    Order,
    OrderStatus,
    RequisitionStatus,
    document_upload_to,
)
from procurement.policies import sign_off
from procurement.presentation.rendering import render_html, render_pdf
from procurement.services import publication
from procurement.states import DOCUMENT, ORDER, REQUISITION

# Keyed by the choice's value, as a Document's ``kind`` holds it.
TEMPLATES: dict[str, str] = {
    DocumentKind.CONTRACT: "documents/contract.html",
    DocumentKind.PURCHASE_ORDER: "documents/purchase_order.html",
}
TITLES: dict[str, str] = {
    DocumentKind.CONTRACT: "Call-off contract",
    DocumentKind.PURCHASE_ORDER: "Purchase order",
}


# The key of each force's own details in ``order_snapshot``: never in the contract.
PRIVATE = "private_by_force"


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _when(value) -> str | None:
    return value.isoformat() if value else None


def percent(rate: Decimal) -> str:
    """0.20 -> "20", 0.175 -> "17.5"."""
    value = (rate * 100).normalize()
    return f"{value:f}"


def _person(user: User | None) -> str:
    if user is None:
        return "the system"
    return user.get_full_name()


def contract_number(order_number: str) -> str:
    return f"{order_number}-C"


def document_number(order: Order, kind: str, force: Organisation | None) -> str:
    if kind == DocumentKind.CONTRACT:
        return contract_number(order.number)
    if force is None:
        raise ValueError("A purchase order is numbered for one force: name it.")
    return f"{order.number}-PO-{force.slug.upper()}"


def order_snapshot(order: Order) -> dict:
    """Everything the order's documents say, as plain JSON (Decimals as strings).

    What every party may know (forces, quantities, unit price, shares, totals) is kept apart
    from each force's own details (delivery address, cost centre, approvers), which are
    under ``PRIVATE``, keyed by force id: ``document_snapshot`` gives the contract none of
    them and each purchase order only its own force's.
    """
    requisition = order.joint_requisition
    product = requisition.product
    revision = requisition.product_revision
    ict_company = Organisation.objects.ict_company()
    lines = list(order.lines.select_related("force", "participation").order_by("force__name"))
    # Every line's approvals in one query; only those of the share's current round count.
    by_participation: dict[int, list[Approval]] = defaultdict(list)
    for approval in (
        Approval.objects.filter(
            participation__in=[line.participation_id for line in lines],
            decision=ApprovalDecision.APPROVE,
        )
        .select_related("approver")
        .order_by("created_at", "pk")
    ):
        by_participation[approval.participation_id].append(approval)
    private = {
        line.force_id: {
            "delivery_address": line.delivery_address,
            "cost_centre": line.cost_centre,
            "approvals": [
                {
                    "approver": _person(approval.approver),
                    "decision": approval.get_decision_display(),
                    "amount": _money(approval.amount),
                    "approver_limit": _money(approval.approver_limit),
                    "comment": approval.comment,
                    "at": _when(approval.created_at),
                }
                for approval in by_participation[line.participation_id]
                if approval.round == line.participation.approval_round
            ],
        }
        for line in lines
    }
    standards = [
        {
            "reference": c.standard_version.standard.reference,
            "title": c.standard_version.standard.title,
            "version": c.standard_version.version,
            "verified_at": _when(c.decided_at),
        }
        for c in product.conformances.filter(status=ConformanceStatus.VERIFIED)
        .select_related("standard_version__standard")
        .order_by("standard_version__standard__reference")
    ]
    vat_rate = requisition.vat_rate if requisition.vat_rate is not None else Decimal("0")
    return {
        "order": {
            "number": order.number,
            "unit_price": _money(order.unit_price),
            "subtotal": _money(order.subtotal),
            "vat": _money(order.vat),
            "total": _money(order.total),
            "vat_rate_percent": percent(vat_rate),
            "notifiable": order.notifiable,
        },
        "requisition": {
            "ocid": requisition.ocid,
            "title": str(requisition),
            "total_quantity": requisition.total_quantity,
            "price_break_min_quantity": requisition.price_break_min_quantity,
            "closed_at": _when(requisition.closed_at),
        },
        "ict_company": {
            "name": ict_company.name if ict_company else "The Police ICT Company",
            "address": ict_company.address if ict_company else "",
        },
        "supplier": {"name": order.supplier.name, "address": order.supplier.address},
        "product": {
            "name": product.name,
            "sku": product.sku,
            "summary": product.summary,
            "unit": product.get_unit_display(),
            "category": product.category.name,
            "cpv_code": product.category.cpv_code,
            "list_price": _money(product.list_price),
            "revision": revision.number if revision else None,
        },
        "standards": standards,
        # Public: what the contract's schedule lists for every force.
        "lines": [
            {
                "force": line.force.name,
                "force_id": line.force_id,
                "quantity": line.quantity,
                "share": _money(line.share),
                "vat": _money(line.vat),
                "total": _money(line.total),
            }
            for line in lines
        ],
        PRIVATE: private,
        "sign_off": _sign_off(requisition),
        "sign_off_required": _sign_off_required(requisition),
        "award": {"by": _person(requisition.awarded_by), "at": _when(requisition.awarded_at)},
    }


def _sign_off(requisition: JointRequisition) -> dict | None:
    """The sign-off as recorded: who, when, on what grounds, the evidence and the reasons."""
    if requisition.signed_off_at is None:
        return None
    evidence = requisition.sign_off_evidence or {}
    return {
        "by": _person(requisition.signed_off_by),
        "at": _when(requisition.signed_off_at),
        "grounds": requisition.sign_off_grounds,
        "grounds_label": requisition.get_sign_off_grounds_display(),
        "reasons": requisition.sign_off_reasons,
        "threshold": evidence.get("threshold"),
        "split": evidence.get("split"),
    }


def _sign_off_required(requisition: JointRequisition) -> dict:
    """Whether the rules required a sign-off at award, with the threshold that applied (the
    lower of those in force on the London dates of opening and of award)."""
    return {
        "needed": sign_off.needs_sign_off(requisition),
        "threshold": sign_off.sign_off_threshold(requisition).as_json(),
    }


def document_snapshot(
    order_data: dict,
    *,
    kind: str,
    number: str,
    version: int,
    force: Organisation | None = None,
) -> dict:
    """What one document says: the contract only what every party may know; a purchase
    order, in addition, its own force's delivery address, cost centre and approvers."""
    public = {key: value for key, value in order_data.items() if key != PRIVATE}
    snapshot = {
        **public,
        "kind": kind,
        "title": TITLES[kind],
        "number": number,
        "version": version,
        "issued_at": timezone.now().isoformat(),
    }
    if kind == DocumentKind.PURCHASE_ORDER:
        if force is None:
            raise ValueError("A purchase order is for one force: name it.")
        own = order_data[PRIVATE][force.pk]
        line = {
            **next(line for line in order_data["lines"] if line["force_id"] == force.pk),
            "delivery_address": own["delivery_address"],
            "cost_centre": own["cost_centre"],
        }
        snapshot["line"] = line
        snapshot["lines"] = [line]
        snapshot["lines_count"] = len(order_data["lines"])
        snapshot["approvals"] = own["approvals"]
        snapshot["contract_number"] = contract_number(order_data["order"]["number"])
    return snapshot


def _enqueue(document_ids: list[int]) -> None:
    for document_id in document_ids:
        _enqueue_one(document_id)


def _enqueue_one(document_id: int) -> None:
    # Imported here: procurement.tasks imports this module (a cycle at import time).
    from procurement.tasks import render_document

    transaction.on_commit(lambda: render_document.delay(document_id))


@transaction.atomic
def documents_request(*, order: Order, actor: User | None) -> list[Document]:
    """Queue the call-off contract and one purchase order per force (version 1).

    Idempotent: asking again for an order whose documents exist returns them unchanged.
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    existing = list(order.documents.filter(version=1))
    if existing:
        return existing
    order_data = order_snapshot(order)
    wanted = [(DocumentKind.CONTRACT, None)] + [
        (DocumentKind.PURCHASE_ORDER, line.force)
        for line in order.lines.select_related("force").order_by("force__name")
    ]
    documents = []
    for kind, force in wanted:
        number = document_number(order, kind, force)
        documents.append(
            Document(
                order=order,
                kind=kind,
                force=force,
                version=1,
                number=number,
                snapshot=document_snapshot(
                    order_data, kind=kind, number=number, version=1, force=force
                ),
            )
        )
    Document.objects.bulk_create(documents)
    documents = list(order.documents.filter(version=1).order_by("pk"))
    order.documents_requested_at = timezone.now()
    order.save(update_fields=["documents_requested_at"])
    audit.record(
        actor=actor,
        action=ProcurementAudit.ORDER_DOCUMENTS_REQUESTED,
        obj=order,
        after={"documents": [d.number for d in documents]},
    )
    _enqueue([d.pk for d in documents])
    return documents


def _set_progress(document_id: int, percent: int) -> None:
    Document.objects.filter(pk=document_id, status=DocumentStatus.RENDERING).update(
        progress=percent
    )


def document_render(*, document_id: int) -> Document:
    """Render, store and mark a document done. Safe to run twice, or at once in two workers."""
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document_id)
        if not DOCUMENT.can(document, DocumentStatus.RENDERING):
            return document  # done, or failed and waiting for a commercial lead's retry
        DOCUMENT.apply(
            document,
            DocumentStatus.RENDERING,
            actor=None,
            action=ProcurementAudit.DOCUMENT_RENDERING,
            changes={
                "attempts": document.attempts + 1,
                "progress": 5,
                "started_at": timezone.now(),
            },
        )

    pdf = render_pdf(
        TEMPLATES[document.kind],
        {"doc": document.snapshot},
        progress=lambda percent: _set_progress(document_id, percent),
    )
    stored_name = default_storage.save(document_upload_to(document, ""), ContentFile(pdf.content))

    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document_id)
        if not DOCUMENT.can(document, DocumentStatus.DONE):
            default_storage.delete(stored_name)  # another worker finished first (or it failed)
            return document
        document.file.name = stored_name
        DOCUMENT.apply(
            document,
            DocumentStatus.DONE,
            actor=None,
            action=ProcurementAudit.DOCUMENT_RENDERED,
            changes={
                "sha256": pdf.sha256,
                "page_count": pdf.page_count,
                "size_bytes": len(pdf.content),
                "progress": 100,
                "error": "",
                "finished_at": timezone.now(),
            },
            details={"pages": pdf.page_count},
        )
        _complete_order_if_ready(document.order_id)
    return document


def latest_documents(order: Order) -> list[Document]:
    """The newest version of each of the order's documents."""
    newest = {}
    for document in order.documents.select_related("force").order_by("kind", "force_id", "version"):
        newest[(document.kind, document.force_id)] = document
    return sorted(newest.values(), key=lambda d: (d.kind != DocumentKind.CONTRACT, d.number))


def _complete_order_if_ready(order_id: int) -> None:
    """When the newest version of every document is done, the order and its requisition are
    contracted and the contract is published as open data."""

    order = Order.objects.select_for_update().get(pk=order_id)
    if not ORDER.can(order, OrderStatus.CONTRACTED):
        return
    if not all(d.status == DocumentStatus.DONE for d in latest_documents(order)):
        return
    requisition = JointRequisition.objects.select_for_update().get(pk=order.joint_requisition_id)
    ORDER.apply(
        order,
        OrderStatus.CONTRACTED,
        actor=None,
        action=ProcurementAudit.ORDER_CONTRACTED,
        changes={"contracted_at": timezone.now()},
    )
    if REQUISITION.can(requisition, RequisitionStatus.CONTRACTED):
        REQUISITION.apply(
            requisition,
            RequisitionStatus.CONTRACTED,
            actor=None,
            action=ProcurementAudit.REQUISITION_CONTRACTED,
            organisation=requisition.lead_force,
        )
    publication.publish_contract(order)


@transaction.atomic
def document_note_retry(*, document_id: int, error: str) -> None:
    """Between automatic retries: queued again, with what went wrong."""
    document = Document.objects.select_for_update().get(pk=document_id)
    context = {"by_worker": True}
    if not DOCUMENT.can(document, DocumentStatus.QUEUED, **context):
        return  # done (another worker finished) or already failed
    DOCUMENT.apply(
        document,
        DocumentStatus.QUEUED,
        actor=None,
        action=ProcurementAudit.DOCUMENT_RETRYING,
        changes={"progress": 0, "error": f"Retrying after: {error}"[:2000]},
        context=context,
    )


@transaction.atomic
def document_mark_failed(*, document_id: int, error: str) -> None:
    document = Document.objects.select_for_update().get(pk=document_id)
    if not DOCUMENT.can(document, DocumentStatus.FAILED):
        return  # done, or its failure already recorded
    DOCUMENT.apply(
        document,
        DocumentStatus.FAILED,
        actor=None,
        action=ProcurementAudit.DOCUMENT_FAILED,
        changes={"error": error[:2000], "progress": 0},
    )


def _require_commercial_lead(actor: User) -> None:
    if not can_retry_documents(actor):
        raise NotPermitted("Only a commercial lead can retry or regenerate contract documents.")


@transaction.atomic
def document_retry(*, document: Document, actor: User) -> Document:
    """Put a failed document back in the queue (same version: it never had a file)."""
    _require_commercial_lead(actor)
    locked = Document.objects.select_for_update().get(pk=document.pk)
    DOCUMENT.apply(
        locked,
        DocumentStatus.QUEUED,
        actor=actor,
        action=ProcurementAudit.DOCUMENT_RETRIED,
        changes={"error": "", "progress": 0},
    )
    _enqueue([locked.pk])
    return locked


@transaction.atomic
def document_regenerate(*, document: Document, actor: User) -> Document:
    """Issue a new version of a document from the order as it is now; old versions stay."""
    _require_commercial_lead(actor)
    order = Order.objects.select_for_update().get(pk=document.order_id)
    latest = (
        order.documents.filter(kind=document.kind, force=document.force).aggregate(Max("version"))[
            "version__max"
        ]
        or 0
    )
    version = latest + 1
    number = document_number(order, document.kind, document.force)
    new = Document.objects.create(
        order=order,
        kind=document.kind,
        force=document.force,
        version=version,
        number=number,
        snapshot=document_snapshot(
            order_snapshot(order),
            kind=document.kind,
            number=number,
            version=version,
            force=document.force,
        ),
    )
    audit.record(
        actor=actor,
        action=ProcurementAudit.DOCUMENT_REGENERATED,
        obj=new,
        after={"number": number, "version": version},
    )
    _enqueue([new.pk])
    return new


def document_preview_html(document: Document) -> str:
    """The document as HTML for the browser: the same template as its PDF."""
    return render_html(TEMPLATES[document.kind], {"doc": document.snapshot}, for_print=False)
