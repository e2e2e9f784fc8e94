"""Bulk listing upload from CSV: one row per product, price breaks in columns.

The whole file is checked before anything is saved. A file with any bad row changes
nothing and reports every bad row with its line number and the reasons. A good file
creates new drafts, updates products still in draft (or rejected, or withdrawn) and
opens revisions for published ones, all in one transaction, through the same services
as the pages and the API.
"""

import csv
import hashlib
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from accounts import audit
from accounts.models import Organisation, OrganisationKind, User
from catalogue.audit_actions import CatalogueAudit
from catalogue.domain.content import ProductContent, content_errors, parse_money
from catalogue.domain.pricing import Tier
from catalogue.models import Product, ProductRevision, ProductStatus, RevisionStatus, Unit
from catalogue.selectors.category_tree import CategoryTree
from catalogue.services.common import require_editor, validated_sku
from catalogue.services.listings import product_create, product_update
from catalogue.uploads import describe_size
from core.errors import DomainError
from core.invariants import present
from core.limits import MAX_PRICE_BREAKS

REQUIRED_COLUMNS = ["sku", "name", "category", "unit", "list_price"]
OPTIONAL_COLUMNS = ["summary", "description", "lead_time_days"]
BREAK_NUMBERS = range(2, MAX_PRICE_BREAKS + 1)
BREAK_COLUMNS = [
    column
    for number in BREAK_NUMBERS
    for column in (f"break_{number}_quantity", f"break_{number}_unit_price")
]
COLUMNS = [
    "sku",
    "name",
    "summary",
    "description",
    "category",
    "unit",
    "list_price",
    "lead_time_days",
    *BREAK_COLUMNS,
]
UNIT_BY_TEXT = {**{u.value: u.value for u in Unit}, **{u.label: u.value for u in Unit}}


@dataclass
class RowError:
    line: int
    sku: str
    messages: list[str]


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    revised: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.created) + len(self.updated) + len(self.revised) + len(self.unchanged)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "revised": self.revised,
            "unchanged": self.unchanged,
        }


class ImportRejected(DomainError):
    """The file has bad rows: nothing was saved. ``row_errors`` lists every one."""

    def __init__(self, row_errors: list[RowError]):
        self.row_errors = row_errors
        count = len(row_errors)
        super().__init__(
            f"{count} row{'s' if count != 1 else ''} of the file "
            f"{'have' if count != 1 else 'has'} problems: nothing was saved.",
            errors={
                f"line {error.line}": [
                    f"{error.sku}: {m}" if error.sku else m for m in error.messages
                ]
                for error in row_errors
            },
        )


@dataclass
class _Row:
    line: int
    sku: str
    content: ProductContent
    product: Product | None
    action: str  # create, update, revise, unchanged


def template_csv() -> str:
    """The header row and one example row, for suppliers to fill in."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    example = {
        "sku": "LT-14-RUGGED",
        "name": "Rugged 14-inch laptop",
        "summary": "Fully rugged laptop for patrol vehicles",
        "description": "Sealed to IP65, hot-swappable batteries, vehicle dock.",
        "category": "30213100-6",
        "unit": "each",
        "list_price": "1850.00",
        "lead_time_days": "21",
        "break_2_quantity": "10",
        "break_2_unit_price": "1795.00",
        "break_3_quantity": "100",
        "break_3_unit_price": "1690.00",
    }
    writer.writerow([example.get(column, "") for column in COLUMNS])
    return out.getvalue()


def max_bytes() -> int:
    return settings.CATALOGUE_IMPORT_MAX_BYTES


def _read_text(upload: UploadedFile) -> str:
    limit = max_bytes()
    if upload is None:
        raise DomainError("Choose a CSV file to upload.", field="file")
    if upload.size is not None and upload.size > limit:
        raise DomainError(f"The file must be smaller than {describe_size(limit)}.", field="file")
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise DomainError(f"The file must be smaller than {describe_size(limit)}.", field="file")
    if not data.strip():
        raise DomainError("The file is empty.", field="file")
    if b"\x00" in data:
        raise DomainError("The file is not a CSV text file.", field="file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DomainError(
            "The file must be saved as CSV in UTF-8 (in Excel: CSV UTF-8).", field="file"
        ) from error


def _parse_rows(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise DomainError("The file is empty.", field="file")
        columns = [name.strip().lower() for name in header]
        missing = [name for name in REQUIRED_COLUMNS if name not in columns]
        unknown = [name for name in columns if name and name not in COLUMNS]
        duplicated = sorted({name for name in columns if name and columns.count(name) > 1})
        problems = []
        if missing:
            problems.append("missing columns: " + ", ".join(missing))
        if unknown:
            problems.append("unknown columns: " + ", ".join(unknown))
        if duplicated:
            problems.append("repeated columns: " + ", ".join(duplicated))
        if problems:
            raise DomainError(
                "The header row (line 1) is wrong: " + "; ".join(problems) + ". "
                "Download the template for the right columns.",
                field="file",
            )
        rows: list[tuple[int, dict[str, str]]] = []
        max_rows = settings.CATALOGUE_IMPORT_MAX_ROWS
        start = reader.line_num + 1
        for values in reader:
            line = start
            start = reader.line_num + 1
            if not any(value.strip() for value in values):
                continue
            if len(rows) >= max_rows:
                raise DomainError(
                    f"The file has more than {max_rows:,} products: split it into smaller files.",
                    field="file",
                )
            if len(values) > len(columns):
                rows.append(
                    (
                        line,
                        {"__error__": f"has {len(values)} cells, expected at most {len(columns)}"},
                    )
                )
                continue
            rows.append((line, dict(zip(columns, (v.strip() for v in values), strict=False))))
    except csv.Error as error:
        raise DomainError(
            f"The file is not valid CSV (line {reader.line_num}): {error}.", field="file"
        ) from error
    if not rows:
        raise DomainError("The file has a header row but no products.", field="file")
    return columns, rows


def _row_content(
    values: dict[str, str], tree: CategoryTree
) -> tuple[ProductContent | None, list[str]]:
    messages: list[str] = []

    category = None
    category_key = values.get("category", "")
    if not category_key:
        messages.append("category: give the category's CPV code or slug.")
    else:
        category = tree.find(category_key)
        if category is None:
            messages.append(f"category: no category has the CPV code or slug {category_key!r}.")

    unit_text = values.get("unit", "")
    unit = UNIT_BY_TEXT.get(unit_text) or UNIT_BY_TEXT.get(unit_text.lower())
    if unit is None:
        messages.append(
            f"unit: {unit_text!r} is not a unit; use one of " + ", ".join(Unit.values) + "."
        )

    list_price = parse_money(values.get("list_price", ""))
    if list_price is None:
        messages.append(f"list_price: {values.get('list_price', '')!r} is not an amount in GBP.")

    lead_time_text = values.get("lead_time_days", "") or "0"
    try:
        lead_time = int(lead_time_text)
    except ValueError:
        lead_time = 0
        messages.append(f"lead_time_days: {lead_time_text!r} is not a whole number of days.")

    extra_breaks: list[Tier] = []
    for number in BREAK_NUMBERS:
        quantity_text = values.get(f"break_{number}_quantity", "")
        price_text = values.get(f"break_{number}_unit_price", "")
        if not quantity_text and not price_text:
            continue
        if not quantity_text or not price_text:
            messages.append(f"break {number}: give both a quantity and a unit price.")
            continue
        try:
            quantity = int(quantity_text)
        except ValueError:
            messages.append(f"break_{number}_quantity: {quantity_text!r} is not a whole number.")
            continue
        price = parse_money(price_text)
        if price is None:
            messages.append(f"break_{number}_unit_price: {price_text!r} is not an amount in GBP.")
            continue
        extra_breaks.append(Tier(quantity, price))

    if list_price is None:
        return None, messages
    content = ProductContent(
        name=values.get("name", ""),
        summary=values.get("summary", ""),
        description=values.get("description", ""),
        category=category,
        unit=unit or Unit.EACH,
        list_price=list_price,
        lead_time_days=lead_time,
        price_breaks=(Tier(1, list_price), *extra_breaks),
    )
    reported = {m.split(":", 1)[0] for m in messages}
    for field_name, field_messages in content_errors(content).items():
        if field_name in reported:
            continue
        messages.extend(f"{field_name}: {m}" for m in field_messages)
    return (content if not messages else None), messages


def validate(*, supplier: Organisation, upload: UploadedFile) -> tuple[list[_Row], str]:
    """Check the whole file. Raises ``ImportRejected`` listing every bad row."""
    raw = _read_text(upload)
    _, parsed = _parse_rows(raw)
    tree = CategoryTree.load()
    skus = [values.get("sku", "") for _, values in parsed]
    existing = {
        p.sku: p
        for p in Product.objects.filter(supplier=supplier, sku__in=[s for s in skus if s])
        .select_related("category")
        .prefetch_related("price_breaks")
    }
    open_revisions = {
        r.product_id: r
        for r in ProductRevision.objects.filter(
            product__in=list(existing.values()),
            status__in=[RevisionStatus.DRAFT, RevisionStatus.SUBMITTED],
        )
    }
    seen: dict[str, int] = {}
    rows: list[_Row] = []
    errors: list[RowError] = []
    for line, values in parsed:
        if "__error__" in values:
            errors.append(RowError(line, "", [f"The row {values['__error__']}."]))
            continue
        sku = values.get("sku", "")
        messages: list[str] = []
        try:
            sku = validated_sku(sku)
        except DomainError as error:
            messages.extend(f"sku: {m}" for m in error.errors.get("sku", [error.message]))
        if sku and sku in seen:
            messages.append(f"sku: {sku} is also on line {seen[sku]}.")
        elif sku:
            seen[sku] = line
        content, content_messages = _row_content(values, tree)
        messages.extend(content_messages)
        product = existing.get(sku)
        action = "create"
        if product is not None:
            revision = open_revisions.get(product.pk)
            if product.status == ProductStatus.SUBMITTED:
                messages.append("this product is awaiting review: it cannot change now.")
            elif product.status == ProductStatus.PUBLISHED:
                if revision is not None and revision.status == RevisionStatus.SUBMITTED:
                    messages.append("a change to this product is already awaiting review.")
                elif (
                    content is not None
                    and revision is None
                    and (content == ProductContent.of_product(product))
                ):
                    action = "unchanged"
                else:
                    action = "revise"
            else:
                action = "update"
        if messages:
            errors.append(RowError(line, sku, messages))
        else:
            rows.append(_Row(line, sku, present(content, "the row's content"), product, action))
    if errors:
        raise ImportRejected(errors)
    return rows, hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def import_products(*, supplier: Organisation, actor: User, upload: UploadedFile) -> ImportResult:
    """Validate the whole file, then apply every row in one transaction (or none)."""
    if supplier.kind != OrganisationKind.SUPPLIER:
        raise DomainError("Products belong to suppliers.", field="supplier")
    require_editor(actor, supplier.pk)
    rows, digest = validate(supplier=supplier, upload=upload)
    result = ImportResult()
    for row in rows:
        if row.action == "unchanged":
            result.unchanged.append(row.sku)
        elif row.action == "create":
            product_create(actor=actor, supplier=supplier, sku=row.sku, content=row.content)
            result.created.append(row.sku)
        else:
            product_update(
                product=present(row.product, "the product"), actor=actor, content=row.content
            )
            (result.revised if row.action == "revise" else result.updated).append(row.sku)
    audit.record(
        actor=actor,
        action=CatalogueAudit.PRODUCT_IMPORTED,
        object_type="catalogue.productimport",
        object_id=digest[:16],
        organisation=supplier,
        after={"file_sha256": digest, "file_name": upload.name, **result.as_dict()},
    )
    return result
