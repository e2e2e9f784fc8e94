"""Sign-off: the procurement threshold and split purchases, each stated once.

- Threshold: sign-off is needed when the order total (including VAT, unless the threshold
  says otherwise) reaches the LOWER of the sign-off thresholds in force on the London date
  the requisition opened and on the London date of award (today, until it is awarded).
- Split purchase: the same CPV category (the product's category, not just the product)
  bought by any participating force within 12 months, other joint requisitions included
  (awarded orders, and live requisitions the force takes part in), adding up with this one
  to that threshold. A joint requisition counts at its whole value: it is one purchase.
  Each force is judged on its own purchases (a split is a force's, not a coincidence of
  unrelated forces).
- A detected split needs the commercial lead's sign-off with recorded reasons before award;
  a sign-off that no rule requires is voluntary, and is recorded as such.

Services (sign-off, award, close), the requisition page, the commercial lead's queue, the
API and the documents all ask these functions.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from core.money import ZERO, format_gbp, vat_on
from procurement import selectors
from procurement.models import (
    JointRequisition,
    Participation,
    ProcurementThreshold,
    RequisitionStatus,
    SignOffGrounds,
    ThresholdKind,
)

__all__ = [
    "SPLIT_PURCHASE_WINDOW",
    "RelatedPurchase",
    "SignOffGrounds",
    "SignOffRequirement",
    "SplitPurchase",
    "ThresholdTest",
    "Value",
    "needs_sign_off",
    "sign_off_missing",
    "sign_off_requirement",
    "sign_off_requirements",
    "sign_off_threshold",
    "split_purchase",
]

SPLIT_PURCHASE_WINDOW = datetime.timedelta(days=365)
AWARDED = (RequisitionStatus.AWARDED, RequisitionStatus.CONTRACTED)
# Grounds on which a sign-off covers a split purchase (it was given with reasons).
COVERS_SPLIT = (SignOffGrounds.SPLIT, SignOffGrounds.THRESHOLD_AND_SPLIT)


@dataclass(frozen=True)
class Value:
    """What a purchase is worth: net of VAT and including it."""

    net: Decimal
    gross: Decimal

    def measured(self, threshold: ProcurementThreshold) -> Decimal:
        return selectors.threshold_measure(threshold, net=self.net, gross=self.gross)


def requisition_value(requisition: JointRequisition) -> Value | None:
    """The total fixed at close, or while open the indicative total of the pledges so far."""
    if requisition.subtotal is not None and requisition.total is not None:
        return Value(requisition.subtotal, requisition.total)
    aggregation = selectors.requisition_aggregation(requisition)
    if not aggregation.total_quantity:
        return None
    net = aggregation.indicative_subtotal
    return Value(net, net + vat_on(net, settings.VAT_RATE))


def opening_day(requisition: JointRequisition) -> datetime.date:
    return timezone.localdate(requisition.created_at)


def decision_day(
    requisition: JointRequisition, now: datetime.datetime | None = None
) -> datetime.date:
    """The London date of award, or today's (the day it would be awarded)."""
    if requisition.awarded_at is not None:
        return timezone.localdate(requisition.awarded_at)
    return timezone.localdate(now or timezone.now())


# The threshold.


@dataclass(frozen=True)
class ThresholdTest:
    """The thresholds on both days, the lower of them, and whether the value reaches it."""

    opened_on: datetime.date
    decided_on: datetime.date
    at_opening: ProcurementThreshold | None
    at_decision: ProcurementThreshold | None
    value: Value | None

    @property
    def threshold(self) -> ProcurementThreshold | None:
        """The lower of the two (where only one day has a threshold, that one)."""
        candidates = [t for t in (self.at_opening, self.at_decision) if t is not None]
        if not candidates:
            return None
        # On equal amounts, the one in force on the day of award.
        return min(reversed(candidates), key=lambda t: t.amount)

    @property
    def measured(self) -> Decimal | None:
        if self.threshold is None or self.value is None:
            return None
        return self.value.measured(self.threshold)

    @property
    def reached(self) -> bool:
        threshold, measured = self.threshold, self.measured
        return threshold is not None and measured is not None and measured >= threshold.amount

    def as_json(self) -> dict[str, Any]:
        threshold = self.threshold
        return {
            "opened_on": self.opened_on.isoformat(),
            "decided_on": self.decided_on.isoformat(),
            "amount": _money(threshold.amount) if threshold else None,
            "effective_from": threshold.effective_from.isoformat() if threshold else None,
            "includes_vat": threshold.includes_vat if threshold else None,
            "measured": _money(self.measured),
            "reached": self.reached,
        }


def sign_off_threshold(
    requisition: JointRequisition,
    *,
    now: datetime.datetime | None = None,
    value: Value | None = None,
) -> ThresholdTest:
    """The threshold rule for a requisition (``value`` defaults to its own total)."""
    return _threshold_tests([requisition], now=now, values={requisition.pk: value})[requisition.pk]


def _threshold_tests(
    requisitions: Sequence[JointRequisition],
    *,
    now: datetime.datetime | None,
    values: dict[int, Value | None] | None = None,
) -> dict[int, ThresholdTest]:
    """The threshold rule for several requisitions, with one query for the thresholds."""
    days = {r.pk: (opening_day(r), decision_day(r, now)) for r in requisitions}
    in_force = selectors.thresholds_in_force(
        ThresholdKind.SIGN_OFF, {day for pair in days.values() for day in pair}
    )
    values = values or {}
    tests = {}
    for requisition in requisitions:
        opened_on, decided_on = days[requisition.pk]
        value = values.get(requisition.pk)
        tests[requisition.pk] = ThresholdTest(
            opened_on=opened_on,
            decided_on=decided_on,
            at_opening=in_force[opened_on],
            at_decision=in_force[decided_on],
            value=value if value is not None else requisition_value(requisition),
        )
    return tests


# Split purchases.


@dataclass(frozen=True)
class RelatedPurchase:
    """Another purchase in the same CPV category by a force taking part in this one."""

    requisition_id: int
    title: str
    status: str
    number: str  # the order's number once awarded, else empty
    date: datetime.datetime  # when it was awarded, or opened
    forces: tuple[str, ...]  # the forces it shares with this requisition
    value: Value

    @property
    def reference(self) -> str:
        return self.number or self.title

    def as_json(self, threshold: ProcurementThreshold) -> dict[str, Any]:
        return {
            "requisition": self.requisition_id,
            "title": self.title,
            "status": self.status,
            "number": self.reference,
            "order_number": self.number or None,
            "date": self.date.isoformat(),
            "forces": list(self.forces),
            "net": _money(self.value.net),
            "total": _money(self.value.gross),
            "measured": _money(self.value.measured(threshold)),
        }


@dataclass(frozen=True)
class SplitPurchase:
    """A detected split: this requisition with other purchases reaches the threshold."""

    threshold: ProcurementThreshold
    value: Value
    related: list[RelatedPurchase]
    # Force id -> the purchases that add up with this one for that force (only the forces
    # whose purchases reach the threshold).
    by_force: dict[int, list[RelatedPurchase]] = field(default_factory=dict)

    @property
    def combined(self) -> Decimal:
        return self.value.measured(self.threshold) + sum(
            (p.value.measured(self.threshold) for p in self.related), ZERO
        )

    @property
    def forces(self) -> list[str]:
        return sorted({name for p in self.related for name in p.forces})

    def as_json(self) -> dict[str, Any]:
        return {
            "threshold": _money(self.threshold.amount),
            "threshold_from": self.threshold.effective_from.isoformat(),
            "includes_vat": self.threshold.includes_vat,
            "this_purchase": _money(self.value.measured(self.threshold)),
            "combined": _money(self.combined),
            "forces": self.forces,
            "related": [p.as_json(self.threshold) for p in self.related],
        }

    def flag_for(self, force_id: int) -> dict[str, Any] | None:
        """What a force's approvers are shown: its own purchases that add up with this."""
        related = self.by_force.get(force_id)
        if not related:
            return None
        combined = self.value.measured(self.threshold) + sum(
            (p.value.measured(self.threshold) for p in related), ZERO
        )
        return {
            "threshold": _money(self.threshold.amount),
            "threshold_from": self.threshold.effective_from.isoformat(),
            "includes_vat": self.threshold.includes_vat,
            "combined": _money(combined),
            "this_purchase": _money(self.value.measured(self.threshold)),
            "orders": [p.as_json(self.threshold) for p in related],
        }


def _counted_force_ids(requisition: JointRequisition) -> set[int]:
    """The forces taking part now: pledged while open, in the order after close."""
    return {p.force_id for p in selectors.counted_participations(requisition)}


def split_purchase(
    requisition: JointRequisition,
    *,
    now: datetime.datetime | None = None,
    participations: Iterable[Participation] | None = None,
    value: Value | None = None,
    threshold: ThresholdTest | None = None,
) -> SplitPurchase | None:
    """The split-purchase rule. ``participations`` and ``value`` default to the forces that
    take part now and the requisition's total (the close passes the shares it is fixing)."""
    now = now or timezone.now()
    test = threshold or sign_off_threshold(requisition, now=now, value=value)
    forces = (
        {p.force_id for p in participations}
        if participations is not None
        else _counted_force_ids(requisition)
    )
    return _splits([(requisition, forces, test)], now=now)[requisition.pk]


def _window_start(requisition: JointRequisition, now: datetime.datetime) -> datetime.datetime:
    """Twelve months back from the award (or from now, until it is awarded)."""
    return (requisition.awarded_at or now) - SPLIT_PURCHASE_WINDOW


def _splits(
    cases: Sequence[tuple[JointRequisition, set[int], ThresholdTest]], *, now: datetime.datetime
) -> dict[int, SplitPurchase | None]:
    """The split-purchase rule for several requisitions (each with the forces taking part and
    its threshold test), with the other purchases read once for all of them."""
    found: dict[int, SplitPurchase | None] = {r.pk: None for r, _, _ in cases}
    cases = [
        (r, forces, test)
        for r, forces, test in cases
        if forces and test.threshold is not None and test.value is not None
    ]
    if not cases:
        return found
    purchases = selectors.purchases_in_categories(
        category_ids={r.product.category_id for r, _, _ in cases},
        force_ids={force for _, forces, _ in cases for force in forces},
        since=min(_window_start(r, now) for r, _, _ in cases),
    )
    values: dict[int, Value | None] = {}
    for requisition, forces, test in cases:
        found[requisition.pk] = _split(requisition, forces, test, purchases, values, now)
    return found


def _split(
    requisition: JointRequisition,
    forces: set[int],
    test: ThresholdTest,
    purchases: Sequence[selectors.CategoryPurchase],
    values: dict[int, Value | None],
    now: datetime.datetime,
) -> SplitPurchase | None:
    limit, own_value = test.threshold, test.value
    if limit is None or own_value is None:
        return None
    since = _window_start(requisition, now)
    related: list[RelatedPurchase] = []
    by_force: dict[int, list[RelatedPurchase]] = {}
    for purchase in purchases:
        other = purchase.requisition
        shared = purchase.force_ids & forces
        placed_at = purchase.placed_at
        if (
            other.pk == requisition.pk
            or purchase.category_id != requisition.product.category_id
            or not shared
            or (other.status in AWARDED and (placed_at is None or placed_at < since))
        ):
            continue
        if other.pk not in values:
            values[other.pk] = requisition_value(other)
        other_value = values[other.pk]
        if other_value is None:
            continue
        order = getattr(other, "order", None) if other.status in AWARDED else None
        entry = RelatedPurchase(
            requisition_id=other.pk,
            title=str(other),
            status=other.status,
            number=order.number if order is not None else "",
            date=other.awarded_at or other.created_at,
            forces=tuple(purchase.force_names[f] for f in purchase.force_names if f in shared),
            value=other_value,
        )
        for force_id in shared:
            by_force.setdefault(force_id, []).append(entry)
        related.append(entry)
    own = own_value.measured(limit)
    reaching = {
        force_id: entries
        for force_id, entries in by_force.items()
        if own + sum((p.value.measured(limit) for p in entries), ZERO) >= limit.amount
    }
    if not reaching:
        return None
    counted = {p.requisition_id for entries in reaching.values() for p in entries}
    return SplitPurchase(
        threshold=limit,
        value=own_value,
        related=[p for p in related if p.requisition_id in counted],
        by_force=reaching,
    )


# The requirement, and what it asks of the award.


@dataclass(frozen=True)
class SignOffRequirement:
    threshold: ThresholdTest
    split: SplitPurchase | None

    @property
    def needed(self) -> bool:
        return self.threshold.reached or self.split is not None

    @property
    def grounds(self) -> str:
        """The grounds a sign-off given now would have."""
        if self.threshold.reached and self.split is not None:
            return SignOffGrounds.THRESHOLD_AND_SPLIT
        if self.threshold.reached:
            return SignOffGrounds.THRESHOLD
        if self.split is not None:
            return SignOffGrounds.SPLIT
        return SignOffGrounds.VOLUNTARY

    @property
    def grounds_label(self) -> str:
        return str(SignOffGrounds(self.grounds).label)

    @property
    def reasons_required(self) -> bool:
        return self.split is not None

    def as_json(self) -> dict[str, Any]:
        return {
            "needed": self.needed,
            "grounds": str(self.grounds),
            "threshold": self.threshold.as_json(),
            "split": self.split.as_json() if self.split is not None else None,
        }


def sign_off_requirement(
    requisition: JointRequisition,
    *,
    now: datetime.datetime | None = None,
    participations: Sequence[Participation] | None = None,
) -> SignOffRequirement:
    """Whether a sign-off is needed now, and on what grounds (the one function)."""
    now = now or timezone.now()
    test = sign_off_threshold(requisition, now=now)
    split = split_purchase(requisition, now=now, participations=participations, threshold=test)
    return SignOffRequirement(threshold=test, split=split)


def sign_off_requirements(
    requisitions: Sequence[JointRequisition], *, now: datetime.datetime | None = None
) -> dict[int, SignOffRequirement]:
    """``sign_off_requirement`` for a list (the commercial queue, the API's lists) in a
    constant number of queries: give it requisitions with their participations and price
    breaks prefetched (``selectors.with_participations``)."""
    now = now or timezone.now()
    tests = _threshold_tests(requisitions, now=now)
    splits = _splits([(r, _counted_force_ids(r), tests[r.pk]) for r in requisitions], now=now)
    return {
        r.pk: SignOffRequirement(threshold=tests[r.pk], split=splits[r.pk]) for r in requisitions
    }


def needs_sign_off(requisition: JointRequisition, *, now: datetime.datetime | None = None) -> bool:
    """Live until award; once awarded, what was recorded (the grounds of its sign-off)."""
    if requisition.status in AWARDED:
        return requisition.sign_off_grounds not in ("", SignOffGrounds.VOLUNTARY)
    if requisition.status == RequisitionStatus.CANCELLED:
        return False
    return sign_off_requirement(requisition, now=now).needed


def sign_off_missing(requisition: JointRequisition, requirement: SignOffRequirement) -> str | None:
    """Why the award must wait for a sign-off, or None. The award refuses with this message
    and the commercial lead's queue lists the requisition "to sign off" on the same answer."""
    if not requirement.needed:
        return None
    threshold, split = requirement.threshold, requirement.split
    if requisition.signed_off_at is not None and (
        split is None or requisition.sign_off_grounds in COVERS_SPLIT
    ):
        return None
    reasons: list[str] = []
    if threshold.reached and threshold.threshold is not None and threshold.measured is not None:
        reasons.append(
            f"the order total of {format_gbp(threshold.measured)} reaches the procurement "
            f"threshold of {format_gbp(threshold.threshold.amount)} (in force from "
            f"{_day(threshold.threshold.effective_from)}; the lower of the thresholds on the "
            "day it opened and the day of award applies)"
        )
    if split is not None:
        count = len(split.related)
        reasons.append(
            f"it is a split purchase: with {count} other purchase{'s' if count != 1 else ''} "
            f"in the same CPV category within 12 months by {', '.join(split.forces)}, the "
            f"total reaches {format_gbp(split.combined)}, at or above the threshold of "
            f"{format_gbp(split.threshold.amount)}"
        )
    reason = "; and ".join(reasons)
    if requisition.signed_off_at is not None:
        ask = (
            "its sign-off did not cover a split purchase: a commercial lead must sign it off "
            "again, with the reasons, before the award"
        )
    elif split is not None:
        ask = "a commercial lead must sign it off, with the reasons, before the award"
    else:
        ask = "a commercial lead must sign it off before the award"
    return f"{reason[0].upper()}{reason[1:]}: {ask}."


def _money(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:.2f}"


def _day(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"
