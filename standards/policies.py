"""The network code's rules about who may see what, each stated once.

Vote secrecy: while a vote is open only turnout is public (the forces that have voted and
the officer headcount they hold); for, against and abstain, and how each force voted, are
published when the vote closes. A force's own members see their own force's vote all along.
Selectors, the API, pages, the chart and the admin all ask these functions.
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import User
from accounts.permissions import memberships_of
from standards.domain import rules
from standards.models import Proposal, Vote


def counts_visible(proposal: Proposal) -> bool:
    """For, against and abstain (and each force's vote) are public once the vote has closed
    and been counted, and not before."""
    return proposal.result is not None


def own_force_ids(user: User) -> set[int]:
    """The organisations whose own vote this user sees while the ballot is secret."""
    return {membership.organisation_id for membership in memberships_of(user)}


def may_see_vote(user: User, vote: Vote, proposal: Proposal | None = None) -> bool:
    """Anyone signed in sees every vote once the vote has closed; until then only the
    members of the force that cast it."""
    proposal = proposal or vote.proposal
    return counts_visible(proposal) or vote.force_id in own_force_ids(user)


@dataclass(frozen=True)
class Turnout:
    """What is public while a vote is open."""

    total_forces: int
    forces_voted: int
    forces_not_voted: int
    headcount_voted: int
    quorum_needed: int
    quorum_met: bool

    @classmethod
    def of(cls, tally: rules.Tally) -> Turnout:
        return cls(
            total_forces=tally.total_forces,
            forces_voted=tally.forces_voted,
            forces_not_voted=tally.forces_not_voted,
            headcount_voted=tally.headcount_voted,
            quorum_needed=tally.quorum_needed,
            quorum_met=tally.quorum_met,
        )


def visible_tally(proposal: Proposal, tally: rules.Tally) -> rules.Tally | None:
    """The full tally where the counts are public, else None (turnout only)."""
    return tally if counts_visible(proposal) else None
