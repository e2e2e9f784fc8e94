import hashlib
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage

from accounts.models import AuditEvent
from catalogue import services
from catalogue.domain.comparison import compare
from catalogue.domain.content import ProductContent
from catalogue.domain.pricing import Tier
from catalogue.models import (
    Category,
    Conformance,
    PriceBreak,
    Product,
    ProductRevision,
)
from core.errors import DomainError, InvalidTransition, NotPermitted
from tests.catalogue.conftest import make_content
from tests.factories import (
    CategoryFactory,
    ConformanceFactory,
    ProductFactory,
    StandardVersionFactory,
    pdf_upload,
)

pytestmark = pytest.mark.django_db


def breaks_of(product) -> list[tuple[int, Decimal]]:
    return list(
        PriceBreak.objects.filter(product=product)
        .order_by("min_quantity")
        .values_list("min_quantity", "unit_price")
    )


def actions_on(obj) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .order_by("sequence")
        .values_list("action", flat=True)
    )


# Creating and the lifecycle.


def test_a_supplier_editor_creates_a_draft_with_its_price_breaks(draft, supplier):
    assert draft.status == "draft"
    assert draft.supplier == supplier
    assert breaks_of(draft) == [
        (1, Decimal("1000.00")),
        (10, Decimal("950.00")),
        (100, Decimal("900.00")),
    ]
    assert actions_on(draft) == ["product.created"]
    event = AuditEvent.objects.get(action="product.created")
    assert event.organisation == supplier
    assert event.after["price_breaks"][1] == {"min_quantity": 10, "unit_price": "950.00"}


@pytest.mark.parametrize("user_fixture", ["buyer", "catalogue_manager", "other_supplier_editor"])
def test_only_the_suppliers_editors_create_its_products(request, user_fixture, supplier, content):
    user = request.getfixturevalue(user_fixture)

    with pytest.raises(NotPermitted):
        services.product_create(actor=user, supplier=supplier, sku="X-1", content=content)
    assert not Product.objects.exists()


def test_submitting_snapshots_the_listing_into_a_revision(draft, supplier_editor):
    product = services.product_submit(product=draft, actor=supplier_editor)

    assert product.status == "submitted"
    revision = ProductRevision.objects.get(product=product)
    assert (revision.number, revision.status) == (1, "submitted")
    assert revision.submitted_at is not None
    assert ProductContent.of_revision(revision) == ProductContent.of_product(product)
    assert actions_on(product)[-1] == "product.submitted"


def test_a_submitted_product_cannot_be_edited_until_decided(draft, supplier_editor, laptops):
    services.product_submit(product=draft, actor=supplier_editor)

    with pytest.raises(InvalidTransition):
        services.product_update(
            product=draft, actor=supplier_editor, content=make_content(laptops, name="Changed")
        )
    assert Product.objects.get(pk=draft.pk).name == "Rugged laptop"


def test_a_catalogue_manager_approves_and_publishes(published):
    revision = ProductRevision.objects.get(product=published)

    assert published.status == "published"
    assert published.published_revision == revision
    assert published.published_at is not None
    assert revision.status == "approved"
    assert revision.decided_by is not None
    assert actions_on(published)[-1] == "product.published"


@pytest.mark.parametrize("user_fixture", ["supplier_editor", "buyer", "commercial_lead"])
def test_only_catalogue_managers_approve_or_reject(request, user_fixture, draft, supplier_editor):
    services.product_submit(product=draft, actor=supplier_editor)
    user = request.getfixturevalue(user_fixture)

    with pytest.raises(NotPermitted):
        services.product_approve(product=draft, actor=user)
    with pytest.raises(NotPermitted):
        services.product_reject(product=draft, actor=user, reason="No.")
    assert Product.objects.get(pk=draft.pk).status == "submitted"


def test_a_rejection_needs_a_reason_and_the_product_can_be_fixed_and_resubmitted(
    draft, supplier_editor, catalogue_manager, laptops
):
    services.product_submit(product=draft, actor=supplier_editor)
    with pytest.raises(DomainError) as error:
        services.product_reject(product=draft, actor=catalogue_manager, reason="  ")
    assert "reason" in error.value.errors

    product = services.product_reject(
        product=draft, actor=catalogue_manager, reason="Say which encryption."
    )
    assert (product.status, product.rejection_reason) == ("rejected", "Say which encryption.")
    assert ProductRevision.objects.get(product=product).decision_reason == "Say which encryption."

    services.product_update(
        product=product,
        actor=supplier_editor,
        content=make_content(laptops, description="AES-256 with keys in the TPM."),
    )
    product = services.product_submit(product=product, actor=supplier_editor)
    assert product.status == "submitted"
    assert product.rejection_reason == ""
    assert list(product.revisions.values_list("number", "status")) == [
        (2, "submitted"),
        (1, "rejected"),
    ]


def test_approving_a_draft_is_an_invalid_transition(draft, catalogue_manager):
    with pytest.raises(InvalidTransition):
        services.product_approve(product=draft, actor=catalogue_manager)


# Revisions of published products.


def test_editing_a_published_product_opens_a_revision_buyers_do_not_see(
    published, supplier_editor, laptops
):
    change = make_content(
        laptops,
        name="Rugged laptop mark 2",
        list_price=Decimal("990.00"),
        price_breaks=(Tier(1, Decimal("990.00")), Tier(20, Decimal("900.00"))),
    )

    services.product_update(product=published, actor=supplier_editor, content=change)

    live = Product.objects.get(pk=published.pk)
    assert (live.name, live.list_price, live.status) == (
        "Rugged laptop",
        Decimal("1000.00"),
        "published",
    )
    assert breaks_of(live) == [
        (1, Decimal("1000.00")),
        (10, Decimal("950.00")),
        (100, Decimal("900.00")),
    ]
    revision = live.revisions.get(status="draft")
    assert revision.name == "Rugged laptop mark 2"
    assert revision.price_breaks == [
        {"min_quantity": 1, "unit_price": "990.00"},
        {"min_quantity": 20, "unit_price": "900.00"},
    ]


def test_a_second_edit_updates_the_one_open_revision(published, supplier_editor, laptops):
    services.product_update(
        product=published, actor=supplier_editor, content=make_content(laptops, name="Mark 2")
    )
    services.product_update(
        product=published, actor=supplier_editor, content=make_content(laptops, name="Mark 3")
    )

    open_revisions = published.revisions.filter(status__in=["draft", "submitted"])
    assert [r.name for r in open_revisions] == ["Mark 3"]
    assert [a for a in AuditEvent.objects.values_list("action", flat=True)].count(
        "revision.updated"
    ) == 1


def test_an_edit_identical_to_the_published_listing_is_refused(published, supplier_editor, content):
    with pytest.raises(DomainError, match="Nothing has changed"):
        services.product_update(product=published, actor=supplier_editor, content=content)
    assert published.revisions.count() == 1


def test_approving_a_revision_replaces_the_content_and_price_breaks_at_once(
    published, supplier_editor, catalogue_manager, phones
):
    change = make_content(
        phones,
        name="Rugged phone",
        list_price=Decimal("500.00"),
        price_breaks=(Tier(1, Decimal("500.00")), Tier(50, Decimal("450.00"))),
    )
    services.product_update(product=published, actor=supplier_editor, content=change)
    services.product_submit(product=published, actor=supplier_editor)
    assert Product.objects.get(pk=published.pk).name == "Rugged laptop"

    product = services.product_approve(product=published, actor=catalogue_manager)

    assert (product.name, product.category, product.list_price) == (
        "Rugged phone",
        phones,
        Decimal("500.00"),
    )
    assert breaks_of(product) == [(1, Decimal("500.00")), (50, Decimal("450.00"))]
    assert product.published_revision.number == 2
    assert product.published_revision.status == "approved"
    assert actions_on(product)[-1] == "revision.approved"


def test_rejecting_a_revision_keeps_the_published_listing(
    published, supplier_editor, catalogue_manager, laptops
):
    services.product_update(
        product=published, actor=supplier_editor, content=make_content(laptops, name="Mark 2")
    )
    services.product_submit(product=published, actor=supplier_editor)

    product = services.product_reject(
        product=published, actor=catalogue_manager, reason="The name is misleading."
    )

    assert (product.status, product.name) == ("published", "Rugged laptop")
    assert product.published_revision.number == 1
    rejected = product.revisions.get(number=2)
    assert (rejected.status, rejected.decision_reason) == ("rejected", "The name is misleading.")


def test_a_submitted_revision_cannot_be_edited_until_decided(published, supplier_editor, laptops):
    services.product_update(
        product=published, actor=supplier_editor, content=make_content(laptops, name="Mark 2")
    )
    services.product_submit(product=published, actor=supplier_editor)

    with pytest.raises(InvalidTransition):
        services.product_update(
            product=published, actor=supplier_editor, content=make_content(laptops, name="Mark 3")
        )
    with pytest.raises(InvalidTransition):
        services.product_submit(product=published, actor=supplier_editor)


def test_submitting_a_published_product_without_changes_is_refused(published, supplier_editor):
    with pytest.raises(InvalidTransition, match="no changes"):
        services.product_submit(product=published, actor=supplier_editor)


def test_the_supplier_can_discard_its_open_change(published, supplier_editor, laptops):
    services.product_update(
        product=published, actor=supplier_editor, content=make_content(laptops, name="Mark 2")
    )

    revision = services.revision_discard(product=published, actor=supplier_editor)

    assert revision.status == "discarded"
    assert Product.objects.get(pk=published.pk).name == "Rugged laptop"
    services.product_update(
        product=published, actor=supplier_editor, content=make_content(laptops, name="Mark 3")
    )
    assert published.revisions.filter(status="draft").get().number == 3


def test_every_revision_is_kept(published, supplier_editor, catalogue_manager, laptops):
    for number, name in enumerate(["Mark 2", "Mark 3", "Mark 4"], 2):
        services.product_update(
            product=published, actor=supplier_editor, content=make_content(laptops, name=name)
        )
        services.product_submit(product=published, actor=supplier_editor)
        if number % 2:
            services.product_reject(product=published, actor=catalogue_manager, reason="No.")
        else:
            services.product_approve(product=published, actor=catalogue_manager)

    assert list(published.revisions.order_by("number").values_list("number", "status")) == [
        (1, "approved"),
        (2, "approved"),
        (3, "rejected"),
        (4, "approved"),
    ]
    assert Product.objects.get(pk=published.pk).name == "Mark 4"


def test_the_sku_of_a_published_product_cannot_change(published, supplier_editor, laptops):
    with pytest.raises(DomainError) as error:
        services.product_update(
            product=published,
            actor=supplier_editor,
            content=make_content(laptops, name="Mark 2"),
            sku="LT-2",
        )
    assert "sku" in error.value.errors


# Withdrawal.


@pytest.mark.parametrize("user_fixture", ["supplier_editor", "catalogue_manager"])
def test_the_supplier_or_a_catalogue_manager_withdraws_with_a_reason(
    request, user_fixture, published
):
    user = request.getfixturevalue(user_fixture)

    product = services.product_withdraw(product=published, actor=user, reason="End of life.")

    assert (product.status, product.withdrawal_reason) == ("withdrawn", "End of life.")
    assert product.withdrawn_at is not None
    assert actions_on(product)[-1] == "product.withdrawn"


@pytest.mark.parametrize("user_fixture", ["buyer", "other_supplier_editor", "commercial_lead"])
def test_others_cannot_withdraw(request, user_fixture, published):
    with pytest.raises(NotPermitted):
        services.product_withdraw(
            product=published, actor=request.getfixturevalue(user_fixture), reason="Because."
        )
    assert Product.objects.get(pk=published.pk).status == "published"


def test_withdrawal_needs_a_reason_and_a_published_product(draft, published, supplier_editor):
    with pytest.raises(DomainError) as error:
        services.product_withdraw(product=published, actor=supplier_editor, reason="")
    assert "reason" in error.value.errors
    other = services.product_create(
        actor=supplier_editor,
        supplier=draft.supplier,
        sku="LT-9",
        content=make_content(draft.category),
    )
    with pytest.raises(InvalidTransition):
        services.product_withdraw(product=other, actor=supplier_editor, reason="Gone.")


def test_withdrawing_discards_the_open_change_and_the_product_can_be_relisted(
    published, supplier_editor, catalogue_manager, laptops
):
    services.product_update(
        product=published, actor=supplier_editor, content=make_content(laptops, name="Mark 2")
    )
    services.product_submit(product=published, actor=supplier_editor)

    services.product_withdraw(product=published, actor=supplier_editor, reason="Recalled.")
    assert published.revisions.get(number=2).status == "discarded"

    services.product_update(
        product=published, actor=supplier_editor, content=make_content(laptops, name="Mark 3")
    )
    services.product_submit(product=published, actor=supplier_editor)
    product = services.product_approve(product=published, actor=catalogue_manager)
    assert (product.status, product.name, product.withdrawn_at) == ("published", "Mark 3", None)


# Bad input: a clear error naming the field, and nothing saved.


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": " "}, "name"),
        ({"summary": "x" * 301}, "summary"),
        ({"list_price": Decimal("0.00")}, "list_price"),
        ({"list_price": Decimal("-5.00")}, "list_price"),
        ({"list_price": Decimal("10.001")}, "list_price"),
        ({"lead_time_days": -1}, "lead_time_days"),
        ({"unit": "bushel"}, "unit"),
        ({"category": None}, "category"),
        ({"price_breaks": ()}, "price_breaks"),
        ({"price_breaks": (Tier(2, Decimal("1000.00")),)}, "price_breaks"),
        ({"price_breaks": (Tier(1, Decimal("999.00")),)}, "price_breaks"),
        (
            {"price_breaks": (Tier(1, Decimal("1000.00")), Tier(10, Decimal("1001.00")))},
            "price_breaks",
        ),
        (
            {"price_breaks": (Tier(1, Decimal("1000.00")), Tier(1, Decimal("900.00")))},
            "price_breaks",
        ),
        (
            {
                "price_breaks": (
                    Tier(1, Decimal("1000.00")),
                    Tier(100, Decimal("900.00")),
                    Tier(10, Decimal("950.00")),
                )
            },
            "price_breaks",
        ),
        (
            {"price_breaks": (Tier(1, Decimal("1000.00")), Tier(10, Decimal("0.00")))},
            "price_breaks",
        ),
        (
            {
                "price_breaks": tuple(
                    Tier(q, Decimal("1000.00") - q) if q > 1 else Tier(1, Decimal("1000.00"))
                    for q in range(1, 11)
                )
            },
            "price_breaks",
        ),
    ],
)
def test_invalid_content_is_refused_naming_the_field(
    supplier_editor, supplier, laptops, changes, field
):
    with pytest.raises(DomainError) as error:
        services.product_create(
            actor=supplier_editor,
            supplier=supplier,
            sku="LT-1",
            content=make_content(laptops, **changes),
        )
    assert field in error.value.errors
    assert not Product.objects.exists()
    assert not PriceBreak.objects.exists()


@pytest.mark.parametrize("sku", ["", "has space", "-leading-hyphen", "x" * 65, "semi;colon"])
def test_an_invalid_sku_is_refused(supplier_editor, supplier, content, sku):
    with pytest.raises(DomainError) as error:
        services.product_create(actor=supplier_editor, supplier=supplier, sku=sku, content=content)
    assert "sku" in error.value.errors
    assert not Product.objects.exists()


def test_a_sku_clash_within_a_supplier_is_refused_but_not_across_suppliers(
    draft, supplier_editor, supplier, other_supplier_editor, other_supplier, content
):
    with pytest.raises(DomainError) as error:
        services.product_create(
            actor=supplier_editor, supplier=supplier, sku="LT-1", content=content
        )
    assert "sku" in error.value.errors
    assert Product.objects.count() == 1

    services.product_create(
        actor=other_supplier_editor, supplier=other_supplier, sku="LT-1", content=content
    )
    assert Product.objects.count() == 2


def test_renaming_a_drafts_sku_to_one_in_use_is_refused(draft, supplier_editor, content):
    services.product_create(
        actor=supplier_editor, supplier=draft.supplier, sku="LT-2", content=content
    )

    with pytest.raises(DomainError) as error:
        services.product_update(product=draft, actor=supplier_editor, content=content, sku="LT-2")
    assert "sku" in error.value.errors
    assert Product.objects.get(pk=draft.pk).sku == "LT-1"


# Categories.


def test_catalogue_managers_create_categories_with_valid_cpv_codes(catalogue_manager, computers):
    category = services.category_create(
        actor=catalogue_manager,
        name="Tablet computers",
        slug="tablets",
        cpv_code="30213200-7",
        parent=computers,
    )

    assert category.parent == computers
    assert actions_on(category) == ["category.created"]


@pytest.mark.parametrize("cpv_code", ["30213200-8", "3021320-7", "30213200", "abc"])
def test_an_invalid_cpv_code_is_refused(catalogue_manager, cpv_code):
    with pytest.raises(DomainError) as error:
        services.category_create(
            actor=catalogue_manager, name="Tablets", slug="tablets", cpv_code=cpv_code
        )
    assert "cpv_code" in error.value.errors
    assert not Category.objects.exists()


def test_only_catalogue_managers_change_categories(supplier_editor, buyer, computers, laptops):
    for user in (supplier_editor, buyer):
        with pytest.raises(NotPermitted):
            services.category_create(
                actor=user, name="Tablets", slug="tablets", cpv_code="30213200-7"
            )
        with pytest.raises(NotPermitted):
            services.category_move(category=laptops, new_parent=None, actor=user)


def test_a_category_moves_with_its_subtree_and_the_move_is_audited(
    catalogue_manager, computers, laptops, phones
):
    moved = services.category_move(category=computers, new_parent=phones, actor=catalogue_manager)

    assert moved.parent == phones
    assert Category.objects.get(pk=laptops.pk).parent == computers
    event = AuditEvent.objects.get(action="category.moved")
    assert (event.before, event.after) == ({"parent": None}, {"parent": phones.pk})


@pytest.mark.parametrize("target", ["itself", "its child", "its grandchild"])
def test_a_category_cannot_move_under_itself_or_its_descendants(
    catalogue_manager, computers, laptops, target
):
    grandchild = CategoryFactory(slug="rugged", cpv_code="30213000-5", parent=laptops)
    new_parent = {"itself": computers, "its child": laptops, "its grandchild": grandchild}[target]

    with pytest.raises(DomainError) as error:
        services.category_move(category=computers, new_parent=new_parent, actor=catalogue_manager)

    assert "parent" in error.value.errors
    assert Category.objects.get(pk=computers.pk).parent is None
    assert not AuditEvent.objects.filter(action="category.moved").exists()


def test_moving_a_category_recomputes_compliance_of_its_products(
    catalogue_manager, computers, laptops, phones, encryption
):
    phones.required_standards.add(encryption.standard)
    laptop = ProductFactory(category=laptops, is_compliant=True)
    ConformanceFactory(product=laptop)  # to another standard: compliant while none is required
    services.category_move(category=computers, new_parent=phones, actor=catalogue_manager)

    assert not Product.objects.get(pk=laptop.pk).is_compliant


def test_changing_a_categorys_required_standards_recomputes_compliance(
    catalogue_manager, computers, laptops, encryption
):
    laptop = ProductFactory(category=laptops, is_compliant=True)
    ConformanceFactory(product=laptop)

    services.category_update(
        category=computers, actor=catalogue_manager, required_standards=[encryption.standard]
    )
    assert not Product.objects.get(pk=laptop.pk).is_compliant

    services.category_update(category=computers, actor=catalogue_manager, required_standards=[])
    assert Product.objects.get(pk=laptop.pk).is_compliant


# Conformance.


def test_a_claim_stores_the_pdf_privately_with_its_hash(published, supplier_editor, encryption):
    body = b"%PDF-1.7\nsome evidence\n%%EOF\n"

    claim = services.conformance_claim(
        product=published,
        standard_version=encryption,
        evidence_file=pdf_upload("Certificate (2026).pdf", body),
        actor=supplier_editor,
    )

    assert claim.status == "claimed"
    assert claim.evidence_name == "Certificate (2026).pdf"
    assert claim.evidence_sha256 == hashlib.sha256(body).hexdigest()
    assert claim.evidence.name.startswith("evidence/")
    assert "Certificate" not in claim.evidence.name
    with default_storage.open(claim.evidence.name, "rb") as stored:
        assert stored.read() == body
    assert actions_on(claim) == ["conformance.claimed"]


@pytest.mark.parametrize(
    ("name", "body", "content_type"),
    [
        ("evidence.pdf", b"PK\x03\x04 a zip file", "application/pdf"),
        ("evidence.docx", b"%PDF-1.4 but named .docx", "application/pdf"),
        ("evidence.pdf", b"%PDF-1.4 declared as text", "text/plain"),
        ("evidence.pdf", b"", "application/pdf"),
    ],
)
def test_only_pdf_evidence_is_accepted(
    published, supplier_editor, encryption, name, body, content_type
):
    with pytest.raises(DomainError) as error:
        services.conformance_claim(
            product=published,
            standard_version=encryption,
            evidence_file=pdf_upload(name, body, content_type),
            actor=supplier_editor,
        )
    assert "evidence" in error.value.errors
    assert not Conformance.objects.exists()


def test_evidence_larger_than_the_limit_is_refused(
    published, supplier_editor, encryption, settings
):
    settings.CATALOGUE_EVIDENCE_MAX_BYTES = 1024

    with pytest.raises(DomainError, match="smaller than"):
        services.conformance_claim(
            product=published,
            standard_version=encryption,
            evidence_file=pdf_upload(content=b"%PDF-1.4\n" + b"x" * 2000),
            actor=supplier_editor,
        )
    assert not Conformance.objects.exists()


def test_a_second_claim_to_the_same_version_is_refused(published, supplier_editor, encryption):
    services.conformance_claim(
        product=published,
        standard_version=encryption,
        evidence_file=pdf_upload(),
        actor=supplier_editor,
    )
    with pytest.raises(DomainError) as error:
        services.conformance_claim(
            product=published,
            standard_version=encryption,
            evidence_file=pdf_upload(),
            actor=supplier_editor,
        )
    assert "standard_version" in error.value.errors
    assert Conformance.objects.count() == 1


def test_claims_are_only_to_adopted_versions(published, supplier_editor):
    superseded = StandardVersionFactory(status="superseded")

    with pytest.raises(DomainError) as error:
        services.conformance_claim(
            product=published,
            standard_version=superseded,
            evidence_file=pdf_upload(),
            actor=supplier_editor,
        )
    assert "standard_version" in error.value.errors


def test_another_supplier_cannot_claim_for_my_product(published, other_supplier_editor, encryption):
    with pytest.raises(NotPermitted):
        services.conformance_claim(
            product=published,
            standard_version=encryption,
            evidence_file=pdf_upload(),
            actor=other_supplier_editor,
        )


def test_verifying_and_rejecting_claims_recompute_compliance(
    published, supplier_editor, catalogue_manager, encryption, laptops
):
    laptops.required_standards.add(encryption.standard)
    claim = services.conformance_claim(
        product=published,
        standard_version=encryption,
        evidence_file=pdf_upload(),
        actor=supplier_editor,
    )
    assert not Product.objects.get(pk=published.pk).is_compliant

    services.conformance_verify(conformance=claim, actor=catalogue_manager)
    assert Product.objects.get(pk=published.pk).is_compliant

    revoked = services.conformance_reject(
        conformance=claim, actor=catalogue_manager, reason="The certificate has expired."
    )
    assert revoked.status == "rejected"
    assert not Product.objects.get(pk=published.pk).is_compliant
    assert actions_on(claim) == [
        "conformance.claimed",
        "conformance.verified",
        "conformance.rejected",
    ]


def test_only_catalogue_managers_verify_claims(published, supplier_editor, encryption, buyer):
    claim = services.conformance_claim(
        product=published,
        standard_version=encryption,
        evidence_file=pdf_upload(),
        actor=supplier_editor,
    )
    for user in (supplier_editor, buyer):
        with pytest.raises(NotPermitted):
            services.conformance_verify(conformance=claim, actor=user)
    assert Conformance.objects.get(pk=claim.pk).status == "claimed"


def test_a_verified_claim_cannot_be_verified_twice(
    published, supplier_editor, catalogue_manager, encryption
):
    claim = services.conformance_claim(
        product=published,
        standard_version=encryption,
        evidence_file=pdf_upload(),
        actor=supplier_editor,
    )
    services.conformance_verify(conformance=claim, actor=catalogue_manager)

    with pytest.raises(InvalidTransition):
        services.conformance_verify(conformance=claim, actor=catalogue_manager)


def test_a_comparison_names_every_changed_field_and_price_break(laptops, phones):
    old = make_content(laptops)
    new = make_content(
        phones,
        name="Rugged phone",
        price_breaks=(
            Tier(1, Decimal("1000.00")),
            Tier(10, Decimal("940.00")),
            Tier(50, Decimal("920.00")),
        ),
    )

    result = compare(old, new)

    assert result.changed_fields == ["name", "category", "price_breaks"]
    assert [(b.min_quantity, b.kind) for b in result.price_breaks] == [
        (1, "unchanged"),
        (10, "changed"),
        (50, "added"),
        (100, "removed"),
    ]
    assert not compare(old, old).has_changes
