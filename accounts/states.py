"""The state machine of notification deliveries: queued, then sent, or retrying after a
failure until the attempts run out and it has failed; the ICT company queues a failed one
again."""

from accounts import audit
from accounts.models import DeliveryStatus, NotificationDelivery
from core.state import StateMachine, move

DS = DeliveryStatus

DELIVERY: StateMachine[NotificationDelivery] = StateMachine(
    model=NotificationDelivery,
    table={
        DS.QUEUED: [move(DS.SENT), move(DS.RETRYING), move(DS.FAILED)],
        DS.RETRYING: [move(DS.SENT), move(DS.RETRYING), move(DS.FAILED)],
        DS.FAILED: [move(DS.QUEUED)],
        DS.SENT: [],
    },
    auditor=audit,
    audit_fields=["event", "recipient", "subject", "status", "attempts", "last_error"],
)
