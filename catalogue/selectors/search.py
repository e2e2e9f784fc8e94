"""Catalogue search: full text, filters, sorting and facets.

On PostgreSQL the text match uses ``Product.search_vector`` (weighted: name and SKU A,
summary and CPV code B, supplier C, description D; GIN-indexed) with every query word
as a prefix term; when nothing matches, each unknown word is corrected to the nearest word
of the catalogue's vocabulary (``SearchTerm``, trigram distance) and the corrected words
are searched ("did you mean"). On other databases every query word must appear
(case-insensitively) in the name, summary, description, supplier name, SKU or CPV code:
for whole words the two give the same set.

What keeps it fast as the catalogue grows (docs/performance.md, issue 11): relevance ranks
a bounded set of candidates (the first ``COUNT_LIMIT + 1`` matches found), counts stop at
``COUNT_LIMIT``, and without query words the facets are summed from ``FacetCount`` rather
than counted.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    Expression,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat
from django.utils.functional import cached_property

from accounts.models import Organisation
from catalogue.models import (
    Category,
    Conformance,
    ConformanceStatus,
    FacetCount,
    PriceBreak,
    Product,
    ProductStatus,
)
from catalogue.selectors.category_tree import CategoryTree
from standards.models import Standard

SEARCH_CONFIG = "english"
MAX_QUERY_WORDS = 8
MAX_QUERY_LENGTH = 200
# "Did you mean": a word is corrected to a vocabulary word at least this similar (pg_trgm's
# similarity: "lapotp" and "laptop" 0.27, "camra" and "camera" 0.44) that starts with the
# same letter (misspellings rarely change the first; "xylophone" is not "phone").
SIMILARITY_THRESHOLD = 0.25
SUGGESTION_CANDIDATES = 5


class Ordering:
    RELEVANCE = "relevance"
    PRICE = "price"
    PRICE_DESC = "-price"
    NAME = "name"
    NEWEST = "newest"

    CHOICES = [
        (RELEVANCE, "Best match"),
        (PRICE, "Price: lowest first"),
        (PRICE_DESC, "Price: highest first"),
        (NAME, "Name: A to Z"),
        (NEWEST, "Newest first"),
    ]


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    category: Category | None = None
    supplier: Organisation | None = None
    standard: Standard | None = None
    max_price: Decimal | None = None
    quantity: int | None = None
    compliant: bool | None = None
    ordering: str = ""

    @property
    def effective_quantity(self) -> int:
        return self.quantity or 1

    @property
    def effective_ordering(self) -> str:
        if self.ordering and not (self.ordering == Ordering.RELEVANCE and not self.words):
            return self.ordering
        return Ordering.RELEVANCE if self.words else Ordering.NAME

    @property
    def words(self) -> list[str]:
        return query_words(self.q)


WORD_PATTERN = re.compile(r"[^\W_]+(?:[-./_][^\W_]+)*")


def query_words(q: str) -> list[str]:
    """The words of a query, each letters and digits with inner hyphens, dots or slashes."""
    words: list[str] = []
    for word in WORD_PATTERN.findall((q or "")[:MAX_QUERY_LENGTH].lower()):
        if word not in words:
            words.append(word)
    return words[:MAX_QUERY_WORDS]


def uses_postgres_search() -> bool:
    return connection.vendor == "postgresql"


def tsquery_text(words: list[str]) -> str:
    """``to_tsquery`` input: every word as a prefix term. Words hold no operators."""
    return " & ".join(f"{word}:*" for word in words)


def text_query(words: list[str]) -> SearchQuery:
    return SearchQuery(tsquery_text(words), config=SEARCH_CONFIG, search_type="raw")


# Price at a quantity, in SQL. The rule lives in catalogue.domain.pricing.unit_price_for: the
# price of the highest break reached. Because prices never rise with quantity, "the
# price at q is at most p" is "some break at or below q costs at most p"; a test checks
# that these SQL forms agree with pricing.unit_price_for.


def price_at_most(quantity: int, ceiling: Decimal) -> Exists | Q:
    if quantity <= 1:
        return Q(list_price__lte=ceiling)  # the break for quantity 1 is the list price
    return Exists(
        PriceBreak.objects.filter(
            product=OuterRef("pk"), min_quantity__lte=quantity, unit_price__lte=ceiling
        )
    )


def unit_price_at(quantity: int) -> Subquery | F:
    if quantity <= 1:
        return F("list_price")
    return Subquery(
        PriceBreak.objects.filter(product=OuterRef("pk"), min_quantity__lte=quantity)
        .order_by("-min_quantity")
        .values("unit_price")[:1]
    )


def conforms_to(standard: Standard) -> Exists:
    """A verified (unlapsed) conformance to any version of the standard.

    The versions are listed first (one small query): joining them inside the subquery
    hides how selective the filter is, and PostgreSQL then plans it badly.
    """
    version_ids = list(standard.versions.values_list("pk", flat=True))
    return Exists(
        Conformance.objects.filter(
            product=OuterRef("pk"),
            status=ConformanceStatus.VERIFIED,
            standard_version_id__in=version_ids,
        )
    )


def _containment(words: list[str]) -> Q:
    condition = Q()
    for word in words:
        condition &= (
            Q(name__icontains=word)
            | Q(summary__icontains=word)
            | Q(description__icontains=word)
            | Q(supplier__name__icontains=word)
            | Q(sku__icontains=word)
            | Q(category__cpv_code__icontains=word)
        )
    return condition


def _containment_score(words: list[str]) -> Expression:
    """A rough relevance for the fallback: name matches count most, description least."""
    score: Expression = Value(0)
    for word in words:
        for lookup, weight in (
            ("name", 8),
            ("sku", 8),
            ("summary", 4),
            ("category__cpv_code", 4),
            ("supplier__name", 2),
            ("description", 1),
        ):
            score = score + Case(
                When(**{f"{lookup}__icontains": word}, then=Value(weight)),
                default=Value(0),
                output_field=IntegerField(),
            )
    return score


def apply(
    queryset: QuerySet[Product],
    params: SearchParams,
    *,
    tree: CategoryTree | None = None,
    similar: bool = False,
) -> QuerySet[Product]:
    """Filter and order ``queryset`` (already scoped to the user) by the search.

    ``similar=True`` searches the words as :func:`did_you_mean` corrects them (nothing when
    it finds no correction): used when the words as typed found nothing.
    """
    if similar:
        corrected = did_you_mean(params.words)
        if corrected is None:
            return queryset.none()
        params = replace(params, q=" ".join(corrected))
    words = params.words
    ordering = params.effective_ordering
    scoped = queryset  # the caller's query set: scope, select_related, prefetches
    rank: Expression | None = None
    if words:
        if uses_postgres_search():
            query = text_query(words)
            queryset = queryset.filter(search_vector=query)
            rank = SearchRank(F("search_vector"), query)
        else:
            queryset = queryset.filter(_containment(words))
            rank = _containment_score(words)

    if params.category is not None:
        tree = tree or CategoryTree.load()
        queryset = queryset.filter(category_id__in=sorted(tree.descendant_ids(params.category.pk)))
    if params.supplier is not None:
        queryset = queryset.filter(supplier_id=params.supplier.pk)
    if params.standard is not None:
        queryset = queryset.filter(conforms_to(params.standard))
    if params.compliant is not None:
        queryset = queryset.filter(is_compliant=params.compliant)
    if params.max_price is not None:
        queryset = queryset.filter(price_at_most(params.effective_quantity, params.max_price))

    if rank is not None:
        # With words: find the first COUNT_LIMIT + 1 matches once (one query, in the order
        # the index gives them) and work on those: the count, the page and the facets then
        # read at most that many rows by primary key instead of matching the words again.
        candidates = list(queryset.order_by().values_list("pk", flat=True)[: COUNT_LIMIT + 1])
        if ordering == Ordering.RELEVANCE:
            # Ranked among the candidates: every match when there are no more than
            # COUNT_LIMIT (counts stop there, and pages list the first COUNT_LIMIT anyway).
            return (
                scoped.filter(pk__in=candidates)
                .alias(rank=rank)
                .order_by(F("rank").desc(), "name", "pk")
            )
        if len(candidates) <= COUNT_LIMIT:
            queryset = scoped.filter(pk__in=candidates)  # every match: sort them all
        elif ordering == Ordering.NAME:
            # A common word: by price or date, reading the index in order meets matches
            # soon; in name order they sit together (a brand's products all start with
            # its name: 2.4 s to reach them at 1,000,000 products), so sort the matches.
            return queryset.order_by(Concat("name", Value("")), "pk")

    if ordering in (Ordering.PRICE, Ordering.PRICE_DESC):
        queryset = queryset.alias(sort_price=unit_price_at(params.effective_quantity))
        price = F("sort_price")
        first = price.asc() if ordering == Ordering.PRICE else price.desc()
        return queryset.order_by(first, "name", "pk")
    if ordering == Ordering.NEWEST:
        return queryset.order_by(Coalesce("published_at", "created_at").desc(), "-pk")
    return queryset.order_by("name", "pk")


def published(queryset: QuerySet[Product]) -> QuerySet[Product]:
    return queryset.filter(status=ProductStatus.PUBLISHED)


def has_filters(params: SearchParams) -> bool:
    return any(
        value is not None
        for value in (
            params.category,
            params.supplier,
            params.standard,
            params.max_price,
            params.compliant,
        )
    )


def worth_a_similarity_search(queryset: QuerySet[Product], params: SearchParams) -> bool:
    """After an empty result: whether the words themselves matched nothing (a misspelling),
    rather than the filters excluding every match. Only PostgreSQL has trigram similarity.

    Without filters the empty result says so already. (With filters, a capped count rather
    than ``exists()``: for ``LIMIT 1`` PostgreSQL reads the table in order hoping for an
    early match, 50 to 80 ms at 100,000 products when there is none.)"""
    words = params.words
    if not words or not uses_postgres_search():
        return False
    if not has_filters(params):
        return True
    return queryset.filter(search_vector=text_query(words)).order_by()[:COUNT_LIMIT].count() == 0


SUGGESTIONS_SQL = """
    SELECT q.n, q.word, t.term, similarity(t.term, q.word),
        EXISTS (SELECT 1 FROM catalogue_searchterm AS k WHERE k.term LIKE q.pattern)
    FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS q(word, pattern, n)
    LEFT JOIN LATERAL (
        SELECT term FROM catalogue_searchterm ORDER BY term <-> q.word LIMIT %s
    ) AS t ON true
    ORDER BY q.n, t.term <-> q.word
"""


def did_you_mean(words: list[str]) -> list[str] | None:
    """The words with each one the vocabulary does not know (no word of a published product's
    name or summary starts with it) replaced by the nearest one it does; None when no word
    could be corrected. One query, whatever the number of words (PostgreSQL only)."""
    if not words or not uses_postgres_search():
        return None
    patterns = [re.sub(r"([\\%_])", r"\\\1", word) + "%" for word in words]
    with connection.cursor() as cursor:
        cursor.execute(SUGGESTIONS_SQL, [words, patterns, SUGGESTION_CANDIDATES])
        rows = cursor.fetchall()
    candidates: dict[int, list[tuple[str, float]]] = defaultdict(list)
    known: dict[int, bool] = {}
    for number, _, term, similarity, is_known in rows:
        known[number] = is_known
        if term is not None:
            candidates[number].append((term, similarity))
    corrected = []
    for number, word in enumerate(words, start=1):
        replacement = None
        if not known.get(number) and word.isalpha() and len(word) >= 3:
            replacement = next(
                (
                    term
                    for term, similarity in candidates[number]
                    if similarity >= SIMILARITY_THRESHOLD and term[0] == word[0]
                ),
                None,
            )
        corrected.append(replacement or word)
    return corrected if corrected != words else None


# Counting matches stops here: beyond it, pages say "more than 1,000" rather than make
# PostgreSQL count tens of thousands of rows that nobody will page through.
COUNT_LIMIT = 1000


class CappedPaginator(Paginator):
    """A paginator whose count stops at COUNT_LIMIT (``count_is_exact`` says if it did)."""

    # Always given a query set (the catalogue's pages and API), never a list.
    object_list: QuerySet[Any]
    count_limit = COUNT_LIMIT
    count_is_exact = True

    @cached_property
    def count(self) -> int:
        counted = self.object_list.order_by()[: self.count_limit + 1].count()
        self.count_is_exact = counted <= self.count_limit
        return min(counted, self.count_limit)


@dataclass(frozen=True)
class Facet:
    key: str
    label: str
    count: int


def facets_from_summary(params: SearchParams | None, *, published_only: bool) -> bool:
    """Whether :func:`facet_counts` sums ``FacetCount`` (exact, whatever the number of
    matches): no query words and no filter but category, supplier and compliance, on
    PostgreSQL, over exactly the published products."""
    return (
        published_only
        and params is not None
        and not params.words
        and params.standard is None
        and params.max_price is None
        and uses_postgres_search()
    )


def facet_counts(
    queryset: QuerySet[Product],
    tree: CategoryTree,
    params: SearchParams | None = None,
    *,
    published_only: bool = False,
    first_only: bool = False,
) -> dict[str, list[Facet]]:
    """How many of the matching products are in each category and from each supplier.

    From ``FacetCount`` (a few thousand rows kept up to date by triggers) when
    :func:`facets_from_summary` says so; otherwise one query counts the matches by category
    and supplier together, and with ``first_only`` (the count stopped at COUNT_LIMIT) only
    the first COUNT_LIMIT matches found, as the pages list. One query either way.
    """
    if facets_from_summary(params, published_only=published_only):
        assert params is not None  # noqa: S101 (facets_from_summary checked it)
        rows = FacetCount.objects.all()
        if params.category is not None:
            rows = rows.filter(category_id__in=sorted(tree.descendant_ids(params.category.pk)))
        if params.supplier is not None:
            rows = rows.filter(supplier_id=params.supplier.pk)
        if params.compliant is not None:
            rows = rows.filter(is_compliant=params.compliant)
        counted: QuerySet[Any, dict[str, Any]] = rows.values(
            "category_id", "supplier__slug", "supplier__name"
        ).annotate(n=Sum("products"))
    else:
        matches = queryset.order_by()
        if first_only:
            first = matches.values("pk")[:COUNT_LIMIT]
            matches = Product.objects.filter(pk__in=Subquery(first))
        counted = matches.values("category_id", "supplier__slug", "supplier__name").annotate(
            n=Count("pk")
        )
    by_category: dict[int, int] = defaultdict(int)
    by_supplier: dict[tuple[str, str], int] = defaultdict(int)
    for row in counted.order_by():
        if row["n"]:
            by_category[row["category_id"]] += row["n"]
            by_supplier[(row["supplier__slug"], row["supplier__name"])] += row["n"]
    categories = []
    for category_id, n in by_category.items():
        category = tree.by_id.get(category_id)
        if category is not None:
            categories.append(Facet(category.slug, category.name, n))
    categories.sort(key=lambda f: (-f.count, f.label))
    suppliers = [Facet(slug, name, n) for (slug, name), n in by_supplier.items()]
    suppliers.sort(key=lambda f: (-f.count, f.label))
    return {"categories": categories, "suppliers": suppliers}
