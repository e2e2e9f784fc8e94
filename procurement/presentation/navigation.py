"""Procurement's entries in the service navigation and on the home pages (registered in
:meth:`procurement.apps.ProcurementConfig.ready`; accounts composes them)."""

from accounts.models import Role, User
from accounts.presentation.navigation import Capability, register_capabilities, register_navigation
from procurement.selectors import (
    approval_queue_for,
    open_requisitions_to_join,
    waiting_for_commercial_lead,
)

ORDERS = "procurement:order_list"


def _open_to_join(user: User) -> int:
    return open_requisitions_to_join(user).count()


def _shares_to_decide(user: User) -> int:
    return approval_queue_for(user).count()


def _to_sign_off_or_award(user: User) -> int:
    return waiting_for_commercial_lead()


def register() -> None:
    register_navigation("Requisitions", "procurement:requisition_list", order=20)
    register_navigation("Orders", ORDERS, order=30)
    register_capabilities(
        Role.BUYER,
        Capability(
            "Join an open joint requisition",
            "procurement:requisition_open_list",
            "See what other forces are buying and the saving your force would get by joining.",
            _open_to_join,
            order=20,
        ),
        Capability(
            "Start a joint requisition",
            "procurement:requisition_create",
            "Open a requisition for a product so that other forces can pool their demand.",
            order=30,
        ),
        Capability(
            "Your force's requisitions",
            "procurement:requisition_list",
            "Follow your force's requisitions from open to contracted.",
            order=40,
        ),
    )
    register_capabilities(
        Role.FINANCE,
        Capability(
            "Shares awaiting approval",
            "procurement:approval_queue",
            "Approve or reject your force's share of pooled orders, within your limit.",
            _shares_to_decide,
            order=10,
        ),
        Capability(
            "Your force's orders",
            ORDERS,
            "Orders placed for your force and their contract documents.",
            order=20,
        ),
    )
    register_capabilities(
        Role.COMMERCIAL_LEAD,
        Capability(
            "Requisitions to sign off and award",
            "procurement:commercial_queue",
            "Approved requisitions awaiting sign-off above the threshold, and award.",
            _to_sign_off_or_award,
            order=10,
        ),
        Capability(
            "Orders",
            ORDERS,
            "Awarded orders and the state of their contract documents.",
            order=20,
        ),
    )
    register_capabilities(
        Role.SUPPLIER_EDITOR,
        Capability(
            "Orders to fulfil",
            ORDERS,
            "Orders awarded to you and their contract documents.",
            order=30,
        ),
    )
