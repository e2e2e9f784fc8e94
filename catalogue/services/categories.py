"""Writes to the category tree (the ICT company's catalogue managers): create, change, move.

A category's required standards are inherited by its subcategories, so a change to them, or
a move, recomputes the compliance of every product below it.
"""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import audit
from accounts.models import User
from accounts.permissions import can_manage_categories
from catalogue.audit_actions import CatalogueAudit
from catalogue.models import Category, Product
from catalogue.selectors.category_tree import CategoryTree
from catalogue.services import compliance
from catalogue.services.search_index import refresh_search_vectors
from core.errors import DomainError, NotPermitted
from standards.models import Standard


def _require_category_manager(actor: User) -> None:
    if not can_manage_categories(actor):
        raise NotPermitted("Only the ICT company's catalogue managers can change categories.")


def _validated_category(category: Category) -> Category:
    try:
        category.full_clean(exclude=["parent", "required_standards"])
    except ValidationError as error:
        raise DomainError("The category is not valid.", errors=error.message_dict) from error
    return category


def _products_under(category_ids: Iterable[int]) -> list[int]:
    return list(
        Product.objects.filter(category_id__in=list(category_ids)).values_list("pk", flat=True)
    )


def _category_state(category: Category) -> dict[str, Any]:
    data = audit.snapshot(category)
    data["required_standards"] = sorted(
        category.required_standards.values_list("reference", flat=True)
    )
    return data


def _parent_state(category: Category) -> dict[str, Any]:
    return {"parent": category.parent_id}


@transaction.atomic
def category_create(
    *,
    actor: User,
    name: str,
    slug: str,
    cpv_code: str,
    parent: Category | None = None,
    description: str = "",
    required_standards: Iterable[Standard] = (),
) -> Category:
    _require_category_manager(actor)
    if parent is not None:
        parent = Category.objects.select_for_update().get(pk=parent.pk)
    category = _validated_category(
        Category(
            name=(name or "").strip(),
            slug=(slug or "").strip(),
            cpv_code=(cpv_code or "").strip(),
            parent=parent,
            description=description or "",
        )
    )
    category.save()
    category.required_standards.set(list(required_standards))
    audit.record(
        actor=actor,
        action=CatalogueAudit.CATEGORY_CREATED,
        obj=category,
        after=_category_state(category),
    )
    return category


@transaction.atomic
def category_update(
    *,
    category: Category,
    actor: User,
    name: str | None = None,
    slug: str | None = None,
    cpv_code: str | None = None,
    description: str | None = None,
    required_standards: Iterable[Standard] | None = None,
) -> Category:
    """Change a category's own fields. Moving it is ``category_move``."""
    _require_category_manager(actor)
    locked = Category.objects.select_for_update().get(pk=category.pk)
    old_cpv = locked.cpv_code
    with audit.audited(
        locked, actor=actor, action=CatalogueAudit.CATEGORY_UPDATED, state=_category_state
    ):
        for field, value in (
            ("name", name),
            ("slug", slug),
            ("cpv_code", cpv_code),
            ("description", description),
        ):
            if value is not None:
                setattr(locked, field, value.strip() if field != "description" else value)
        _validated_category(locked)
        locked.save()
        standards_changed = False
        if required_standards is not None:
            new = {s.pk for s in required_standards}
            old = set(locked.required_standards.values_list("pk", flat=True))
            if new != old:
                locked.required_standards.set(sorted(new))
                standards_changed = True
        if locked.cpv_code != old_cpv:
            refresh_search_vectors(_products_under([locked.pk]))
        if standards_changed:
            tree = CategoryTree.load()
            compliance.refresh(_products_under(tree.descendant_ids(locked.pk)))
    return locked


@transaction.atomic
def category_move(*, category: Category, new_parent: Category | None, actor: User) -> Category:
    """Move a category (and its subtree) under another parent, or to the top level.

    Every category row is locked first, so two moves at once cannot build a cycle
    between them; then a category cannot go under itself or its own descendants.
    """
    _require_category_manager(actor)
    list(Category.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
    tree = CategoryTree.load()
    locked = tree.by_id.get(category.pk)
    if locked is None:
        raise DomainError("This category no longer exists.", field="category")
    subtree = tree.descendant_ids(locked.pk)
    if new_parent is not None:
        if new_parent.pk not in tree.by_id:
            raise DomainError("The new parent category does not exist.", field="parent")
        if new_parent.pk in subtree:
            raise DomainError(
                "A category cannot be moved under itself or one of its own subcategories.",
                field="parent",
            )
    with audit.audited(
        locked, actor=actor, action=CatalogueAudit.CATEGORY_MOVED, state=_parent_state
    ):
        locked.parent_id = new_parent.pk if new_parent is not None else None
        locked.save(update_fields=["parent"])
        # Required standards are inherited from ancestors: the subtree's may have changed.
        compliance.refresh(_products_under(subtree))
    return locked
