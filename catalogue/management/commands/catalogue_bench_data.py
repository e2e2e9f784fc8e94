"""Bulk-generate published products for the search benchmark (bench/catalogue_search.py).

    python manage.py seed_demo --force          # categories, standards, users
    python manage.py catalogue_bench_data --products 100000

Products get varied names and texts from a vocabulary, 2 to 4 price breaks, an approved
revision, and verified conformance for most (claims awaiting verification for some).
Rows are inserted in batches with bulk_create; compliance is computed by
catalogue.services.compliance and the search vectors in one SQL UPDATE. Run it again with a
larger --products to add more; it never touches the demo's own products.
"""

import random
import time
from decimal import ROUND_HALF_UP, Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from accounts.models import Organisation, OrganisationKind
from catalogue.models import (
    Category,
    Conformance,
    ConformanceStatus,
    PriceBreak,
    Product,
    ProductRevision,
    ProductStatus,
    RevisionStatus,
    Unit,
)
from catalogue.selectors.category_tree import CategoryTree
from catalogue.services import compliance
from catalogue.services.search_index import refresh_search_vectors
from standards.models import StandardVersion, VersionStatus

SKU_PREFIX = "BENCH-"
BATCH = 5000
SUPPLIER_COUNT = 60

BRANDS = [
    "Northgate",
    "Ashdown",
    "Kestrel",
    "Harbour",
    "Redwood",
    "Larkspur",
    "Fenland",
    "Millbrook",
    "Granite",
    "Severn",
    "Pennine",
    "Thornbury",
    "Wessex",
    "Cheviot",
    "Mercia",
    "Solent",
    "Chiltern",
    "Cotswold",
    "Mendip",
    "Quantock",
    "Wrekin",
    "Malvern",
    "Skiddaw",
    "Helvellyn",
    "Cairn",
    "Tamar",
    "Exmoor",
    "Dartmoor",
    "Fylde",
    "Wirral",
    "Weald",
    "Downs",
    "Brecon",
    "Clwyd",
    "Gower",
    "Lleyn",
    "Purbeck",
    "Portland",
    "Lizard",
    "Orford",
    "Blakeney",
    "Holkham",
    "Sandringham",
    "Kielder",
    "Tweed",
    "Eden",
    "Lune",
    "Ribble",
    "Wharfe",
    "Swale",
    "Tees",
    "Wear",
    "Tyne",
    "Aire",
    "Calder",
    "Derwent",
    "Trent",
    "Soar",
    "Avon",
    "Stour",
]
SUFFIXES = [
    "Systems",
    "Technology",
    "Devices",
    "Digital",
    "Networks",
    "Solutions",
    "Group",
    "Communications",
    "Software",
    "Security",
    "Computing",
    "Services",
    "Electronics",
    "Data",
]
# Each category's nouns, and the adjectives and description phrases of its kind of product.
NOUNS = {
    "30213100-6": ["laptop", "notebook", "ultrabook", "convertible"],
    "30213200-7": ["tablet", "slate", "handheld"],
    "30213300-8": ["desktop", "workstation", "minipc"],
    "30231000-7": ["monitor", "display", "screen"],
    "30237200-1": ["dock", "battery", "charger", "keyboard", "mount", "case"],
    "32250000-0": ["smartphone", "handset", "phone"],
    "32413100-2": ["router", "gateway"],
    "32422000-7": ["switch", "transceiver", "accesspoint"],
    "32420000-3": ["firewall", "appliance"],
    "38651000-3": ["camera", "bodycam", "dashcam", "recorder"],
    "48000000-8": ["platform", "suite", "system"],
    "48311000-1": ["records", "casefile", "archive"],
    "48510000-6": ["messaging", "chat", "briefing"],
    "48730000-4": ["antivirus", "encryption", "monitoring", "scanner"],
    "72200000-7": ["developer", "analyst", "architect", "consultancy"],
    "72253000-3": ["helpdesk", "servicedesk", "support"],
    "72000000-5": ["audit", "onboarding", "migration"],
}
KINDS = {
    "device": (
        [
            "rugged",
            "compact",
            "portable",
            "lightweight",
            "wireless",
            "hardened",
            "tactical",
            "convertible",
            "slim",
            "sealed",
            "touchscreen",
            "fanless",
        ],
        [
            "Sealed against dust and water to IP65.",
            "Drop-tested to two metres.",
            "Hot-swappable batteries for a full shift.",
            "Sunlight-readable display.",
            "Encrypts data at rest with keys in a TPM.",
            "Glove-touch screen.",
            "Vehicle docking connector.",
            "Smart-card reader built in.",
            "Five-year on-site warranty.",
            "Managed through the force's device management.",
            "Privacy filter fitted.",
            "Barcode reader for property labels.",
            "Magnesium alloy chassis.",
            "Twelve-hour battery life.",
            "USB-C charging.",
            "Fingerprint sign-in.",
            "Pen input for statements.",
            "Dual SIM with 5G.",
        ],
    ),
    "network": (
        [
            "managed",
            "modular",
            "resilient",
            "industrial",
            "redundant",
            "stackable",
            "outdoor",
            "ruggedised",
            "virtual",
            "branch",
        ],
        [
            "Separates operational, administrative and guest traffic.",
            "Logs to the force's security monitoring.",
            "Dual power supplies.",
            "Centrally configured and updated.",
            "Power over Ethernet on every port.",
            "Hardware-accelerated encryption.",
            "Rated for roadside cabinets.",
            "Zero-touch provisioning.",
            "Five-year advance replacement.",
            "Supports 802.1X authentication.",
            "4G and 5G failover.",
            "DIN-rail mounting.",
        ],
    ),
    "camera": (
        [
            "covert",
            "wearable",
            "tactical",
            "thermal",
            "panoramic",
            "weatherproof",
            "lowlight",
            "streaming",
        ],
        [
            "Hashes footage at capture with SHA-256.",
            "Pre-record buffer of two minutes.",
            "Encrypts recordings at rest.",
            "Live streaming to the control room.",
            "Twelve-hour recording on one charge.",
            "Docking uploads and verifies evidence.",
            "Infrared night vision.",
            "Audio with wind-noise reduction.",
            "Unbroken chain of custody to disclosure.",
            "Quick-release mounting.",
        ],
    ),
    "software": (
        [
            "cloud",
            "hosted",
            "integrated",
            "automated",
            "mobile",
            "accessible",
            "federated",
            "scalable",
            "auditable",
            "offline",
        ],
        [
            "Signs in through the national identity federation.",
            "Exports in the common incident schema.",
            "Role-based access control.",
            "Full audit trail of every change.",
            "Hosted in UK data centres.",
            "Accessible to WCAG 2.2 AA.",
            "Works offline and synchronises later.",
            "Retention schedules built in.",
            "Open API for integration.",
            "End-to-end encrypted.",
            "Redaction of personal data.",
            "Disclosure packs for prosecutors.",
            "Dashboards for supervisors.",
        ],
    ),
    "service": (
        [
            "accredited",
            "cleared",
            "onsite",
            "remote",
            "specialist",
            "agile",
            "fixed-price",
            "senior",
        ],
        [
            "Staff cleared to SC level.",
            "Available 24 hours a day.",
            "ITIL-aligned processes.",
            "Fixed price per deliverable.",
            "Knowledge transfer to force staff.",
            "Service credits for missed targets.",
            "Experienced with police systems.",
            "Reports against agreed levels.",
            "Works to GOV.UK service standards.",
            "Delivered from UK locations.",
        ],
    ),
}
KIND_BY_CPV = {
    "30": "device",
    "32": "network",
    "38": "camera",
    "48": "software",
    "72": "service",
}


def kind_of(cpv: str) -> str:
    return "device" if cpv == "32250000-0" else KIND_BY_CPV[cpv[:2]]


ADJECTIVES = sorted({a for adjectives, _ in KINDS.values() for a in adjectives})
USES = [
    "patrol officers",
    "custody suites",
    "control rooms",
    "neighbourhood teams",
    "detectives",
    "roads policing",
    "firearms units",
    "front counters",
    "forensics",
    "intelligence analysts",
    "public order",
    "training centres",
]
UNITS = {
    "48": Unit.USER_PER_MONTH,
    "72": Unit.DAY,
}


def _money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class Command(BaseCommand):
    help = "Bulk-generate published products for the catalogue search benchmark."

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=3)

    def handle(self, *args, products: int, seed: int, **options):
        categories = {c.cpv_code: c for c in Category.objects.all()}
        usable = [cpv for cpv in NOUNS if cpv in categories]
        if not usable:
            raise CommandError("No categories: run `python manage.py seed_demo --force` first.")
        existing = Product.objects.filter(sku__startswith=SKU_PREFIX).count()
        wanted = products - existing
        if wanted <= 0:
            self.stdout.write(f"{existing:,} benchmark products already exist.")
            return
        rng = random.Random(seed + existing)  # noqa: S311 (benchmark data, not secrets)
        started = time.perf_counter()
        suppliers = self._suppliers()
        tree = CategoryTree.load()
        versions = self._versions_by_category(tree, categories)
        now = timezone.now()

        done = 0
        while done < wanted:
            count = min(BATCH, wanted - done)
            with transaction.atomic():
                self._batch(
                    rng, existing + done, count, suppliers, categories, usable, versions, now
                )
            done += count
            self.stdout.write(f"  {existing + done:,} products")
        ids = list(Product.objects.filter(sku__startswith=SKU_PREFIX).values_list("pk", flat=True))
        compliance.refresh(ids)
        refresh_search_vectors()
        if connection.vendor == "postgresql":
            # Bulk inserts then two whole-table updates leave three versions of each row:
            # compact the tables as autovacuum would over time, and refresh statistics.
            # (Inside a transaction, as in tests, VACUUM cannot run: analyse only.)
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM FULL ANALYZE"
            with connection.cursor() as cursor:
                for table in ("catalogue_product", "catalogue_pricebreak", "catalogue_conformance"):
                    cursor.execute(f"{command} {table}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{wanted:,} products added in {time.perf_counter() - started:.0f} s; "
                f"{Product.objects.filter(status=ProductStatus.PUBLISHED).count():,} published."
            )
        )

    def _suppliers(self) -> list[Organisation]:
        suppliers = []
        for number in range(SUPPLIER_COUNT):
            brand = BRANDS[number % len(BRANDS)]
            suffix = SUFFIXES[number % len(SUFFIXES)]
            supplier, _ = Organisation.objects.get_or_create(
                slug=f"bench-{brand.lower()}",
                defaults={"kind": OrganisationKind.SUPPLIER, "name": f"{brand} {suffix} Ltd"},
            )
            suppliers.append(supplier)
        return suppliers

    def _versions_by_category(self, tree, categories) -> dict[int, list[int]]:
        """The adopted versions each category's products must conform to (with ancestors')."""
        adopted = dict(
            StandardVersion.objects.filter(status=VersionStatus.ADOPTED).values_list(
                "standard_id", "pk"
            )
        )
        direct: dict[int, set[int]] = {}
        for category_id, standard_id in Category.required_standards.through.objects.values_list(
            "category_id", "standard_id"
        ):
            direct.setdefault(category_id, set()).add(standard_id)
        result = {}
        for category in categories.values():
            needed = set(direct.get(category.pk, set()))
            for ancestor in tree.ancestors(category.pk):
                needed |= direct.get(ancestor.pk, set())
            versions = [adopted[s] for s in sorted(needed) if s in adopted]
            if not versions and adopted:
                versions = [min(adopted.values())]
            result[category.pk] = versions
        return result

    def _batch(self, rng, offset, count, suppliers, categories, usable, versions, now):
        products = []
        for index in range(offset, offset + count):
            cpv = rng.choice(usable)
            category = categories[cpv]
            supplier = suppliers[rng.randrange(len(suppliers))]
            brand = supplier.name.split(" ")[0]
            adjectives, phrases = KINDS[kind_of(cpv)]
            adjective, second = rng.sample(adjectives, 2)
            noun = rng.choice(NOUNS[cpv])
            model = f"{rng.choice('ABCDEFGHKMNPRSTX')}{rng.randint(10, 999)}"
            price = _money(rng.lognormvariate(5.5, 1.3) + 5)
            products.append(
                Product(
                    supplier=supplier,
                    sku=f"{SKU_PREFIX}{index:07d}",
                    status=ProductStatus.PUBLISHED,
                    name=f"{brand} {adjective} {noun} {model}",
                    summary=f"{second.capitalize()} {noun} for {rng.choice(USES)}",
                    description=" ".join(rng.sample(phrases, 2)),
                    category=category,
                    unit=UNITS.get(cpv[:2], Unit.EACH),
                    list_price=price,
                    lead_time_days=rng.choice([3, 5, 7, 10, 14, 21, 28, 45]),
                    published_at=now,
                )
            )
        Product.objects.bulk_create(products, batch_size=BATCH)
        breaks: list[PriceBreak] = []
        revisions: list[ProductRevision] = []
        claims: list[Conformance] = []
        for product in products:
            tiers = [(1, product.list_price)]
            quantity, unit_price = 1, product.list_price
            for _ in range(rng.randint(1, 3)):
                quantity = (
                    quantity * rng.choice([5, 10, 20]) if quantity > 1 else rng.choice([5, 10, 25])
                )
                unit_price = max(
                    Decimal("0.01"), _money(float(unit_price) * rng.uniform(0.85, 0.97))
                )
                tiers.append((quantity, unit_price))
            breaks.extend(
                PriceBreak(product=product, min_quantity=q, unit_price=p) for q, p in tiers
            )
            revisions.append(
                ProductRevision(
                    product=product,
                    number=1,
                    status=RevisionStatus.APPROVED,
                    name=product.name,
                    summary=product.summary,
                    description=product.description,
                    category_id=product.category_id,
                    unit=product.unit,
                    list_price=product.list_price,
                    lead_time_days=product.lead_time_days,
                    price_breaks=[{"min_quantity": q, "unit_price": str(p)} for q, p in tiers],
                    submitted_at=now,
                    decided_at=now,
                )
            )
            roll = rng.random()
            for version_id in versions.get(product.category_id, []):
                status = (
                    ConformanceStatus.VERIFIED
                    if roll < 0.85
                    else ConformanceStatus.CLAIMED
                    if roll < 0.95
                    else None
                )
                if status is not None:
                    claims.append(
                        Conformance(
                            product=product,
                            standard_version_id=version_id,
                            status=status,
                            decided_at=now if status == ConformanceStatus.VERIFIED else None,
                        )
                    )
        PriceBreak.objects.bulk_create(breaks, batch_size=BATCH)
        ProductRevision.objects.bulk_create(revisions, batch_size=BATCH)
        Conformance.objects.bulk_create(claims, batch_size=BATCH)
        # One UPDATE with a subquery (bulk_update's CASE per row took a third of each batch).
        Product.objects.filter(pk__in=[p.pk for p in products]).update(
            published_revision_id=Subquery(
                ProductRevision.objects.filter(product=OuterRef("pk")).values("pk")[:1]
            )
        )
