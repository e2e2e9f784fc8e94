"""Two people acting at the same moment: row locks keep the outcome consistent.

These run on PostgreSQL with real threads (SQLite serialises writers anyway)."""

import threading

import pytest
from django.db import connection

from catalogue import services
from catalogue.models import Category, Product, ProductRevision
from catalogue.selectors.category_tree import CategoryTree
from core.errors import DomainError
from tests.catalogue.conftest import make_content

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'", reason="concurrency needs PostgreSQL row locks"
    ),
]


def race(*actions):
    """Run the actions at the same moment in threads; return what each returned or raised."""
    barrier = threading.Barrier(len(actions))
    outcomes: list = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait()
            outcomes[index] = action()
        except Exception as error:  # the outcome is what the test checks
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_managers_approving_the_same_change_publish_it_once(
    published, supplier_editor, catalogue_manager, laptops
):
    services.product_update(
        product=published, actor=supplier_editor, content=make_content(laptops, name="Mark 2")
    )
    services.product_submit(product=published, actor=supplier_editor)
    product = Product.objects.get(pk=published.pk)

    outcomes = race(
        lambda: services.product_approve(product=product, actor=catalogue_manager),
        lambda: services.product_reject(product=product, actor=catalogue_manager, reason="No."),
    )

    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], DomainError)
    revision = ProductRevision.objects.get(product=published, number=2)
    assert revision.status in ("approved", "rejected")
    assert (Product.objects.get(pk=published.pk).name == "Mark 2") == (
        revision.status == "approved"
    )


def test_two_crossing_category_moves_cannot_make_a_cycle(catalogue_manager, computers, phones):
    outcomes = race(
        lambda: services.category_move(
            category=computers, new_parent=phones, actor=catalogue_manager
        ),
        lambda: services.category_move(
            category=phones, new_parent=computers, actor=catalogue_manager
        ),
    )

    assert sum(isinstance(o, DomainError) for o in outcomes) == 1
    tree = CategoryTree.load()
    for category in Category.objects.all():
        assert category.pk not in {a.pk for a in tree.ancestors(category.pk)}


def test_two_edits_of_a_published_product_share_one_open_revision(
    published, supplier_editor, laptops
):
    outcomes = race(
        lambda: services.product_update(
            product=published, actor=supplier_editor, content=make_content(laptops, name="A")
        ),
        lambda: services.product_update(
            product=published, actor=supplier_editor, content=make_content(laptops, name="B")
        ),
    )

    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert ProductRevision.objects.filter(product=published, status="draft").count() == 1
