"""The network code's decision rule: a quorum of forces and a double majority.

One pure function, :func:`decide`, over integers and ``Decimal`` fractions: no floats,
no database. Every comparison is an exact integer inequality obtained by
cross-multiplying with the fraction's numerator and denominator, so a vote at exactly
55% (or 65%, or half turnout) is decided by the rule's own words, never by rounding.

- Quorum: the forces that voted (for, against or abstain) are at least ``quorum`` of all
  forces.
- Forces majority: the forces voting for are at least ``forces_majority`` of the forces
  that voted (an abstention counts as voted and not for).
- Headcount majority: the forces voting for hold at least ``headcount_majority`` of the
  officer headcount of the forces that voted.
- Carried: all three. A majority of nobody is no majority: with no votes, neither
  majority is met.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from typing import Any

FOR = "for"
AGAINST = "against"
ABSTAIN = "abstain"
CHOICES = (FOR, AGAINST, ABSTAIN)


def _check_fraction(name: str, value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{name} must be a Decimal or an int, not {type(value).__name__}.")
    value = Decimal(value)
    if not value.is_finite() or value < 0 or value > 1:
        raise ValueError(f"{name} must lie between 0 and 1, not {value}.")
    return value


def _check_count(name: str, value: Any, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}.")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value}.")
    return value


def at_least(part: int, whole: int, fraction: Decimal) -> bool:
    """``part >= fraction * whole``, exactly: ``part * den >= num * whole``."""
    numerator, denominator = fraction.as_integer_ratio()
    return part * denominator >= numerator * whole


def smallest_reaching(whole: int, fraction: Decimal) -> int:
    """The smallest whole ``part`` with ``part >= fraction * whole`` (a ceiling, exactly)."""
    numerator, denominator = fraction.as_integer_ratio()
    return -((-numerator * whole) // denominator)


@dataclass(frozen=True)
class Thresholds:
    """The fractions of a decision rule, e.g. 0.5, 0.55 and 0.65."""

    quorum: Decimal
    forces_majority: Decimal
    headcount_majority: Decimal

    def __post_init__(self) -> None:
        for field in fields(self):
            object.__setattr__(
                self, field.name, _check_fraction(field.name, getattr(self, field.name))
            )


@dataclass(frozen=True)
class Ballot:
    """One force's vote and the officer headcount that weighs it."""

    force_id: int
    choice: str
    headcount: int

    def __post_init__(self) -> None:
        if self.choice not in CHOICES:
            raise ValueError(f"A vote is for, against or abstain, not {self.choice!r}.")
        _check_count("headcount", self.headcount, minimum=1)


@dataclass(frozen=True)
class Tally:
    """Where a vote stands: the counts, the thresholds they must reach, and the verdict.

    ``*_needed`` are the smallest whole numbers that meet each threshold given the votes
    so far (the majorities are shares of those who voted, so they move as votes arrive).
    """

    total_forces: int
    forces_for: int
    forces_against: int
    forces_abstaining: int
    forces_voted: int
    forces_not_voted: int
    headcount_for: int
    headcount_against: int
    headcount_abstaining: int
    headcount_voted: int
    quorum_needed: int
    forces_for_needed: int
    headcount_for_needed: int
    quorum_met: bool
    forces_majority_met: bool
    headcount_majority_met: bool
    carried: bool

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Tally:
        return cls(**{field.name: data[field.name] for field in fields(cls)})


def decide(*, thresholds: Thresholds, total_forces: int, ballots: Iterable[Ballot]) -> Tally:
    """Count the ballots of ``total_forces`` forces under ``thresholds``.

    Raises ``ValueError`` for a force that votes twice or more ballots than forces.
    """
    _check_count("total_forces", total_forces)
    counts = {FOR: 0, AGAINST: 0, ABSTAIN: 0}
    headcounts = {FOR: 0, AGAINST: 0, ABSTAIN: 0}
    seen: set[int] = set()
    for ballot in ballots:
        if ballot.force_id in seen:
            raise ValueError(f"Force {ballot.force_id} has more than one ballot.")
        seen.add(ballot.force_id)
        counts[ballot.choice] += 1
        headcounts[ballot.choice] += ballot.headcount
    voted = len(seen)
    if voted > total_forces:
        raise ValueError(f"{voted} forces voted but there are only {total_forces}.")
    headcount_voted = sum(headcounts.values())

    quorum_met = total_forces > 0 and at_least(voted, total_forces, thresholds.quorum)
    forces_majority_met = voted > 0 and at_least(counts[FOR], voted, thresholds.forces_majority)
    headcount_majority_met = headcount_voted > 0 and at_least(
        headcounts[FOR], headcount_voted, thresholds.headcount_majority
    )
    return Tally(
        total_forces=total_forces,
        forces_for=counts[FOR],
        forces_against=counts[AGAINST],
        forces_abstaining=counts[ABSTAIN],
        forces_voted=voted,
        forces_not_voted=total_forces - voted,
        headcount_for=headcounts[FOR],
        headcount_against=headcounts[AGAINST],
        headcount_abstaining=headcounts[ABSTAIN],
        headcount_voted=headcount_voted,
        quorum_needed=smallest_reaching(total_forces, thresholds.quorum),
        forces_for_needed=smallest_reaching(voted, thresholds.forces_majority),
        headcount_for_needed=smallest_reaching(headcount_voted, thresholds.headcount_majority),
        quorum_met=quorum_met,
        forces_majority_met=forces_majority_met,
        headcount_majority_met=headcount_majority_met,
        carried=quorum_met and forces_majority_met and headcount_majority_met,
    )
