"""The one state-machine mechanism: its table, refusals, guards, and the audited changes."""

from pathlib import Path

import pytest
from django.template import Context, Template

from accounts import audit
from accounts.models import AuditEvent, Organisation
from catalogue.audit_actions import CatalogueAudit
from catalogue.models import Product, ProductStatus
from catalogue.states import PRODUCT
from core.errors import InvalidTransition
from core.state import MACHINES, StateMachine, machine_for, move
from tests.factories import ProductFactory, SupplierFactory

P = ProductStatus
FULL_TABLE = {
    P.DRAFT: [move(P.SUBMITTED)],
    P.SUBMITTED: [move(P.PUBLISHED), move(P.REJECTED)],
    P.PUBLISHED: [move(P.WITHDRAWN)],
    P.REJECTED: [move(P.SUBMITTED)],
    P.WITHDRAWN: [],
}


def machine(table=None, **options) -> StateMachine[Product]:
    """A throwaway machine for products (not registered, so the real one stays in charge)."""
    return StateMachine(
        model=Product, table=table or FULL_TABLE, auditor=audit, register=False, **options
    )


# The table.


def test_a_table_naming_a_status_the_model_does_not_have_is_refused():
    with pytest.raises(ValueError, match="Product has no status 'archived'"):
        machine({**FULL_TABLE, "archived": []})
    with pytest.raises(ValueError, match="Product has no status 'archived'"):
        machine({**FULL_TABLE, P.WITHDRAWN: [move("archived")]})


def test_a_table_that_leaves_out_a_status_is_refused():
    table = {P.DRAFT: [move(P.SUBMITTED)], P.SUBMITTED: [move(P.PUBLISHED)]}
    with pytest.raises(ValueError, match=r"leaves out \['rejected', 'withdrawn'\]"):
        machine(table)


def test_a_table_naming_one_move_twice_is_refused():
    with pytest.raises(ValueError, match="twice"):
        machine({**FULL_TABLE, P.DRAFT: [move(P.SUBMITTED), move(P.SUBMITTED)]})


def test_a_status_named_only_as_a_target_is_final():
    table = {k: v for k, v in FULL_TABLE.items() if k != P.WITHDRAWN}
    products = machine(table)
    assert products.is_final(P.WITHDRAWN)
    assert products.targets(Product(status=P.WITHDRAWN)) == []
    assert not products.is_final(P.PUBLISHED)
    assert products.targets(Product(status=P.SUBMITTED)) == [P.PUBLISHED, P.REJECTED]


def test_the_transitions_list_every_move_with_its_guard_names():
    def priced(product, **context):
        return None

    products = machine({**FULL_TABLE, P.SUBMITTED: [move(P.PUBLISHED, priced), move(P.REJECTED)]})
    assert ("submitted", "published", ["priced"]) in list(products.transitions())
    assert ("draft", "submitted", []) in list(products.transitions())


# Refusals.


def test_a_move_outside_the_table_is_a_409_saying_where_it_stands_and_what_it_cannot_become():
    products = machine()
    product = Product(status=P.PUBLISHED)

    assert not products.can(product, P.DRAFT)
    with pytest.raises(InvalidTransition) as error:
        products.check(product, P.DRAFT)
    assert error.value.status_code == 409
    assert error.value.message == "This product is published: it cannot become draft."
    assert error.value.errors == {"status": [error.value.message]}


def test_a_model_can_say_its_refusals_better_and_falls_back_when_it_has_nothing_to_say():
    def refusal(product, to):
        return "Only a rejected product goes back to draft." if to == P.DRAFT else None

    products = machine(describe_refusal=refusal)
    product = Product(status=P.PUBLISHED)
    assert products.refusal(product, P.DRAFT) == "Only a rejected product goes back to draft."
    assert products.refusal(product, P.SUBMITTED) == (
        "This product is published: it cannot become submitted for review."
    )


# Guards.


def test_the_guards_decide_in_order_and_the_first_refusal_is_the_answer():
    seen = []

    def has_a_price(product, **context):
        seen.append(("has_a_price", context))
        return None if product.list_price else "Give the product a price first."

    def reviewer_is_not_the_supplier(product, *, reviewer=None, **context):
        seen.append(("reviewer_is_not_the_supplier", context))
        if reviewer == product.supplier_id:
            return "The supplier's own editors cannot publish its listing."
        return None

    products = machine(
        {
            **FULL_TABLE,
            P.SUBMITTED: [
                move(P.PUBLISHED, has_a_price, reviewer_is_not_the_supplier),
                move(P.REJECTED),
            ],
        }
    )
    product = Product(status=P.SUBMITTED, supplier_id=7, list_price=None)

    assert products.refusal(product, P.PUBLISHED, reviewer=7) == "Give the product a price first."
    assert [name for name, _ in seen] == ["has_a_price"]  # the second is not asked

    product.list_price = 10
    seen.clear()
    assert products.refusal(product, P.PUBLISHED, reviewer=7) == (
        "The supplier's own editors cannot publish its listing."
    )
    assert seen == [("has_a_price", {"reviewer": 7}), ("reviewer_is_not_the_supplier", {})]
    assert products.can(product, P.PUBLISHED, reviewer=8)
    assert products.can(product, P.REJECTED, reviewer=7)  # guards belong to their move
    with pytest.raises(InvalidTransition, match="own editors") as error:
        products.check(product, P.PUBLISHED, reviewer=7)
    # A guard's refusal is about something besides the status: the request as a whole.
    assert error.value.errors == {"non_field_errors": [error.value.message]}


# Changes.


@pytest.mark.django_db
def test_apply_saves_the_move_and_its_fields_and_audits_it_with_before_and_after():
    product = ProductFactory(status=P.SUBMITTED)
    products = machine(audit_fields=["status", "rejection_reason"])

    products.apply(
        product,
        P.REJECTED,
        actor=None,
        action=CatalogueAudit.PRODUCT_REJECTED,
        organisation=product.supplier,
        changes={"rejection_reason": "No price list."},
        details={"revision": 3},
    )

    product.refresh_from_db()
    assert (product.status, product.rejection_reason) == (P.REJECTED, "No price list.")
    event = AuditEvent.objects.get()
    assert event.action == "product.rejected"
    assert (event.object_type, event.object_id) == ("catalogue.product", str(product.pk))
    assert event.organisation == product.supplier
    assert event.before == {"status": "submitted", "rejection_reason": ""}
    assert event.after == {
        "status": "rejected",
        "rejection_reason": "No price list.",
        "revision": 3,
    }


@pytest.mark.django_db
def test_apply_names_the_action_it_is_given():
    product = ProductFactory(status=P.SUBMITTED)
    machine().apply(product, P.PUBLISHED, actor=None, action=CatalogueAudit.PRODUCT_PUBLISHED)
    assert AuditEvent.objects.get().action == "product.published"


@pytest.mark.django_db
def test_a_refused_apply_changes_nothing_and_records_nothing():
    product = ProductFactory(status=P.PUBLISHED)

    with pytest.raises(InvalidTransition):
        machine().apply(
            product,
            P.REJECTED,
            actor=None,
            action=CatalogueAudit.PRODUCT_REJECTED,
            changes={"rejection_reason": "x"},
        )

    assert (product.status, product.rejection_reason) == (P.PUBLISHED, "")
    product.refresh_from_db()
    assert product.status == P.PUBLISHED
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_the_status_cannot_be_smuggled_in_with_the_other_changes():
    product = ProductFactory(status=P.SUBMITTED)
    with pytest.raises(ValueError, match="only through the move"):
        machine().apply(
            product,
            P.REJECTED,
            actor=None,
            action=CatalogueAudit.PRODUCT_REJECTED,
            changes={"status": P.PUBLISHED},
        )


@pytest.mark.django_db
def test_change_saves_a_move_without_an_event_for_a_caller_that_records_a_larger_one():
    product = ProductFactory(status=P.SUBMITTED)

    machine().change(product, P.REJECTED, changes={"rejection_reason": "No."})

    product.refresh_from_db()
    assert (product.status, product.rejection_reason) == (P.REJECTED, "No.")
    assert not AuditEvent.objects.exists()
    with pytest.raises(InvalidTransition):
        machine().change(product, P.PUBLISHED)


@pytest.mark.django_db
def test_apply_many_saves_a_batch_in_one_query_with_its_fields_and_updated_at(
    django_assert_num_queries,
):
    supplier = SupplierFactory()
    products = [ProductFactory(supplier=supplier, status=P.SUBMITTED) for _ in range(5)]
    stamps = {p.pk: p.updated_at for p in products}
    for number, product in enumerate(products):
        product.lead_time_days = number

    with django_assert_num_queries(1):
        machine().apply_many(
            products,
            P.REJECTED,
            fields=["lead_time_days"],
            changes={"rejection_reason": "Batch."},
        )

    saved = list(Product.objects.order_by("pk"))
    assert {p.status for p in saved} == {P.REJECTED}
    assert {p.rejection_reason for p in saved} == {"Batch."}
    assert [p.lead_time_days for p in saved] == [0, 1, 2, 3, 4]
    assert all(p.updated_at > stamps[p.pk] for p in saved)
    assert not AuditEvent.objects.exists()  # the caller audits the batch once


@pytest.mark.django_db
def test_apply_many_checks_every_row_before_it_changes_any():
    first = ProductFactory(status=P.SUBMITTED)
    second = ProductFactory(status=P.PUBLISHED)

    with pytest.raises(InvalidTransition, match="published: it cannot become rejected"):
        machine().apply_many([first, second], P.REJECTED)

    assert first.status == P.SUBMITTED
    first.refresh_from_db()
    assert first.status == P.SUBMITTED


def test_apply_many_of_nothing_does_nothing():
    machine().apply_many([], P.REJECTED)  # no database here: a query would fail the test


# The registry.


def test_each_model_with_a_status_has_its_machine_and_a_throwaway_one_does_not_replace_it():
    machine()
    assert machine_for(Product(status=P.DRAFT)) is PRODUCT
    assert machine_for(Product) is PRODUCT
    assert MACHINES[Product] is PRODUCT
    with pytest.raises(LookupError, match="Organisation has no state machine"):
        machine_for(Organisation)


def test_templates_ask_the_machine_what_an_object_may_become():
    template = Template(
        "{% load states %}{{ product|may_become:'withdrawn' }} {{ none|may_become:'withdrawn' }}"
    )
    published = template.render(Context({"product": Product(status=P.PUBLISHED), "none": None}))
    draft = template.render(Context({"product": Product(status=P.DRAFT), "none": None}))
    assert (published, draft) == ("True False", "False False")


def test_the_documented_tables_are_the_machines():
    document = (Path(__file__).resolve().parents[2] / "docs" / "state-machines.md").read_text()
    for model, one in MACHINES.items():
        assert f"| {model._meta.label} | {one.summary()} |" in document, model._meta.label
