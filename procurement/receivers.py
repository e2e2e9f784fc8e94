"""Procurement's answers to signals from lower apps (connected in ``AppConfig.ready``)."""

from procurement.models import JointRequisition, RequisitionStatus
from procurement.services import notifications


def tell_forces_product_no_longer_orderable(
    sender, *, product_ids: list[int], reason: str = "", **kwargs
) -> None:
    """The forces taking part in open requisitions for the product are told (after commit);
    close and award refuse it with the reason meanwhile (``catalogue.policies``)."""
    requisition_ids = JointRequisition.objects.filter(
        product_id__in=product_ids, status=RequisitionStatus.OPEN
    ).values_list("pk", flat=True)
    for requisition_id in requisition_ids:
        notifications.queue("product_unorderable", requisition_id=requisition_id)
