"""What the accounts app's audit events record (``AuditEvent.action``), each named once."""

from accounts.audit import AuditAction


class AccountsAudit(AuditAction):
    MEMBERSHIP_CREATED = "membership.created"
    MEMBERSHIP_DELETED = "membership.deleted"
    MEMBERSHIP_UPDATED = "membership.updated"
    NOTIFICATION_FAILED = "notification.failed"
    NOTIFICATION_RETRIED = "notification.retried"
    API_TOKEN_ISSUED = "api_token.issued"  # noqa: S105 (an action's name, not a secret)
    API_TOKEN_REVOKED = "api_token.revoked"  # noqa: S105
