"""Writes for accounts: one function per use case, atomic and audited.

``from accounts import services; services.membership_create(...)``: the use cases live in
the modules of this package (memberships, notifications, tokens) and are re-exported here.
"""

from accounts.services.memberships import membership_create, membership_delete, membership_update
from accounts.services.notifications import (
    deliveries_queue,
    delivery_attempt,
    delivery_record_unbuildable,
    delivery_retry,
)
from accounts.services.tokens import (
    api_token_authenticate,
    api_token_issue,
    api_token_revoke,
)

__all__ = [
    "api_token_authenticate",
    "api_token_issue",
    "api_token_revoke",
    "deliveries_queue",
    "delivery_attempt",
    "delivery_record_unbuildable",
    "delivery_retry",
    "membership_create",
    "membership_delete",
    "membership_update",
]
