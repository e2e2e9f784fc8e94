import hashlib
import io
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from pypdf import PdfReader

from accounts.models import AuditEvent, Organisation, OrganisationKind, Role
from config.celery import app as celery_app
from core.errors import InvalidTransition, NotPermitted
from core.money import format_gbp
from procurement.models import (
    Document,
    DocumentKind,
    DocumentStatus,
    OcdsRelease,
    OrderStatus,
    RequisitionStatus,
)
from procurement.presentation.rendering import StaticFilesOnlyFetcher, render_pdf, stylesheet_uri
from procurement.services import documents
from tests.factories import member
from tests.procurement.awarded import awarded_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@pytest.fixture
def errors_recorded_not_raised():
    """As in production: a failing task records its failure instead of raising."""
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = True


@pytest.fixture
def issue(django_capture_on_commit_callbacks):
    """Request an order's documents and run the queued render tasks (eagerly)."""

    def issue_documents(order):
        with django_capture_on_commit_callbacks(execute=True):
            return documents.documents_request(order=order, actor=None)

    return issue_documents


def pdf_pages(content: bytes) -> list[str]:
    """Each page's text, with runs of white space (line wraps in cells) as one space."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages]


def rendered(document: Document) -> list[str]:
    with default_storage.open(document.file.name, "rb") as handle:
        return pdf_pages(handle.read())


def commercial_lead_user():
    return member(Role.COMMERCIAL_LEAD, Organisation.objects.get(kind=OrganisationKind.ICT_COMPANY))


def money(value: Decimal) -> str:
    return format_gbp(value)


def test_the_contract_names_every_force_with_its_quantity_share_and_the_totals(issue):
    order = awarded_order(forces=44)

    issue(order)

    contract = order.documents.get(kind=DocumentKind.CONTRACT)
    assert contract.status == DocumentStatus.DONE
    pages = rendered(contract)
    text = "\n".join(pages)
    assert len(pages) >= 3
    for line in order.lines.select_related("force"):
        assert line.force.name in text
        assert f"{line.quantity} {money(line.share)} {money(line.vat)} {money(line.total)}" in text
    assert money(order.subtotal) in text
    assert money(order.vat) in text
    assert money(order.total) in text
    assert f"Page 1 of {len(pages)}" in pages[0]
    assert contract.number in pages[-1]
    assert contract.page_count == len(pages)


def test_the_schedule_repeats_its_header_on_every_page_it_spans(issue):
    order = awarded_order(forces=44)
    issue(order)

    pages = rendered(order.documents.get(kind=DocumentKind.CONTRACT))

    forces = [line.force.name for line in order.lines.select_related("force")]
    spanned = [page for page in pages if any(name in page for name in forces)]
    assert len(spanned) >= 2
    for page in spanned:
        assert "Units" in page and "Share (ex VAT)" in page


def test_each_force_gets_a_purchase_order_with_only_its_own_line(issue):
    order = awarded_order(forces=5)
    issue(order)

    lines = list(order.lines.select_related("force"))
    for line in lines:
        purchase_order = order.documents.get(kind=DocumentKind.PURCHASE_ORDER, force=line.force)
        text = "\n".join(rendered(purchase_order))
        assert line.force.name in text
        assert money(line.total) in text
        for other in lines:
            if other.force != line.force:
                assert other.force.name not in text


def test_user_supplied_values_are_escaped_not_interpreted(issue):
    order = awarded_order(forces=2)
    issue(order)

    text = "\n".join(rendered(order.documents.get(kind=DocumentKind.CONTRACT)))

    assert "Rugged laptop R7 <b>bold</b> & co" in text


def test_the_url_fetcher_refuses_everything_but_the_projects_static_files():
    fetcher = StaticFilesOnlyFetcher()

    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/font.woff2",
        "file:///etc/passwd",
        "ftp://example.com/x",
        "data:text/css,body{}",
    ]:
        with pytest.raises(ValueError, match="Refused|disallowed"):
            fetcher.fetch(url)
    assert fetcher.fetch(stylesheet_uri()).read().startswith(b"/*")


def test_a_document_that_tries_to_load_a_remote_resource_renders_without_it(settings, tmp_path):
    template_dir = tmp_path / "templates"
    (template_dir / "x").mkdir(parents=True)
    (template_dir / "x" / "evil.html").write_text(
        '<html><body><img src="http://127.0.0.1:9/secret.png">'
        '<img src="file:///etc/passwd"><p>Still rendered</p></body></html>'
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [template_dir]}]

    pdf = render_pdf("x/evil.html", {})

    assert "Still rendered" in pdf_pages(pdf.content)[0]


def test_requesting_documents_twice_makes_them_once(issue):
    order = awarded_order(forces=3)

    first = issue(order)
    second = issue(order)

    assert [d.pk for d in first] == [d.pk for d in second]
    assert order.documents.count() == 4
    assert order.documents.filter(kind=DocumentKind.PURCHASE_ORDER).count() == 3


def test_rendering_a_done_document_again_changes_nothing(issue):
    order = awarded_order(forces=2)
    issue(order)
    contract = order.documents.get(kind=DocumentKind.CONTRACT)
    before = (contract.file.name, contract.sha256, contract.attempts)

    again = documents.document_render(document_id=contract.pk)

    assert (again.file.name, again.sha256, again.attempts) == before


def test_done_documents_record_their_hash_pages_and_a_non_guessable_name(issue):
    order = awarded_order(forces=2)
    issue(order)

    for document in order.documents.all():
        with default_storage.open(document.file.name, "rb") as handle:
            content = handle.read()
        assert document.sha256 == hashlib.sha256(content).hexdigest()
        assert document.size_bytes == len(content)
        assert document.page_count >= 1
        assert document.file.name.startswith("documents/")
        assert order.number not in document.file.name
        assert len(document.file.name) > len("documents/") + 30


def test_when_every_document_is_done_the_order_and_requisition_are_contracted(issue):
    order = awarded_order(forces=3)

    issue(order)

    order.refresh_from_db()
    assert order.status == OrderStatus.CONTRACTED
    assert order.contracted_at is not None
    assert order.joint_requisition.status == RequisitionStatus.CONTRACTED
    assert OcdsRelease.objects.filter(joint_requisition=order.joint_requisition, tag="contract")
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"order.documents_requested", "document.rendered", "order.contracted"} <= actions


def test_a_failing_render_is_marked_failed_and_a_commercial_lead_can_retry_it(
    monkeypatch, issue, django_capture_on_commit_callbacks, errors_recorded_not_raised
):
    order = awarded_order(forces=2)
    real_render = documents.render_pdf

    def broken(*args, **kwargs):
        raise ValueError("template exploded")

    monkeypatch.setattr(documents, "render_pdf", broken)
    issue(order)
    failed = order.documents.get(kind=DocumentKind.CONTRACT)
    assert failed.status == DocumentStatus.FAILED
    assert "template exploded" in failed.error

    monkeypatch.setattr(documents, "render_pdf", real_render)
    with django_capture_on_commit_callbacks(execute=True):
        retried = documents.document_retry(document=failed, actor=commercial_lead_user())

    retried.refresh_from_db()
    assert retried.status == DocumentStatus.DONE
    assert retried.version == 1


def test_only_a_commercial_lead_retries_and_only_failed_documents(buyer, issue):
    order = awarded_order(forces=2)
    issue(order)
    contract = order.documents.get(kind=DocumentKind.CONTRACT)

    with pytest.raises(NotPermitted):
        documents.document_retry(document=contract, actor=buyer)
    with pytest.raises(InvalidTransition):
        documents.document_retry(document=contract, actor=commercial_lead_user())


def test_regenerating_makes_a_new_version_and_keeps_the_old_one(
    issue, django_capture_on_commit_callbacks
):
    order = awarded_order(forces=2)
    issue(order)
    contract = order.documents.get(kind=DocumentKind.CONTRACT)

    with django_capture_on_commit_callbacks(execute=True):
        new = documents.document_regenerate(document=contract, actor=commercial_lead_user())

    new.refresh_from_db()
    contract.refresh_from_db()
    assert (new.version, new.status) == (2, DocumentStatus.DONE)
    assert contract.status == DocumentStatus.DONE and contract.file.name != new.file.name
    assert default_storage.exists(contract.file.name)


def test_the_order_snapshot_takes_the_same_queries_for_2_or_44_forces(
    django_assert_max_num_queries,
):
    small, large = awarded_order(forces=2), awarded_order(forces=44)
    with django_assert_max_num_queries(20) as counted:
        documents.order_snapshot(small)

    with django_assert_max_num_queries(len(counted.captured_queries)):
        snapshot = documents.order_snapshot(large)

    assert len(snapshot["lines"]) == 44
    private = snapshot[documents.PRIVATE]
    assert sum(len(own["approvals"]) for own in private.values()) == 44
