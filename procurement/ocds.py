"""Open Contracting Data Standard 1.1 releases for joint requisitions.

A release is written once, when its event happens (tender when a requisition opens,
tenderCancellation if it is cancelled, award when it is awarded, contract when its documents
are ready), and never changed: like any publication, later events add releases. OCDS wants
JSON numbers for amounts; they are written from Decimals rounded to pence.
"""

from datetime import UTC
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import Organisation, OrganisationKind
from procurement.models import (
    DocumentKind,
    DocumentStatus,
    JointRequisition,
    OcdsRelease,
    Order,
    ParticipationStatus,
)

CURRENCY = "GBP"
SERVICE_DIVISIONS = {"50", "51", "64", "71", "72", "73", "75", "79", "80", "85", "90", "92", "98"}


def ocid_for(requisition_key: str) -> str:
    return f"{settings.OCDS_OCID_PREFIX}-{requisition_key}"


def _amount(value: Decimal | None) -> float | None:
    return None if value is None else float(Decimal(value).quantize(Decimal("0.01")))


def _value(amount: Decimal | None) -> dict:
    return {"amount": _amount(amount), "currency": CURRENCY}


def _date(value) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _party_id(organisation: Organisation) -> str:
    return f"{settings.OCDS_OCID_PREFIX}-org-{organisation.slug}"


def _party(organisation: Organisation, roles: list[str]) -> dict:
    party: dict[str, Any] = {
        "id": _party_id(organisation),
        "name": organisation.name,
        "roles": roles,
    }
    if organisation.address:
        party["address"] = {"streetAddress": organisation.address.replace("\n", ", ")}
    return party


def _reference(organisation: Organisation) -> dict:
    return {"id": _party_id(organisation), "name": organisation.name}


def _classification(requisition: JointRequisition) -> dict:
    category = requisition.product.category
    return {
        "scheme": "CPV",
        "id": category.cpv_code.split("-")[0],
        "description": category.name,
    }


def _item(requisition: JointRequisition, quantity: int | None, unit_price: Decimal) -> dict:
    product = requisition.product
    item: dict[str, Any] = {
        "id": "1",
        "description": f"{product.name} ({product.supplier.name}, SKU {product.sku})",
        "classification": _classification(requisition),
        "unit": {"name": product.get_unit_display(), "value": _value(unit_price)},
    }
    if quantity is not None:
        item["quantity"] = quantity
    return item


def _main_category(requisition: JointRequisition) -> str:
    division = requisition.product.category.cpv_code[:2]
    return "services" if division in SERVICE_DIVISIONS else "goods"


def _forces(requisition: JointRequisition, statuses) -> list[Organisation]:
    return [
        p.force
        for p in requisition.participations.filter(status__in=statuses)
        .select_related("force")
        .order_by("force__name")
    ]


def _ict_company() -> Organisation | None:
    return Organisation.objects.filter(kind=OrganisationKind.ICT_COMPANY).first()


def _base(requisition: JointRequisition, tag: str, date) -> dict:
    return {
        "ocid": requisition.ocid,
        "id": f"{requisition.ocid}-{tag}",
        "date": _date(date),
        "tag": [tag],
        "initiationType": "tender",
        "language": "en",
    }


def _tender(requisition: JointRequisition, status: str, quantity: int | None) -> dict:
    product = requisition.product
    ict_company = _ict_company()
    tender = {
        "id": f"{requisition.ocid}-tender",
        "title": str(requisition),
        "status": status,
        "items": [_item(requisition, quantity, product.list_price)],
        "procurementMethod": "direct",
        "procurementMethodDetails": (
            "Call-off from the Network Code catalogue: police forces pool their demand in a "
            "joint requisition so that the pooled quantity reaches a cheaper price break."
        ),
        "mainProcurementCategory": _main_category(requisition),
        "tenderPeriod": {
            "startDate": _date(requisition.created_at),
            "endDate": _date(requisition.closes_at),
        },
    }
    if requisition.note:
        tender["description"] = requisition.note
    if ict_company:
        tender["procuringEntity"] = _reference(ict_company)
    return tender


def _parties(requisition: JointRequisition, forces, with_supplier: bool) -> list[dict]:
    parties = []
    ict_company = _ict_company()
    if ict_company:
        parties.append(_party(ict_company, ["procuringEntity"]))
    parties += [_party(force, ["buyer"]) for force in forces]
    if with_supplier:
        parties.append(_party(requisition.product.supplier, ["supplier"]))
    return parties


def tender_release(requisition: JointRequisition) -> dict:
    forces = _forces(requisition, [ParticipationStatus.ACTIVE])
    quantity = sum(
        p.quantity for p in requisition.participations.filter(status=ParticipationStatus.ACTIVE)
    )
    return {
        **_base(requisition, "tender", requisition.created_at),
        "parties": _parties(requisition, forces, with_supplier=False),
        "buyer": _reference(requisition.lead_force),
        "tender": _tender(requisition, "active", quantity or None),
    }


def cancellation_release(requisition: JointRequisition) -> dict:
    release = {
        **_base(requisition, "tenderCancellation", requisition.cancelled_at or timezone.now()),
        "parties": _parties(requisition, [requisition.lead_force], with_supplier=False),
        "buyer": _reference(requisition.lead_force),
        "tender": _tender(requisition, "cancelled", None),
    }
    if requisition.cancellation_reason:
        release["tender"]["statusDetails"] = requisition.cancellation_reason
    return release


def _award(order: Order) -> dict:
    requisition = order.joint_requisition
    return {
        "id": f"{requisition.ocid}-award",
        "title": f"Award of {requisition}",
        "description": (
            f"{requisition.total_quantity} units for {order.lines.count()} police forces at a "
            f"pooled unit price of {order.unit_price} GBP excluding VAT. The value includes VAT."
        ),
        "status": "active",
        "date": _date(requisition.awarded_at or order.created_at),
        "value": _value(order.total),
        "suppliers": [_reference(order.supplier)],
        "items": [_item(requisition, requisition.total_quantity, order.unit_price)],
    }


def award_release(order: Order) -> dict:
    requisition = order.joint_requisition
    forces = [line.force for line in order.lines.select_related("force").order_by("force__name")]
    return {
        **_base(requisition, "award", requisition.awarded_at or order.created_at),
        "parties": _parties(requisition, forces, with_supplier=True),
        "buyer": _reference(requisition.lead_force),
        "tender": _tender(requisition, "complete", requisition.total_quantity),
        "awards": [_award(order)],
    }


def contract_release(order: Order) -> dict:
    requisition = order.joint_requisition
    forces = [line.force for line in order.lines.select_related("force").order_by("force__name")]
    contract_documents = [
        document
        for document in order.documents.filter(
            kind=DocumentKind.CONTRACT, status=DocumentStatus.DONE
        ).order_by("version")
    ]
    documents = [
        {
            "id": document.number + (f"-v{document.version}" if document.version > 1 else ""),
            "documentType": "contractSchedule",
            "title": f"Call-off contract {document.number}, version {document.version}",
            "description": (
                "The call-off contract with its schedule of participating forces, issued to the "
                "parties for signature. Downloads need a Network Code account of a party."
            ),
            "url": settings.SITE_URL.rstrip("/")
            + reverse("api:document-download", args=[document.pk]),
            "format": "application/pdf",
            "datePublished": _date(document.finished_at or timezone.now()),
            "language": "en",
        }
        for document in contract_documents
    ]
    contract = {
        "id": f"{requisition.ocid}-contract",
        "awardID": f"{requisition.ocid}-award",
        "title": f"Call-off contract for {requisition}",
        "status": "active",
        "value": _value(order.total),
        "items": [_item(requisition, requisition.total_quantity, order.unit_price)],
        "documents": documents,
    }
    return {
        **_base(requisition, "contract", order.contracted_at or timezone.now()),
        "parties": _parties(requisition, forces, with_supplier=True),
        "buyer": _reference(requisition.lead_force),
        "awards": [_award(order)],
        "contracts": [contract],
    }


def _publish(requisition: JointRequisition, tag: str, data: dict) -> OcdsRelease:
    """Write a release once; publishing the same event again returns the first."""
    existing = OcdsRelease.objects.filter(joint_requisition=requisition, tag=tag).first()
    if existing:
        return existing
    date = parse_datetime(data["date"])
    if date is None:  # every release's date comes from _date, so this is a programming error
        raise ValueError(f"A release's date must be an ISO 8601 date and time: {data['date']!r}")
    try:
        with transaction.atomic():
            return OcdsRelease.objects.create(
                joint_requisition=requisition,
                release_id=data["id"],
                tag=tag,
                date=date,
                data=data,
            )
    except IntegrityError:
        return OcdsRelease.objects.get(joint_requisition=requisition, tag=tag)


def publish_tender(requisition: JointRequisition) -> OcdsRelease:
    return _publish(requisition, "tender", tender_release(requisition))


def publish_cancellation(requisition: JointRequisition) -> OcdsRelease:
    return _publish(requisition, "tenderCancellation", cancellation_release(requisition))


def publish_award(order: Order) -> OcdsRelease:
    return _publish(order.joint_requisition, "award", award_release(order))


def publish_contract(order: Order) -> OcdsRelease:
    return _publish(order.joint_requisition, "contract", contract_release(order))


def release_package(releases: list[dict], *, uri: str) -> dict:
    """An OCDS 1.1 release package around the given releases."""
    ict_company = _ict_company()
    package = {
        "uri": uri,
        "version": "1.1",
        "publishedDate": _date(timezone.now()),
        "publisher": {"name": ict_company.name if ict_company else "Network Code"},
        "license": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        "releases": releases,
    }
    return package
