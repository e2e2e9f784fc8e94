"""Issue 9, finding 12: a catalogue reviewer is never an editor of the listing's supplier.

One rule (``accounts.permissions.may_review_listings_of``) asked at review, by the services,
pages and API; and refused when a membership would join the two roles in one user."""

import pytest
from django.contrib.admin.sites import site as admin_site
from django.test import RequestFactory

from accounts import services as account_services
from accounts.models import AuditEvent, Membership, Role, User
from catalogue import services
from catalogue.models import Conformance, Product, ProductRevision
from core.errors import DomainError, NotPermitted
from tests.factories import MembershipFactory, member, pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def double_hatted(ict_company, supplier):
    """A catalogue manager who is also the supplier's editor: a membership made before the
    rule (straight into the table), as old data may hold."""
    user = member(Role.CATALOGUE_MANAGER, ict_company, email="both@ictco.example")
    MembershipFactory(user=user, organisation=supplier, role=Role.SUPPLIER_EDITOR)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def own_submitted(double_hatted, supplier, content):
    product = services.product_create(
        actor=double_hatted, supplier=supplier, sku="OWN-1", content=content
    )
    return services.product_submit(product=product, actor=double_hatted)


@pytest.fixture
def own_claim(published, double_hatted, encryption):
    return services.conformance_claim(
        product=published,
        standard_version=encryption,
        evidence_file=pdf_upload(),
        actor=double_hatted,
    )


@pytest.fixture
def rival_submitted(other_supplier, other_supplier_editor, content):
    product = services.product_create(
        actor=other_supplier_editor, supplier=other_supplier, sku="RIV-1", content=content
    )
    return services.product_submit(product=product, actor=other_supplier_editor)


def test_a_reviewer_cannot_approve_or_reject_their_own_suppliers_listing(
    own_submitted, double_hatted
):
    """Issue 9, finding 12: the approval of one's own listing is refused at review."""
    with pytest.raises(NotPermitted, match="editor of Acme Devices Ltd"):
        services.product_approve(product=own_submitted, actor=double_hatted)
    with pytest.raises(NotPermitted):
        services.product_reject(product=own_submitted, actor=double_hatted, reason="No reason")

    assert Product.objects.get(pk=own_submitted.pk).status == "submitted"
    assert not AuditEvent.objects.filter(action__in=["product.published", "product.rejected"])


def test_a_reviewer_cannot_approve_a_change_to_their_own_suppliers_listing(
    published, double_hatted, content
):
    """Issue 9, finding 12: revisions are refused too."""
    services.product_update(
        product=published, actor=double_hatted, content=content.replace(name="Renamed")
    )
    services.product_submit(product=published, actor=double_hatted)

    with pytest.raises(NotPermitted):
        services.product_approve(product=published, actor=double_hatted)
    assert ProductRevision.objects.filter(product=published, status="submitted").exists()


def test_a_reviewer_cannot_verify_or_reject_their_own_suppliers_evidence(own_claim, double_hatted):
    """Issue 9, finding 12: conformance claims (and their evidence) are refused too."""
    with pytest.raises(NotPermitted):
        services.conformance_verify(conformance=own_claim, actor=double_hatted)
    with pytest.raises(NotPermitted):
        services.conformance_reject(conformance=own_claim, actor=double_hatted, reason="No")
    assert Conformance.objects.get(pk=own_claim.pk).status == "claimed"


def test_the_same_reviewer_still_reviews_other_suppliers(rival_submitted, double_hatted):
    """Issue 9, finding 12: the bar is on their own supplier only."""
    approved = services.product_approve(product=rival_submitted, actor=double_hatted)
    assert approved.status == "published"


def test_the_api_refuses_review_of_ones_own_listing_and_evidence(
    api, own_submitted, own_claim, double_hatted
):
    """Issue 9, finding 12: the API answers 403 and changes nothing."""
    api.as_user(double_hatted)

    approve = api.post(f"/api/v1/products/{own_submitted.pk}/approve/")
    reject = api.post(f"/api/v1/products/{own_submitted.pk}/reject/", {"reason": "No"})
    verify = api.post(f"/api/v1/conformances/{own_claim.pk}/verify/")

    assert (approve.status_code, reject.status_code, verify.status_code) == (403, 403, 403)
    assert "editor of Acme Devices Ltd" in approve.json()["detail"]
    assert Product.objects.get(pk=own_submitted.pk).status == "submitted"
    assert Conformance.objects.get(pk=own_claim.pk).status == "claimed"


def test_pages_do_not_offer_review_of_ones_own_listing(
    client, own_submitted, own_claim, rival_submitted, double_hatted
):
    """Issue 9, finding 12: the queue leaves out the reviewer's own supplier's items, the
    product page offers no review link, and the review pages refuse."""
    client.force_login(double_hatted)

    queue = client.get("/catalogue/review/").content.decode()
    assert rival_submitted.name in queue
    assert f"/catalogue/review/products/{own_submitted.pk}/" not in queue
    assert f"/catalogue/review/conformance/{own_claim.pk}/" not in queue
    detail = client.get(f"/catalogue/products/{own_submitted.pk}/").content.decode()
    assert f"/catalogue/review/products/{own_submitted.pk}/" not in detail
    assert client.get(f"/catalogue/review/products/{own_submitted.pk}/").status_code == 403
    assert client.get(f"/catalogue/review/conformance/{own_claim.pk}/").status_code == 403
    assert (
        client.post(
            f"/catalogue/review/products/{own_submitted.pk}/", {"decision": "approve"}
        ).status_code
        == 403
    )
    assert Product.objects.get(pk=own_submitted.pk).status == "submitted"


def test_a_catalogue_manager_cannot_be_made_a_suppliers_editor(catalogue_manager, supplier):
    """Issue 9, finding 12: the membership that would join the roles is refused, saying why."""
    with pytest.raises(DomainError) as error:
        account_services.membership_create(
            user=catalogue_manager, organisation=supplier, role=Role.SUPPLIER_EDITOR, actor=None
        )

    assert "catalogue manager" in error.value.message
    assert "cannot also be" in error.value.message
    assert error.value.errors["role"]
    assert not Membership.objects.filter(user=catalogue_manager, organisation=supplier).exists()


def test_a_suppliers_editor_cannot_be_made_a_catalogue_manager(supplier_editor, ict_company, force):
    """Issue 9, finding 12: the other way round too, by creation or by a change of role."""
    with pytest.raises(DomainError, match="editor of Acme Devices Ltd"):
        account_services.membership_create(
            user=supplier_editor, organisation=ict_company, role=Role.CATALOGUE_MANAGER, actor=None
        )
    membership = account_services.membership_create(
        user=supplier_editor, organisation=ict_company, role=Role.COMMERCIAL_LEAD, actor=None
    )
    with pytest.raises(DomainError):
        account_services.membership_update(
            membership=membership, actor=None, role=Role.CATALOGUE_MANAGER
        )
    assert not Membership.objects.filter(user=supplier_editor, role=Role.CATALOGUE_MANAGER).exists()


def test_the_admin_refuses_the_combination_with_the_message(
    admin_user, catalogue_manager, supplier
):
    """Issue 9, finding 12: the admin's membership form shows the refusal on the form."""
    model_admin = admin_site._registry[Membership]
    request = RequestFactory().post("/")
    request.user = admin_user
    form_class = model_admin.get_form(request)
    form = form_class(
        data={
            "user": catalogue_manager.pk,
            "organisation": supplier.pk,
            "role": Role.SUPPLIER_EDITOR,
        }
    )

    assert not form.is_valid()
    assert "cannot also be" in str(form.errors)


def test_other_roles_still_combine(catalogue_manager, ict_company, force):
    """Issue 9, finding 12: only the reviewer/editor pair is refused."""
    account_services.membership_create(
        user=catalogue_manager, organisation=ict_company, role=Role.COMMERCIAL_LEAD, actor=None
    )
    account_services.membership_create(
        user=catalogue_manager, organisation=force, role=Role.BUYER, actor=None
    )
    assert Membership.objects.filter(user=catalogue_manager).count() == 3


def test_the_demo_data_has_no_reviewer_who_edits_a_supplier(demo):
    """Issue 9, finding 12: the demo creates no catalogue manager who is also an editor."""
    managers = set(
        Membership.objects.filter(role=Role.CATALOGUE_MANAGER).values_list("user_id", flat=True)
    )
    editors = set(
        Membership.objects.filter(role=Role.SUPPLIER_EDITOR).values_list("user_id", flat=True)
    )
    assert managers and editors
    assert not managers & editors


def test_member_helper_still_makes_plain_users(supplier):
    """The factories' helper is unaffected (it writes memberships directly)."""
    assert member(Role.SUPPLIER_EDITOR, supplier).memberships.count() == 1
