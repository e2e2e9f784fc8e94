import datetime
import functools
from decimal import Decimal

import factory
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Membership, Organisation, OrganisationKind, Role, User
from catalogue.models import PriceBreak
from catalogue.selectors import compliance
from standards.models import Standard, StandardVersion

PASSWORD = "correct-horse-battery-staple"


@functools.cache
def password_hash() -> str:
    """PASSWORD hashed once, on first use: after tests/conftest.py has chosen the fast
    hasher (this module is imported before it does)."""
    return make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.LazyFunction(password_hash)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = OrganisationKind.FORCE
    name = factory.Sequence(lambda n: f"Testshire Police {n}")
    slug = factory.Sequence(lambda n: f"testshire-{n}")
    officer_headcount = factory.LazyAttribute(
        lambda o: 1500 if o.kind == OrganisationKind.FORCE else None
    )


class ForceFactory(OrganisationFactory):
    kind = OrganisationKind.FORCE


class SupplierFactory(OrganisationFactory):
    kind = OrganisationKind.SUPPLIER
    name = factory.Sequence(lambda n: f"Supplier {n} Ltd")
    slug = factory.Sequence(lambda n: f"supplier-{n}")


class ICTCompanyFactory(OrganisationFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["kind"]

    kind = OrganisationKind.ICT_COMPANY
    name = "The Police ICT Company"
    slug = "ictco"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(ForceFactory)
    role = Role.BUYER
    approval_limit = factory.LazyAttribute(
        lambda m: Decimal("250000.00") if m.role == Role.FINANCE else None
    )


def member(role: str, organisation: Organisation, **user_fields) -> User:
    """A new user holding one role in one organisation."""
    approval_limit = user_fields.pop("approval_limit", None)
    user = UserFactory(**user_fields)
    MembershipFactory(
        user=user,
        organisation=organisation,
        role=role,
        approval_limit=approval_limit
        if approval_limit is not None
        else (Decimal("250000.00") if role == Role.FINANCE else None),
    )
    return user


# Catalogue.


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalogue.Category"
        django_get_or_create = ["cpv_code"]

    name = "Computer equipment and supplies"
    slug = factory.Sequence(lambda n: f"category-{n}")
    cpv_code = "30200000-1"
    parent = None


class ProductFactory(factory.django.DjangoModelFactory):
    """A published product with breaks at 1, 10 and 100 units (100, 90, 80), compliant by its
    rows, as ``catalogue.compliance`` computes it.

    By default it has a verified conformance to the adopted version of each standard in force
    that its category (or an ancestor) requires, or, when none is required, to the factory's
    baseline standard (``baseline_standard_version``). ``is_compliant=False`` makes no
    conformance; ``conformances=[version, ...]`` names the versions instead. Either way
    ``is_compliant`` is then what the rows make it.
    """

    class Meta:
        model = "catalogue.Product"
        skip_postgeneration_save = True

    supplier = factory.SubFactory(SupplierFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    status = "published"
    name = factory.Sequence(lambda n: f"Rugged laptop model {n}")
    summary = "A rugged laptop for patrol vehicles."
    description = "Sealed against dust and water; docking in vehicles; four-hour battery swap."
    category = factory.SubFactory(CategoryFactory)
    unit = "each"
    list_price = Decimal("100.00")
    lead_time_days = 14
    is_compliant = True
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def breaks(self, create, extracted, **kwargs):
        """``breaks=[(1, "100.00"), (10, "90.00")]``; defaults to 1/10/100 at 100/90/80."""
        if not create:
            return

        tiers = extracted or [(1, self.list_price), (10, "90.00"), (100, "80.00")]
        PriceBreak.objects.bulk_create(
            PriceBreak(product=self, min_quantity=q, unit_price=Decimal(str(p))) for q, p in tiers
        )

    @factory.post_generation
    def conformances(self, create, extracted, **kwargs):
        """Verified conformances (see the class); then ``is_compliant`` from the rows."""
        if not create:
            return
        if extracted is not None:
            versions = list(extracted)
        elif self.is_compliant:
            versions = versions_required_by(self.category) or [baseline_standard_version()]
        else:
            versions = []
        for version in versions:
            ConformanceFactory(
                product=self, standard_version=version, status="verified", product_compliance=False
            )
        recompute_compliance(self)


class ProductRevisionFactory(factory.django.DjangoModelFactory):
    """A revision copying its product's content (override fields to propose changes)."""

    class Meta:
        model = "catalogue.ProductRevision"

    product = factory.SubFactory(ProductFactory)
    number = factory.Sequence(lambda n: n + 1)
    status = "submitted"
    name = factory.LazyAttribute(lambda r: r.product.name)
    summary = factory.LazyAttribute(lambda r: r.product.summary)
    description = factory.LazyAttribute(lambda r: r.product.description)
    category = factory.LazyAttribute(lambda r: r.product.category)
    unit = factory.LazyAttribute(lambda r: r.product.unit)
    list_price = factory.LazyAttribute(lambda r: r.product.list_price)
    lead_time_days = factory.LazyAttribute(lambda r: r.product.lead_time_days)
    price_breaks = factory.LazyAttribute(
        lambda r: [
            {"min_quantity": b.min_quantity, "unit_price": str(b.unit_price)}
            for b in r.product.price_breaks.order_by("min_quantity")
        ]
    )
    submitted_at = factory.LazyFunction(timezone.now)


def pdf_upload(name: str = "evidence.pdf", content: bytes | None = None, content_type=None):
    """A small PDF upload (valid signature) for conformance claims."""

    body = content if content is not None else b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type=content_type or "application/pdf")


# Standards.


BASELINE_REFERENCE = "NC-FAC-001"


def baseline_standard_version():
    """The adopted version 1 of NC-FAC-001, a standard that only factory products conform to
    (made on first use in a test; its reference is outside StandardFactory's NC-TST range)."""

    standard, _ = Standard.objects.get_or_create(
        reference=BASELINE_REFERENCE,
        defaults={"title": "Factory baseline standard", "domain": "device_security"},
    )
    version, _ = StandardVersion.objects.get_or_create(
        standard=standard,
        version=1,
        defaults={
            "body": "Products made by the test factories conform to this.",
            "status": "adopted",
            "effective_from": datetime.date(2026, 1, 1),
        },
    )
    return version


def versions_required_by(category) -> list:
    """The adopted version of each standard in force that ``category`` or an ancestor
    requires."""

    chain = []
    while category is not None:
        chain.append(category.pk)
        category = category.parent
    return list(
        StandardVersion.objects.filter(
            status="adopted",
            standard__abolished_at__isnull=True,
            standard__required_by_categories__in=chain,
        )
        .distinct()
        .order_by("pk")
    )


class StandardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "standards.Standard"

    reference = factory.Sequence(lambda n: f"NC-TST-{n:03d}")
    title = factory.Sequence(lambda n: f"Test standard {n}")
    domain = "device_security"


class StandardVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "standards.StandardVersion"

    standard = factory.SubFactory(StandardFactory)
    version = 1
    body = "Devices **must** encrypt data at rest."
    status = "adopted"
    effective_from = datetime.date(2026, 1, 1)


class ConformanceFactory(factory.django.DjangoModelFactory):
    """A conformance (verified by default), of a new product with no other conformance unless
    ``product`` is given; the product's ``is_compliant`` is then what its rows make it."""

    class Meta:
        model = "catalogue.Conformance"
        skip_postgeneration_save = True

    product = factory.SubFactory(ProductFactory, is_compliant=False)
    standard_version = factory.SubFactory(StandardVersionFactory)
    status = "verified"

    @factory.post_generation
    def product_compliance(self, create, extracted, **kwargs):
        """``product_compliance=False`` leaves the product's flag alone (its factory sets it)."""
        if create and extracted is not False:
            recompute_compliance(self.product)


def recompute_compliance(product) -> None:
    """Set ``product.is_compliant`` (row and instance) to what its conformance rows make it,
    as ``catalogue.compliance`` computes it (without the signal a real change sends)."""

    computed = compliance.compute([product.pk])[product.pk]
    if computed != product.is_compliant:
        type(product).objects.filter(pk=product.pk).update(is_compliant=computed)
        product.is_compliant = computed
