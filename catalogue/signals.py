"""Signals the catalogue sends for higher apps to act on (the catalogue imports none of them).

``product_no_longer_orderable`` is sent, inside the transaction that caused it, when a
product stops being orderable: it was withdrawn, or it lost compliance (a conformance
lapsed, was rejected or withdrawn, or its standard was abolished). Arguments:
``product_ids`` (a list of ints) and ``reason`` (a sentence for people).
"""

from django.dispatch import Signal

product_no_longer_orderable = Signal()
