"""The category tree, read whole: there are at most a few hundred categories."""

from collections import defaultdict
from dataclasses import dataclass, field

from catalogue.models import Category


@dataclass
class CategoryTree:
    """Every category, with parent and child links, loaded in one query."""

    by_id: dict[int, Category]
    children: dict[int | None, list[int]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> "CategoryTree":
        categories = list(Category.objects.order_by("name", "pk"))
        children: dict[int | None, list[int]] = defaultdict(list)
        for category in categories:
            children[category.parent_id].append(category.pk)
        return cls(by_id={c.pk: c for c in categories}, children=dict(children))

    def descendant_ids(self, category_id: int) -> set[int]:
        """The category and everything below it."""
        found: set[int] = set()
        stack = [category_id]
        while stack:
            node = stack.pop()
            if node in found:
                continue
            found.add(node)
            stack.extend(self.children.get(node, []))
        return found

    def ancestors(self, category_id: int) -> list[Category]:
        """From the root down to the category's parent."""
        chain: list[Category] = []
        seen: set[int] = set()
        node = self.by_id.get(category_id)
        while node is not None and node.parent_id is not None and node.parent_id not in seen:
            seen.add(node.parent_id)
            node = self.by_id.get(node.parent_id)
            if node is not None:
                chain.append(node)
        return list(reversed(chain))

    def depth(self, category_id: int) -> int:
        return len(self.ancestors(category_id))

    def in_tree_order(self) -> list[tuple[Category, int]]:
        """(category, depth) pairs, depth first, children by name: for select lists."""
        ordered: list[tuple[Category, int]] = []

        def walk(parent_id: int | None, depth: int) -> None:
            for child_id in self.children.get(parent_id, []):
                ordered.append((self.by_id[child_id], depth))
                walk(child_id, depth + 1)

        walk(None, 0)
        return ordered

    def find(self, key: str) -> Category | None:
        """A category by slug or CPV code (with or without its check digit)."""
        key = (key or "").strip()
        for category in self.by_id.values():
            if key in (category.slug, category.cpv_code, category.cpv_code.split("-")[0]):
                return category
        return None
