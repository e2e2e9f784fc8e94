"""What the accounts app's audit events record (``AuditEvent.action``), each named once."""

from accounts.audit import AuditAction


class AccountsAudit(AuditAction):
    MEMBERSHIP_CREATED = "membership.created"
    MEMBERSHIP_DELETED = "membership.deleted"
    MEMBERSHIP_UPDATED = "membership.updated"
    NOTIFICATION_FAILED = "notification.failed"
    NOTIFICATION_RETRIED = "notification.retried"
