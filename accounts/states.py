"""The state machine of notification deliveries: queued, then sent, or retrying after a
failure until the attempts run out and it has failed; the ICT company queues a failed one
again."""

from accounts import audit
from accounts.models import DeliveryStatus, NotificationDelivery
from core.state import StateMachine, move

DELIVERY: StateMachine[NotificationDelivery] = StateMachine(
    model=NotificationDelivery,
    table={
        DeliveryStatus.QUEUED: [
            move(DeliveryStatus.SENT),
            move(DeliveryStatus.RETRYING),
            move(DeliveryStatus.FAILED),
        ],
        DeliveryStatus.RETRYING: [
            move(DeliveryStatus.SENT),
            move(DeliveryStatus.RETRYING),
            move(DeliveryStatus.FAILED),
        ],
        DeliveryStatus.FAILED: [move(DeliveryStatus.QUEUED)],
        DeliveryStatus.SENT: [],
    },
    auditor=audit,
    audit_fields=["event", "recipient", "subject", "status", "attempts", "last_error"],
)
