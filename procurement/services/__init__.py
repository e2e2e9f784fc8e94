"""Every write of joint requisitions, participations, approvals, orders and their documents:
one module per use case, re-exported here so that ``services.requisition_close(...)`` reads
the same wherever it is called.

All status changes go through ``transition`` (one object) or ``transition_many`` (a batch
that is audited once), moved by ``procurement.states``. Each service is atomic, locks the
requisition row first and then its participations ordered by primary key, re-checks the
state it locked, changes its rows, and writes its audit event last (the audit chain's
lock is the last one taken). E-mails are queued after commit.

- ``requisitions``: start a requisition; join, change, withdraw a force's part (pledges).
- ``closing``: close (early or scheduled, and what blocks it); re-pricing the pool.
- ``approvals``: approve, reject and release a force's share; sign-off.
- ``award``: award (the order and its lines) or cancel.
- ``documents``: the contract and purchase orders (requested, rendered, retried).
- ``publication``: OCDS releases written as the requisition moves.
- ``notifications``: e-mails queued after commit.
"""

from procurement.services._common import check_transition, transition, transition_many
from procurement.services.approvals import (
    participation_approve,
    participation_reject,
    participation_release,
    requisition_sign_off,
)
from procurement.services.award import order_number, requisition_award, requisition_cancel
from procurement.services.closing import close_due_requisitions, requisition_close
from procurement.services.requisitions import (
    new_ocid,
    participation_change,
    participation_join,
    participation_withdraw,
    requisition_start,
)

__all__ = [
    "check_transition",
    "close_due_requisitions",
    "new_ocid",
    "order_number",
    "participation_approve",
    "participation_change",
    "participation_join",
    "participation_reject",
    "participation_release",
    "participation_withdraw",
    "requisition_award",
    "requisition_cancel",
    "requisition_close",
    "requisition_sign_off",
    "requisition_start",
    "transition",
    "transition_many",
]
