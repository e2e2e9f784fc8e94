"""What the standards app's audit events record (``AuditEvent.action``), each named once."""

from accounts.audit import AuditAction


class StandardsAudit(AuditAction):
    DECISION_RULE_CREATED = "decision_rule.created"
    PROPOSAL_CARRIED = "proposal.carried"
    PROPOSAL_COMMENTED = "proposal.commented"
    PROPOSAL_CONSULTATION = "proposal.consultation"
    PROPOSAL_CREATED = "proposal.created"
    PROPOSAL_ENACTED = "proposal.enacted"
    PROPOSAL_ENACTMENT_FAILED = "proposal.enactment_failed"
    PROPOSAL_REJECTED = "proposal.rejected"
    PROPOSAL_UPDATED = "proposal.updated"
    PROPOSAL_VOTING = "proposal.voting"
    STANDARD_ABOLISHED = "standard.abolished"
    STANDARD_ESTABLISHED = "standard.established"
    STANDARD_REVISED = "standard.revised"
    STANDARD_VERSION_SUPERSEDED = "standard_version.superseded"
    VOTE_CAST = "vote.cast"
    VOTE_CHANGED = "vote.changed"
