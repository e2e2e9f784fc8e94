"""Open Contracting Data Standard 1.1 releases for joint requisitions.

A release is written once and never changed: like any publication, later events add
releases. The requisition's opening is a ``tender`` release; every change of the pool (a
force joins, changes its quantity or withdraws) is a ``tenderUpdate`` with the pool as it
then is, at most one a minute per requisition (a burst of changes is one update, published
when the minute is up), and always one at close; then ``tenderCancellation``, ``award`` and
``contract``. Every amount follows one convention, stated in ``POLICY`` and served with the
packages: see ``POLICY``. This module builds the releases; ``procurement.services.publication``
writes them.
"""

import datetime
import re
from datetime import UTC
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organisation
from catalogue.domain.pricing import unit_price_for
from catalogue.models import PriceBreak
from procurement.models import (
    DocumentKind,
    DocumentStatus,
    JointRequisition,
    Order,
    Participation,
    ParticipationStatus,
    RequisitionStatus,
)

CURRENCY = "GBP"
SERVICE_DIVISIONS = {"50", "51", "64", "71", "72", "73", "75", "79", "80", "85", "90", "92", "98"}

# The tags of the releases that describe the tender (the pool).
OPENED, UPDATED = "tender", "tenderUpdate"
TENDER_TAGS = (OPENED, UPDATED)
# At most one tender release a minute per requisition.
MINUTE = datetime.timedelta(minutes=1)
# The forces that take part: they are the buyers, and their quantities are the pool.
PARTICIPATING = (
    ParticipationStatus.ACTIVE,
    ParticipationStatus.AWAITING_APPROVAL,
    ParticipationStatus.APPROVED,
)
# Where each force's quantity is written, in a tender, award or contract description: OCDS
# 1.1.5 has no field for a party's share of an item (parties' ``details`` are for extensions).
BY_FORCE = "Quantity by force:"

POLICY = """\
Network Code: OCDS publication policy

What is published. Every joint requisition has an ocid. Its opening is a `tender` release.
Each change of the pool (a force joins, changes its quantity or withdraws) is a
`tenderUpdate` release with the pool as it then is: at most one a minute per requisition,
so a burst of changes is one update, published when the minute is up; the close always
publishes one. Then a `tenderCancellation`, an `award` or a `contract` release. Releases
are never changed; later events add releases.

Parties. Every force taking part is a party with the role `buyer`; the Police ICT Company
is the `procuringEntity`; the supplier is a `supplier` from the award on. The release's
`buyer` is the lead force. A cancellation names every force that took part.

Quantities. `tender.items[0].quantity` is the pooled quantity of the forces taking part.
Each force's own quantity is listed, one force to a line ("Force name: N units"), after
the line "Quantity by force:" in the tender's, award's and contract's `description` (OCDS
1.1.5 has no field for a party's quantity).

Amounts: gross and net. Every `Value.amount` in this publication, in `tender`, `awards`
and `contracts`, is in GBP and includes VAT. Totals (`tender.value`, `awards.value`,
`contracts.value`) are the amounts charged including VAT, to the penny, as on the order
and the contract. Unit values (`items.unit.value`) are the net unit price multiplied by one
plus the VAT rate, exact (not rounded). OCDS 1.1.5 has no field for a net amount, so none
is published as a Value; net amounts and VAT are in the contract documents. Before close,
`tender.value` is absent and the unit value is the price at the pooled quantity so far.

Paging. `/api/v1/ocds/releases/` serves release packages, oldest release first, paged with
`page` and `page_size`; a package that is one page of several has `links.next` and/or
`links.prev` (and the same links in an HTTP `Link` header). Filters: `date_from`,
`date_to` (ISO 8601 date-times) and `tag` (a release tag).
"""


def ocid_for(requisition_key: str) -> str:
    return f"{settings.OCDS_OCID_PREFIX}-{requisition_key}"


def _amount(value: Decimal) -> float:
    """A total charged, to the penny."""
    return float(Decimal(value).quantize(Decimal("0.01")))


def _value(amount: Decimal) -> dict:
    return {"amount": _amount(amount), "currency": CURRENCY}


def unit_value(net_unit_price: Decimal, vat_rate: Decimal) -> dict:
    """A unit's value including VAT, exact: see ``POLICY``."""
    gross = Decimal(net_unit_price) * (1 + Decimal(vat_rate))
    return {"amount": float(gross.normalize()), "currency": CURRENCY}


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


def _item(
    requisition: JointRequisition, quantity: int | None, unit_price: Decimal, vat_rate: Decimal
) -> dict:
    product = requisition.product
    item: dict[str, Any] = {
        "id": "1",
        "description": f"{product.name} ({product.supplier.name}, SKU {product.sku})",
        "classification": _classification(requisition),
        "unit": {"name": product.get_unit_display(), "value": unit_value(unit_price, vat_rate)},
    }
    if quantity:
        item["quantity"] = quantity
    return item


def _main_category(requisition: JointRequisition) -> str:
    division = requisition.product.category.cpv_code[:2]
    return "services" if division in SERVICE_DIVISIONS else "goods"


def _ict_company() -> Organisation | None:
    return Organisation.objects.ict_company()


def participations_of(
    requisition: JointRequisition, statuses, leaving: Participation | None = None
) -> list[Participation]:
    participations = requisition.participations.filter(status__in=statuses)
    if leaving is not None:
        participations = participations.exclude(pk=leaving.pk)
    return list(participations.select_related("force").order_by("force__name", "pk"))


def pool_of(requisition: JointRequisition, leaving: Participation | None = None) -> dict[str, int]:
    """Each participating force's quantity, by the force's slug (without ``leaving``)."""
    return {
        p.force.slug: p.quantity for p in participations_of(requisition, PARTICIPATING, leaving)
    }


def _by_force(lines: list[tuple[str, int]]) -> str:
    return "\n".join([BY_FORCE, *(f"{name}: {quantity} units" for name, quantity in lines)])


def force_quantities(release: dict) -> dict[str, int]:
    """Each force's quantity as a release states it (the inverse of what ``_by_force`` writes):
    in the tender's description, else the award's."""
    for description in (
        release.get("tender", {}).get("description", ""),
        *(award.get("description", "") for award in release.get("awards", [])),
    ):
        if BY_FORCE in description:
            listed = description.split(BY_FORCE, 1)[1]
            return {
                match[1]: int(match[2])
                for match in re.finditer(r"^(.+): (\d+) units$", listed, re.MULTILINE)
            }
    return {}


def _base(requisition: JointRequisition, release_id: str, tag: str, date) -> dict:
    return {
        "ocid": requisition.ocid,
        "id": release_id,
        "date": _date(date),
        "tag": [tag],
        "initiationType": "tender",
        "language": "en",
    }


def _price_now(requisition: JointRequisition, quantity: int) -> tuple[Decimal, Decimal]:
    """(net unit price, VAT rate): fixed at close; before, the price at the pool so far."""
    if requisition.pooled_unit_price is not None and requisition.vat_rate is not None:
        return requisition.pooled_unit_price, requisition.vat_rate
    breaks = list(PriceBreak.objects.filter(product_id=requisition.product_id))
    price = (
        unit_price_for(breaks, quantity) if breaks and quantity else requisition.product.list_price
    )
    return price, settings.VAT_RATE


def _tender(
    requisition: JointRequisition,
    status: str,
    participations: list[Participation],
    ict_company: Organisation | None,
    documents: list[dict] | None = None,
) -> dict:
    quantity = sum(p.quantity for p in participations)
    unit_price, vat_rate = _price_now(requisition, quantity)
    tender: dict[str, Any] = {
        "id": f"{requisition.ocid}-tender",
        "title": str(requisition),
        "status": status,
        "items": [_item(requisition, quantity, unit_price, vat_rate)],
        "procurementMethod": "direct",
        "procurementMethodDetails": (
            "Call-off from the Network Code catalogue: police forces pool their demand in a "
            "joint requisition so that the pooled quantity reaches a cheaper price break."
        ),
        "mainProcurementCategory": _main_category(requisition),
        "tenderPeriod": {
            "startDate": _date(requisition.created_at),
            "endDate": _date(requisition.closed_at or requisition.closes_at),
        },
    }
    description = [requisition.note] if requisition.note else []
    if participations:
        description.append(_by_force([(p.force.name, p.quantity) for p in participations]))
    if description:
        tender["description"] = "\n\n".join(description)
    if requisition.total is not None and status != "cancelled":
        tender["value"] = _value(requisition.total)
    if ict_company:
        tender["procuringEntity"] = _reference(ict_company)
    if documents:
        tender["documents"] = documents
    return tender


def _parties(
    requisition: JointRequisition, forces, ict_company: Organisation | None, with_supplier: bool
) -> list[dict]:
    parties = []
    if ict_company:
        parties.append(_party(ict_company, ["procuringEntity"]))
    parties += [_party(force, ["buyer"]) for force in forces]
    if with_supplier:
        parties.append(_party(requisition.product.supplier, ["supplier"]))
    return parties


def tender_release(
    requisition: JointRequisition,
    *,
    tag: str = OPENED,
    release_id: str | None = None,
    date: datetime.datetime | None = None,
    participations: list[Participation] | None = None,
) -> dict:
    """The tender as the pool now stands: every participating force a buyer."""
    if participations is None:
        participations = participations_of(requisition, PARTICIPATING)
    ict_company = _ict_company()
    status = (
        "active"
        if requisition.status
        in (RequisitionStatus.OPEN, RequisitionStatus.CLOSED, RequisitionStatus.APPROVED)
        else "complete"
    )
    return {
        **_base(
            requisition,
            release_id or f"{requisition.ocid}-{tag}",
            tag,
            date or requisition.created_at,
        ),
        "parties": _parties(
            requisition, [p.force for p in participations], ict_company, with_supplier=False
        ),
        "buyer": _reference(requisition.lead_force),
        "tender": _tender(requisition, status, participations, ict_company),
    }


def cancellation_release(requisition: JointRequisition) -> dict:
    """Names every force that took part when it was cancelled (or whose share was rejected)."""
    date = requisition.cancelled_at or timezone.now()
    named = participations_of(requisition, [*PARTICIPATING, ParticipationStatus.REJECTED])
    ict_company = _ict_company()
    documents = []
    if requisition.cancellation_reason:
        documents.append(
            {
                "id": f"{requisition.ocid}-cancellation",
                "documentType": "cancellationDetails",
                "title": "Reason for cancellation",
                "description": requisition.cancellation_reason,
                "datePublished": _date(date),
                "language": "en",
            }
        )
    return {
        **_base(requisition, f"{requisition.ocid}-tenderCancellation", "tenderCancellation", date),
        "parties": _parties(requisition, [p.force for p in named], ict_company, False),
        "buyer": _reference(requisition.lead_force),
        "tender": _tender(
            requisition,
            "cancelled",
            [p for p in named if p.status in PARTICIPATING],
            ict_company,
            documents,
        ),
    }


def _order_lines(order: Order) -> list:
    return list(
        order.lines.select_related("force", "participation__force").order_by("force__name", "pk")
    )


def _award(order: Order, lines: list) -> dict:
    requisition = order.joint_requisition
    rate = requisition.vat_rate if requisition.vat_rate is not None else settings.VAT_RATE
    return {
        "id": f"{requisition.ocid}-award",
        "title": f"Award of {requisition}",
        "description": (
            f"{sum(line.quantity for line in lines)} units for {len(lines)} police forces at "
            f"the pooled price. Every amount includes VAT.\n\n"
            + _by_force([(line.force.name, line.quantity) for line in lines])
        ),
        "status": "active",
        "date": _date(requisition.awarded_at or order.created_at),
        "value": _value(order.total),
        "suppliers": [_reference(order.supplier)],
        "items": [_item(requisition, sum(line.quantity for line in lines), order.unit_price, rate)],
    }


def award_release(order: Order) -> dict:
    requisition = order.joint_requisition
    lines = _order_lines(order)
    ict_company = _ict_company()
    return {
        **_base(
            requisition,
            f"{requisition.ocid}-award",
            "award",
            requisition.awarded_at or order.created_at,
        ),
        "parties": _parties(requisition, [line.force for line in lines], ict_company, True),
        "buyer": _reference(requisition.lead_force),
        "tender": _tender(
            requisition, "complete", [line.participation for line in lines], ict_company
        ),
        "awards": [_award(order, lines)],
    }


def contract_release(order: Order) -> dict:
    requisition = order.joint_requisition
    lines = _order_lines(order)
    rate = requisition.vat_rate if requisition.vat_rate is not None else settings.VAT_RATE
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
    quantity = sum(line.quantity for line in lines)
    contract = {
        "id": f"{requisition.ocid}-contract",
        "awardID": f"{requisition.ocid}-award",
        "title": f"Call-off contract for {requisition}",
        "description": "Every amount includes VAT.\n\n"
        + _by_force([(line.force.name, line.quantity) for line in lines]),
        "status": "active",
        "value": _value(order.total),
        "items": [_item(requisition, quantity, order.unit_price, rate)],
        "documents": documents,
    }
    return {
        **_base(
            requisition,
            f"{requisition.ocid}-contract",
            "contract",
            order.contracted_at or timezone.now(),
        ),
        "parties": _parties(requisition, [line.force for line in lines], _ict_company(), True),
        "buyer": _reference(requisition.lead_force),
        "awards": [_award(order, lines)],
        "contracts": [contract],
    }


def publication_policy_url() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("api:ocds-publication-policy")


def release_package(releases: list[dict], *, uri: str, links: dict[str, str] | None = None) -> dict:
    """An OCDS 1.1 release package around the given releases (at least one)."""
    ict_company = _ict_company()
    package: dict[str, Any] = {
        "uri": uri,
        "version": "1.1",
        # Generated on demand: the date of the latest change to what it holds.
        "publishedDate": max(
            (release["date"] for release in releases), default=_date(timezone.now())
        ),
        "publisher": {"name": ict_company.name if ict_company else "Network Code"},
        "license": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        "publicationPolicy": publication_policy_url(),
        "releases": releases,
    }
    if links:
        package["links"] = links
    return package
