import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditEvent
from catalogue import services
from catalogue.models import PriceBreak, Product, ProductRevision
from catalogue.services import imports
from core.errors import DomainError, NotPermitted
from tests.catalogue.conftest import make_content

pytestmark = pytest.mark.django_db

HEADER = "sku,name,category,unit,list_price,lead_time_days,break_2_quantity,break_2_unit_price"


def upload(text: str | bytes, name: str = "listings.csv") -> SimpleUploadedFile:
    data = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="text/csv")


def run(supplier_editor, supplier, text):
    return imports.import_products(supplier=supplier, actor=supplier_editor, upload=upload(text))


def rejected(supplier_editor, supplier, text) -> imports.ImportRejected:
    with pytest.raises(imports.ImportRejected) as error:
        run(supplier_editor, supplier, text)
    return error.value


def test_the_template_names_every_column_and_imports_as_it_is(supplier_editor, supplier, laptops):
    template = imports.template_csv()
    header = next(csv.reader(io.StringIO(template)))

    assert header == imports.COLUMNS
    assert "break_8_unit_price" in header
    result = run(supplier_editor, supplier, template)
    assert result.created == ["LT-14-RUGGED"]
    product = Product.objects.get(sku="LT-14-RUGGED")
    assert list(product.price_breaks.values_list("min_quantity", "unit_price")) == [
        (1, Decimal("1850.00")),
        (10, Decimal("1795.00")),
        (100, Decimal("1690.00")),
    ]


def test_a_good_file_creates_drafts_in_one_audited_go(supplier_editor, supplier, laptops):
    text = (
        f"{HEADER}\n"
        "A-1,Laptop one,30213100-6,each,100.00,5,10,90.00\n"
        "\n"
        'A-2,"Laptop, two",laptops,user per month,200,,,\n'
    )

    result = run(supplier_editor, supplier, text)

    assert (result.created, result.updated, result.revised) == (["A-1", "A-2"], [], [])
    one, two = Product.objects.order_by("sku")
    assert (one.status, one.lead_time_days, one.unit) == ("draft", 5, "each")
    assert (two.name, two.unit, two.lead_time_days) == ("Laptop, two", "user_per_month", 0)
    assert list(two.price_breaks.values_list("min_quantity", "unit_price")) == [
        (1, Decimal("200.00"))
    ]
    assert AuditEvent.objects.filter(action="product.created").count() == 2
    summary = AuditEvent.objects.get(action="product.imported")
    assert summary.after["created"] == ["A-1", "A-2"]
    assert summary.organisation == supplier


def test_known_skus_update_drafts_and_open_revisions_of_published_products(
    published, supplier_editor, catalogue_manager, supplier, laptops
):
    same = services.product_create(
        actor=supplier_editor, supplier=supplier, sku="SAME", content=make_content(laptops)
    )
    services.product_submit(product=same, actor=supplier_editor)
    services.product_approve(product=same, actor=catalogue_manager)
    text = (
        "sku,name,summary,description,category,unit,list_price,lead_time_days,"
        "break_2_quantity,break_2_unit_price,break_3_quantity,break_3_unit_price\n"
        # LT-1 (published) changes its name; SAME is exactly as published; NEW is new.
        "LT-1,Rugged laptop mark 2,A rugged laptop for patrol cars,"
        "Sealed against dust and water.,laptops,each,1000.00,14,10,950.00,100,900.00\n"
        "SAME,Rugged laptop,A rugged laptop for patrol cars,Sealed against dust and water.,"
        "laptops,each,1000.00,14,10,950.00,100,900.00\n"
        "NEW,New laptop,,,laptops,each,10.00,0,,,,\n"
    )

    result = run(supplier_editor, supplier, text)

    assert (result.created, result.revised, result.unchanged) == (["NEW"], ["LT-1"], ["SAME"])
    live = Product.objects.get(sku="LT-1")
    assert live.name == "Rugged laptop"  # buyers see the published content until review
    assert live.revisions.get(status="draft").name == "Rugged laptop mark 2"


def test_a_draft_row_updates_the_draft(draft, supplier_editor, supplier, laptops):
    result = run(supplier_editor, supplier, f"{HEADER}\nLT-1,Renamed,laptops,each,50.00,1,,\n")

    assert result.updated == ["LT-1"]
    product = Product.objects.get(pk=draft.pk)
    assert (product.name, product.list_price) == ("Renamed", Decimal("50.00"))
    assert list(PriceBreak.objects.filter(product=product).values_list("min_quantity")) == [(1,)]


def test_a_file_with_bad_rows_changes_nothing_and_reports_every_one(
    draft, supplier_editor, supplier, laptops
):
    before = (Product.objects.count(), PriceBreak.objects.count(), AuditEvent.objects.count())
    text = (
        f"{HEADER}\n"
        "OK-1,Fine laptop,laptops,each,100.00,1,10,90.00\n"  # line 2: fine
        "BAD 2,Bad sku,laptops,each,100.00,1,,\n"  # line 3
        "OK-3,No category,99999999-9,each,100.00,1,,\n"  # line 4
        "OK-4,Rising price,laptops,each,100.00,1,10,120.00\n"  # line 5
        "OK-5,Negative,laptops,each,-5,1,,\n"  # line 6
        "OK-6,Bad unit,laptops,bushel,5,soon,,\n"  # line 7
        'OK-7,"Multi\nline name",laptops,each,abc,1,,\n'  # lines 8-9
        "OK-1,Duplicate,laptops,each,100.00,1,,\n"  # line 10
        "OK-8,Half break,laptops,each,100.00,1,10,\n"  # line 11
        ",No sku,laptops,each,1.00,1,,\n"  # line 12
    )

    error = rejected(supplier_editor, supplier, text)

    lines = {e.line: e for e in error.row_errors}
    assert sorted(lines) == [3, 4, 5, 6, 7, 8, 10, 11, 12]
    assert "sku" in lines[3].messages[0]
    assert "category" in lines[4].messages[0]
    assert any("price" in m and "rise" in m for m in lines[5].messages)
    assert any(m.startswith("list_price") for m in lines[6].messages)
    assert {m.split(":")[0] for m in lines[7].messages} == {"unit", "lead_time_days"}
    assert lines[8].messages[0].startswith("list_price")
    assert "line 2" in lines[10].messages[0]
    assert "both" in lines[11].messages[0]
    assert lines[12].messages[0].startswith("sku")
    assert "line 3" in error.errors and len(error.errors) == 9
    assert (
        Product.objects.count(),
        PriceBreak.objects.count(),
        AuditEvent.objects.count(),
    ) == before


def test_a_row_for_a_product_awaiting_review_is_refused(draft, supplier_editor, supplier, laptops):
    services.product_submit(product=draft, actor=supplier_editor)

    error = rejected(supplier_editor, supplier, f"{HEADER}\nLT-1,Renamed,laptops,each,5,1,,\n")

    assert "awaiting review" in error.row_errors[0].messages[0]


def test_another_suppliers_sku_is_a_new_product_for_me(
    draft, other_supplier_editor, other_supplier, laptops
):
    result = run(
        other_supplier_editor, other_supplier, f"{HEADER}\nLT-1,Mine,laptops,each,5.00,1,,\n"
    )

    assert result.created == ["LT-1"]
    assert Product.objects.get(pk=draft.pk).name == "Rugged laptop"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        ("   \n\n", "empty"),
        (HEADER + "\n", "no products"),
        ("sku,name\nA,B\n", "missing columns: category, unit, list_price"),
        (HEADER + ",colour\nA,B,laptops,each,1,1,,,red\n", "unknown columns: colour"),
        ("sku,sku,name,category,unit,list_price\n", "repeated columns: sku"),
        (b"\xff\xfe\x00s\x00k\x00u", "not a CSV text file"),
        (b"sku,name\n\xe9t\xe9", "UTF-8"),
    ],
)
def test_a_malformed_file_is_refused_as_a_whole(
    supplier_editor, supplier, laptops, content, message
):
    with pytest.raises(DomainError) as error:
        run(supplier_editor, supplier, content)

    assert message in error.value.message
    assert "file" in error.value.errors
    assert not Product.objects.exists()


def test_too_many_cells_in_a_row_is_reported_on_its_line(supplier_editor, supplier, laptops):
    error = rejected(
        supplier_editor, supplier, "sku,name,category,unit,list_price\nA,B,laptops,each,1,extra\n"
    )
    assert error.row_errors[0].line == 2


def test_a_utf8_file_with_a_byte_order_mark_is_read(supplier_editor, supplier, laptops):
    result = run(supplier_editor, supplier, "\ufeff" + f"{HEADER}\nE-1,Écran,laptops,each,5,1,,\n")
    assert result.created == ["E-1"]
    assert Product.objects.get(sku="E-1").name == "Écran"


def test_the_size_and_row_limits(supplier_editor, supplier, laptops, settings):
    settings.CATALOGUE_IMPORT_MAX_ROWS = 2
    rows = "".join(f"R-{n},Laptop {n},laptops,each,5,1,,\n" for n in range(3))
    with pytest.raises(DomainError, match="more than 2 products"):
        run(supplier_editor, supplier, f"{HEADER}\n{rows}")

    settings.CATALOGUE_IMPORT_MAX_ROWS = 5000
    settings.CATALOGUE_IMPORT_MAX_BYTES = 100
    with pytest.raises(DomainError, match="smaller than"):
        run(supplier_editor, supplier, f"{HEADER}\n{rows}")
    assert not Product.objects.exists()


def test_only_the_suppliers_editors_import_for_it(buyer, other_supplier_editor, supplier, laptops):
    for user in (buyer, other_supplier_editor):
        with pytest.raises(NotPermitted):
            run(user, supplier, f"{HEADER}\nA-1,Laptop,laptops,each,5,1,,\n")
    assert not Product.objects.exists()
    assert not ProductRevision.objects.exists()
