"""Reads for procurement: query sets scoped to what the user may see."""

from django.db.models import Q, QuerySet

from accounts.models import OrganisationKind
from accounts.permissions import is_ict_company_member, organisations_of
from procurement.models import Document, DocumentKind, OcdsRelease


def documents_visible_to(user) -> QuerySet[Document]:
    """The ICT company sees every document; the supplier its orders' documents; a force the
    contracts of orders it takes part in and its own purchase orders."""
    documents = Document.objects.select_related("order", "force")
    if not user.is_authenticated:
        return documents.none()
    if user.is_staff or is_ict_company_member(user):
        return documents
    suppliers = [o.pk for o in organisations_of(user, OrganisationKind.SUPPLIER)]
    forces = [o.pk for o in organisations_of(user, OrganisationKind.FORCE)]
    return documents.filter(
        Q(order__supplier__in=suppliers)
        | Q(kind=DocumentKind.CONTRACT, order__lines__force__in=forces)
        | Q(kind=DocumentKind.PURCHASE_ORDER, force__in=forces)
    ).distinct()


def ocds_releases_published() -> QuerySet[OcdsRelease]:
    """Open contracting data is public to every signed-in user."""
    return OcdsRelease.objects.all()
