"""Writes for the network code, one module per use case: :mod:`.proposals` (drafting,
editing, consultation, comments), :mod:`.voting` (opening the vote, votes, closing and
counting), :mod:`.enactment` (establishing, revising and abolishing a standard) and
:mod:`.decision_rules` (a new version of the rule). Callers import the package:
``from standards import services; services.vote_cast(...)``.

Every change of status goes through the machines of :mod:`standards.states` (proposals and
standard versions), which check the move against the table and its guards, save and audit.
What depends on a standard's versions in higher apps (conformance, in the catalogue) is
changed by their receivers of :mod:`standards.signals`, inside the enactment's transaction.

Services lock the proposal row before they decide anything about it, and re-check its state
after the lock, so a vote, a close and an enactment racing each other are serialised by the
database.
"""

from standards.services.decision_rules import decision_rule_create
from standards.services.enactment import proposal_enact
from standards.services.proposals import (
    EDITABLE_FIELDS,
    REFERENCE_PATTERN,
    proposal_comment,
    proposal_create,
    proposal_open_consultation,
    proposal_update,
)
from standards.services.voting import (
    VoteOutcome,
    proposal_close,
    proposal_open_voting,
    proposals_close_due,
    vote_cast,
    vote_record,
)

__all__ = [
    "EDITABLE_FIELDS",
    "REFERENCE_PATTERN",
    "VoteOutcome",
    "decision_rule_create",
    "proposal_close",
    "proposal_comment",
    "proposal_create",
    "proposal_enact",
    "proposal_open_consultation",
    "proposal_open_voting",
    "proposal_update",
    "proposals_close_due",
    "vote_cast",
    "vote_record",
]
