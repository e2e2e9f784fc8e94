"""Keep ``Product.is_compliant`` current: recompute it from the rows (the rule is
:func:`catalogue.selectors.compliance.compute`) and tell higher apps about products that
stopped being orderable."""

from collections.abc import Iterable

from catalogue.models import Product
from catalogue.selectors.compliance import compute
from catalogue.signals import product_no_longer_orderable

CHUNK = 2000


def refresh(product_ids: Iterable[int] | None = None) -> int:
    """Recompute ``is_compliant`` for these products (all when None); returns how many changed."""
    if product_ids is None:
        product_ids = Product.objects.values_list("pk", flat=True)
    ids = list(product_ids)
    changed = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        computed = compute(chunk)
        current = dict(Product.objects.filter(pk__in=chunk).values_list("pk", "is_compliant"))
        now_true = [pk for pk, value in computed.items() if value and not current.get(pk)]
        now_false = [pk for pk, value in computed.items() if not value and current.get(pk)]
        if now_true:
            changed += Product.objects.filter(pk__in=now_true).update(is_compliant=True)
        if now_false:
            changed += Product.objects.filter(pk__in=now_false).update(is_compliant=False)
            product_no_longer_orderable.send(
                sender=Product,
                product_ids=sorted(now_false),
                reason="It no longer conforms to the network code's standards.",
            )
    return changed
