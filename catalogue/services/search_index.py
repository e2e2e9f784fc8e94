"""The stored search vector of each product (PostgreSQL only): recomputed by the services
that change what it holds; :mod:`catalogue.selectors.search` reads it."""

from django.db import connection

from catalogue.selectors.search import SEARCH_CONFIG, uses_postgres_search


def refresh_search_vectors(product_ids: list[int] | None = None) -> None:
    """Recompute the stored search vector of these products (all when None), in one UPDATE.

    The vector holds the product's content fields: once a product is published they are
    its published content, so the services that change them call this.
    """
    if not uses_postgres_search():
        return
    where = ""
    params: list = []
    if product_ids is not None:
        if not product_ids:
            return
        where = " AND p.id = ANY(%s)"
        params.append(list(product_ids))
    with connection.cursor() as cursor:
        cursor.execute(SEARCH_VECTOR_SQL + where, params)


SEARCH_VECTOR_SQL = f"""
UPDATE catalogue_product AS p SET search_vector =
    setweight(to_tsvector('{SEARCH_CONFIG}', coalesce(p.name, '')), 'A')
    || setweight(to_tsvector('{SEARCH_CONFIG}', coalesce(p.sku, '')), 'A')
    || setweight(to_tsvector('{SEARCH_CONFIG}', coalesce(p.summary, '')), 'B')
    || setweight(to_tsvector('{SEARCH_CONFIG}', coalesce(c.cpv_code, '')), 'B')
    || setweight(to_tsvector('{SEARCH_CONFIG}', coalesce(o.name, '')), 'C')
    || setweight(to_tsvector('{SEARCH_CONFIG}', coalesce(p.description, '')), 'D')
FROM accounts_organisation AS o, catalogue_category AS c
WHERE o.id = p.supplier_id AND c.id = p.category_id
"""  # noqa: S608 (a constant; product ids are bound parameters)
