"""The catalogue's pages. Thin: parse the form, call a selector or a service, render."""

from collections import defaultdict
from dataclasses import replace

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Organisation
from accounts.permissions import (
    can_download_evidence,
    can_edit_listings_of,
    can_manage_categories,
    can_review_catalogue,
    can_withdraw_product,
    edited_supplier_ids,
    is_catalogue_manager,
    may_review_listings_of,
    review_refusal,
)
from accounts.selectors import acting_organisation, first_organisation_of
from accounts.selectors import suppliers as all_suppliers
from catalogue import selectors, services
from catalogue.domain import evidence
from catalogue.domain.comparison import compare
from catalogue.domain.content import ProductContent
from catalogue.domain.pricing import unit_price_for
from catalogue.forms import (
    CategoryForm,
    ConformanceClaimForm,
    ImportForm,
    ProductForm,
    ReasonForm,
    SearchForm,
    WithdrawForm,
)
from catalogue.models import (
    Conformance,
    ConformanceStatus,
    Product,
    ProductStatus,
    RevisionStatus,
)
from catalogue.presentation.downloads import evidence_download
from catalogue.presentation.panels import product_panels
from catalogue.selectors import search
from catalogue.selectors.category_tree import CategoryTree
from catalogue.selectors.search import SearchParams
from catalogue.services import imports
from catalogue.states import CONFORMANCE, PRODUCT, REVISION
from catalogue.uploads import describe_size, reject_oversized_request
from core.errors import DomainError, NotFound, NotPermitted
from core.invariants import present
from core.pages import pagination

SEARCH_PAGE_SIZE = 20
LISTINGS_PAGE_SIZE = 50
QUEUE_LIMIT = 200


def _acting_supplier(request) -> Organisation:
    """The supplier this editor is working for: the one chosen in the header if it is one
    they edit, otherwise the first they edit. Users who edit none are refused."""
    edited = edited_supplier_ids(request.user)
    if not edited:
        raise NotPermitted("Only suppliers' listing editors can do this.")
    acting = acting_organisation(request)
    if acting is not None and acting.pk in edited:
        return acting
    return present(first_organisation_of(edited), "an edited supplier")


def _require_manager(request) -> None:
    if not can_review_catalogue(request.user):
        raise NotPermitted("Only the ICT company's catalogue managers can do this.")


def _require_reviewer_of(request, supplier: Organisation) -> None:
    """Separation of duties: never the reviewer of a supplier one edits."""
    if not may_review_listings_of(request.user, supplier.pk):
        raise NotPermitted(review_refusal(request.user, supplier))


def _visible_product(request, pk: int, *, detail: bool = True) -> Product:
    queryset = selectors.products_visible_to(request.user)
    if detail:
        queryset = selectors.product_detail_queryset(queryset)
    return get_object_or_404(queryset, pk=pk)


def _required_standard_ids(tree: CategoryTree, category_id: int) -> set[int]:
    ids = {category_id, *(c.pk for c in tree.ancestors(category_id))}
    return selectors.required_standard_ids(ids)


def _conformance_rows(product: Product, tree: CategoryTree) -> list[dict]:
    """One row per standard: required by the category or claimed, with every claim."""
    by_standard: dict[int, list[Conformance]] = defaultdict(list)
    for conformance in product.conformances.all():
        by_standard[conformance.standard_version.standard_id].append(conformance)
    required = _required_standard_ids(tree, product.category_id)
    standards = selectors.standards_by_pk(set(by_standard) | required)
    rows = []
    for standard_id in sorted(standards, key=lambda pk: standards[pk].reference):
        rows.append(
            {
                "standard": standards[standard_id],
                "required": standard_id in required,
                "claims": by_standard.get(standard_id, []),
            }
        )
    return rows


# Search and product pages.


@login_required
def product_list(request):
    """The catalogue: published products, searched, filtered, sorted and paged."""
    suppliers = all_suppliers()
    standards = selectors.standards_in_force()
    form = SearchForm(request.GET or None, suppliers=suppliers, standards=standards)
    params = SearchParams()
    if form.is_bound and form.is_valid():
        params = form.search_params()
    base = search.published(selectors.products_visible_to(request.user))
    if form.is_bound and not form.is_valid():
        base = base.none()
    queryset = search.apply(base, params, tree=form.tree)
    paginator = search.CappedPaginator(selectors.product_list_queryset(queryset), SEARCH_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    match = "exact"
    suggestion = None
    searched = params.q
    if paginator.count == 0 and search.worth_a_similarity_search(base, params):
        corrected = search.did_you_mean(params.words)
        if corrected is not None:
            suggestion = " ".join(corrected)
            params = replace(params, q=suggestion)
            queryset = search.apply(base, params, tree=form.tree)
            paginator = search.CappedPaginator(
                selectors.product_list_queryset(queryset), SEARCH_PAGE_SIZE
            )
            page = paginator.get_page(request.GET.get("page"))
            match = "similar"
    quantity = params.effective_quantity
    results = [
        {"product": product, "unit_price": unit_price_for(product.price_breaks.all(), quantity)}
        for product in page.object_list
    ]
    # The page lists published products only, whoever asks.
    facets_are_exact = paginator.count_is_exact or search.facets_from_summary(
        params, published_only=True
    )
    facets = (
        search.facet_counts(
            queryset,
            form.category_tree(),
            params,
            published_only=True,
            first_only=not facets_are_exact,
        )
        if paginator.count
        else {}
    )

    def link_with(**changes) -> str:
        query = request.GET.copy()
        query.pop("page", None)
        for key, value in changes.items():
            query[key] = value
        return "?" + query.urlencode()

    facet_links = {
        name: [{"facet": f, "href": link_with(**{parameter: f.key})} for f in facets[name]]
        for name, parameter in (("categories", "category"), ("suppliers", "supplier"))
        if name in facets
    }
    return render(
        request,
        "catalogue/product_list.html",
        {
            "form": form,
            "params": params,
            "page": page,
            "results": results,
            "count": paginator.count,
            "count_is_exact": paginator.count_is_exact,
            "match": match,
            "suggestion": suggestion,
            "searched": searched,
            "quantity": quantity,
            "facets": facet_links,
            "facets_are_exact": facets_are_exact,
            "pagination": pagination(page, request),
        },
    )


@login_required
def product_detail(request, pk: int):
    product = _visible_product(request, pk)
    tree = CategoryTree.load()
    is_owner = can_edit_listings_of(request.user, product.supplier_id)
    is_manager = is_catalogue_manager(request.user)
    open_revision = selectors.open_revision(product) if (is_owner or is_manager) else None
    quantity = None
    quantity_error = None
    if request.GET.get("quantity"):
        try:
            quantity = int(request.GET["quantity"])
            if quantity < 1:
                raise ValueError
        except ValueError:
            quantity = None
            quantity_error = "Enter a whole number of units, 1 or more."
    breaks = list(product.price_breaks.all())
    quote = None
    if quantity is not None and breaks:
        unit_price = unit_price_for(breaks, quantity)
        quote = {"quantity": quantity, "unit_price": unit_price, "total": unit_price * quantity}
    return render(
        request,
        "catalogue/product_detail.html",
        {
            "product": product,
            "ancestors": tree.ancestors(product.category_id),
            "breaks": breaks,
            "conformance_rows": _conformance_rows(product, tree),
            "is_owner": is_owner,
            "is_manager": is_manager,
            "open_revision": open_revision,
            # What the listing may become next, as its machines say (permissions aside).
            "may_submit": PRODUCT.can(product, ProductStatus.SUBMITTED)
            or (
                product.status == ProductStatus.PUBLISHED
                and open_revision is not None
                and REVISION.can(open_revision, RevisionStatus.SUBMITTED)
            ),
            "may_discard": product.status == ProductStatus.PUBLISHED
            and open_revision is not None
            and REVISION.can(open_revision, RevisionStatus.DISCARDED),
            # A catalogue manager who edits none of the supplier's listings, and something
            # submitted to review.
            "may_review": is_manager
            and may_review_listings_of(request.user, product.supplier_id)
            and open_revision is not None
            and REVISION.can(open_revision, RevisionStatus.APPROVED),
            "may_withdraw": PRODUCT.can(product, ProductStatus.WITHDRAWN)
            and can_withdraw_product(request.user, product.supplier_id),
            "may_download": can_download_evidence(request.user, product.supplier_id),
            "quote": quote,
            "quantity_error": quantity_error,
            # What higher apps add (procurement's "buy it together"): presentation/panels.py.
            "product_panels": product_panels(request.user, product),
        },
    )


@login_required
def conformance_evidence(request, pk: int):
    conformance = get_object_or_404(selectors.conformances_visible_to(request.user), pk=pk)
    return evidence_download(request.user, conformance)


# Supplier self-service.


@login_required
def supplier_product_list(request):
    supplier = _acting_supplier(request)
    products = selectors.products_of_suppliers_edited_by(request.user)
    status = request.GET.get("status", "")
    if status in ProductStatus.values:
        products = products.filter(status=status)
    counts = dict(
        selectors.products_of_suppliers_edited_by(request.user)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    products = (
        products.select_related("supplier", "category")
        .defer("search_vector", "description")
        .order_by("name", "pk")
    )
    page = Paginator(products, LISTINGS_PAGE_SIZE).get_page(request.GET.get("page"))
    open_revisions = {
        r.product_id: r
        for r in selectors.revisions_visible_to(request.user).filter(
            product__in=[p.pk for p in page.object_list],
            status__in=selectors.OPEN_REVISION_STATUSES,
        )
    }
    rows = [{"product": p, "open_revision": open_revisions.get(p.pk)} for p in page.object_list]
    return render(
        request,
        "catalogue/supplier_product_list.html",
        {
            "supplier": supplier,
            "rows": rows,
            "page": page,
            "pagination": pagination(page, request),
            "status": status,
            "status_tabs": [
                {"value": value, "label": label, "count": counts.get(value, 0)}
                for value, label in ProductStatus.choices
            ],
            "total": sum(counts.values()),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def product_create(request):
    supplier = _acting_supplier(request)
    tree = CategoryTree.load()
    form = ProductForm(request.POST or None, tree=tree)
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_create(
                actor=request.user,
                supplier=supplier,
                sku=form.cleaned_data["sku"],
                content=form.content(),
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request, f"{product.name} is saved as a draft. Submit it for review when ready."
            )
            return redirect("catalogue:product_detail", pk=product.pk)
    return render(
        request,
        "catalogue/product_form.html",
        {"form": form, "supplier": supplier, "product": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request, pk: int):
    product = _visible_product(request, pk)
    if not can_edit_listings_of(request.user, product.supplier_id):
        raise NotPermitted("Only the supplier's listing editors can change its listings.")
    if product.status == ProductStatus.SUBMITTED:
        messages.error(request, "This product is awaiting review: it cannot change until then.")
        return redirect("catalogue:product_detail", pk=product.pk)
    tree = CategoryTree.load()
    open_revision = selectors.open_revision(product)
    if open_revision is not None and open_revision.status == RevisionStatus.SUBMITTED:
        messages.error(request, "A change to this product is already awaiting review.")
        return redirect("catalogue:product_detail", pk=product.pk)
    if product.status == ProductStatus.PUBLISHED and open_revision is not None:
        current = ProductContent.of_revision(open_revision)
    else:
        current = ProductContent.of_product(product)
    sku_editable = product.published_revision_id is None and product.status in (
        services.EDITABLE_STATUSES
    )
    form = ProductForm(
        request.POST or None,
        tree=tree,
        sku_editable=sku_editable,
        initial=ProductForm.initial_for(current, product.sku),
    )
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_update(
                product=product,
                actor=request.user,
                content=form.content(),
                sku=form.cleaned_data["sku"] if sku_editable else None,
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            if product.status == ProductStatus.PUBLISHED:
                messages.success(
                    request,
                    "Your changes are saved as a draft revision. Buyers keep seeing the "
                    "published listing until a catalogue manager approves them: submit them "
                    "for review when ready.",
                )
            else:
                messages.success(request, f"{product.name} is saved.")
            return redirect("catalogue:product_detail", pk=product.pk)
    return render(
        request,
        "catalogue/product_form.html",
        {"form": form, "supplier": product.supplier, "product": product},
    )


def _post_action(request, pk: int, act, success: str):
    product = _visible_product(request, pk, detail=False)
    act(product)
    messages.success(request, success)
    return redirect("catalogue:product_detail", pk=product.pk)


@login_required
@require_POST
def product_submit(request, pk: int):
    return _post_action(
        request,
        pk,
        lambda product: services.product_submit(product=product, actor=request.user),
        "Submitted for review. A catalogue manager will approve or reject it.",
    )


@login_required
@require_POST
def revision_discard(request, pk: int):
    return _post_action(
        request,
        pk,
        lambda product: services.revision_discard(product=product, actor=request.user),
        "Your changes are discarded: the published listing is unchanged.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def product_withdraw(request, pk: int):
    product = _visible_product(request, pk, detail=False)
    if not can_withdraw_product(request.user, product.supplier_id):
        raise NotPermitted("Only the supplier or a catalogue manager can withdraw a listing.")
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.product_withdraw(
                product=product, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, f"{product.name} is withdrawn from the catalogue.")
            return redirect("catalogue:product_detail", pk=product.pk)
    return render(request, "catalogue/product_withdraw.html", {"form": form, "product": product})


def _claimable_versions():
    return selectors.claimable_versions()


@login_required
@require_http_methods(["GET", "POST"])
def conformance_claim(request, pk: int):
    product = _visible_product(request, pk, detail=False)
    if not can_edit_listings_of(request.user, product.supplier_id):
        raise NotPermitted("Only the supplier's listing editors can claim conformance.")
    versions = _claimable_versions()
    size = describe_size(evidence.max_bytes())
    if request.method == "POST":
        try:
            reject_oversized_request(request, evidence.max_bytes(), field="evidence")
        except DomainError as error:
            form = ConformanceClaimForm(versions=versions, max_size=size)
            form.cleaned_data = {}
            form.add_domain_error(error)
            return render(
                request,
                "catalogue/conformance_claim.html",
                {"form": form, "product": product},
                status=400,
            )
    form = ConformanceClaimForm(
        request.POST or None, request.FILES or None, versions=versions, max_size=size
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.conformance_claim(
                product=product,
                standard_version=form.versions[form.cleaned_data["standard"]],
                evidence_file=form.cleaned_data["evidence"],
                actor=request.user,
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request, "Your claim is sent. A catalogue manager will verify the evidence."
            )
            return redirect("catalogue:product_detail", pk=product.pk)
    return render(request, "catalogue/conformance_claim.html", {"form": form, "product": product})


@login_required
@require_http_methods(["GET", "POST"])
def product_import(request):
    supplier = _acting_supplier(request)
    context = {
        "supplier": supplier,
        "max_size": describe_size(imports.max_bytes()),
        "max_rows": settings.CATALOGUE_IMPORT_MAX_ROWS,
        "break_count": len(imports.BREAK_NUMBERS),
        "columns": imports.COLUMNS,
    }
    if request.method == "POST":
        try:
            reject_oversized_request(request, imports.max_bytes(), field="file")
        except DomainError as error:
            form = ImportForm()
            form.cleaned_data = {}
            form.add_domain_error(error)
            return render(
                request, "catalogue/product_import.html", {**context, "form": form}, status=400
            )
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = imports.import_products(
                supplier=supplier, actor=request.user, upload=form.cleaned_data["file"]
            )
        except imports.ImportRejected as rejected:
            form.add_error("file", rejected.message)
            context["row_errors"] = rejected.row_errors
        except DomainError as error:
            form.add_domain_error(error)
        else:
            context["result"] = result
            form = ImportForm()
    context["form"] = form
    return render(request, "catalogue/product_import.html", context)


@login_required
def product_import_template(request):
    if not edited_supplier_ids(request.user):
        raise NotPermitted("Only suppliers' listing editors can upload listings.")
    response = HttpResponse(imports.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="listings-template.csv"'
    return response


# Revisions.


def _product_with_revisions(request, pk: int) -> Product:
    product = _visible_product(request, pk, detail=False)
    if not (
        can_edit_listings_of(request.user, product.supplier_id)
        or is_catalogue_manager(request.user)
    ):
        raise NotPermitted("Revisions are for the supplier and catalogue managers.")
    return product


@login_required
def revision_list(request, pk: int):
    product = _product_with_revisions(request, pk)
    revisions = list(product.revisions.select_related("category", "created_by", "decided_by"))
    return render(
        request, "catalogue/revision_list.html", {"product": product, "revisions": revisions}
    )


@login_required
def revision_compare(request, pk: int):
    product = _product_with_revisions(request, pk)
    old_key, new_key, old, new = selectors.comparison_sides(
        product, request.GET.get("from"), request.GET.get("to")
    )
    return render(
        request,
        "catalogue/revision_compare.html",
        {
            "product": product,
            "old_key": old_key,
            "new_key": new_key,
            "old_label": "Live listing" if old_key == "live" else f"Revision {old_key}",
            "new_label": "Live listing" if new_key == "live" else f"Revision {new_key}",
            "comparison": compare(old, new),
            "revisions": list(product.revisions.order_by("-number")),
        },
    )


# The review queue.


@login_required
def review_queue(request):
    _require_manager(request)
    products = selectors.products_awaiting_review(request.user)
    revisions = selectors.revisions_awaiting_review(request.user)
    claims = selectors.conformances_awaiting_review(request.user)
    return render(
        request,
        "catalogue/review_queue.html",
        {
            "products": products[:QUEUE_LIMIT],
            "product_count": products.count(),
            "revisions": revisions[:QUEUE_LIMIT],
            "revision_count": revisions.count(),
            "claims": claims[:QUEUE_LIMIT],
            "claim_count": claims.count(),
            "limit": QUEUE_LIMIT,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_product(request, pk: int):
    _require_manager(request)
    product = _visible_product(request, pk)
    _require_reviewer_of(request, product.supplier)
    revision = selectors.open_revision(product)
    if revision is None or revision.status != RevisionStatus.SUBMITTED:
        messages.error(request, "Nothing about this product is awaiting review.")
        return redirect("catalogue:product_detail", pk=product.pk)
    reject_form = ReasonForm(request.POST if request.POST.get("decision") == "reject" else None)
    if request.method == "POST":
        decision = request.POST.get("decision")
        try:
            if decision == "approve":
                services.product_approve(product=product, actor=request.user)
                messages.success(request, f"{product.name}: approved and published.")
                return redirect("catalogue:review_queue")
            if decision == "reject" and reject_form.is_valid():
                services.product_reject(
                    product=product, actor=request.user, reason=reject_form.cleaned_data["reason"]
                )
                messages.success(request, f"{product.name}: rejected. The supplier is told why.")
                return redirect("catalogue:review_queue")
        except DomainError as error:
            if decision != "reject":
                raise  # a decision without a form: the refusal's page (core.middleware)
            reject_form.add_domain_error(error)
    first_publication = product.status == ProductStatus.SUBMITTED
    comparison = None
    if not first_publication:
        comparison = compare(
            ProductContent.of_product(product), ProductContent.of_revision(revision)
        )
    tree = CategoryTree.load()
    return render(
        request,
        "catalogue/review_product.html",
        {
            "product": product,
            "revision": revision,
            "content": ProductContent.of_revision(revision),
            "first_publication": first_publication,
            "comparison": comparison,
            "conformance_rows": _conformance_rows(product, tree),
            "reject_form": reject_form,
            "may_download": True,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_conformance(request, pk: int):
    _require_manager(request)
    conformance = get_object_or_404(selectors.conformances_visible_to(request.user), pk=pk)
    _require_reviewer_of(request, conformance.product.supplier)
    reject_form = ReasonForm(request.POST if request.POST.get("decision") == "reject" else None)
    if request.method == "POST":
        decision = request.POST.get("decision")
        try:
            if decision == "verify":
                services.conformance_verify(conformance=conformance, actor=request.user)
                messages.success(request, "The claim is verified.")
                return redirect("catalogue:review_queue")
            if decision == "reject" and reject_form.is_valid():
                services.conformance_reject(
                    conformance=conformance,
                    actor=request.user,
                    reason=reject_form.cleaned_data["reason"],
                )
                messages.success(request, "The claim is rejected. The supplier is told why.")
                return redirect("catalogue:review_queue")
        except DomainError as error:
            if decision != "reject":
                raise  # a decision without a form: the refusal's page (core.middleware)
            reject_form.add_domain_error(error)
    return render(
        request,
        "catalogue/review_conformance.html",
        {
            "conformance": conformance,
            "product": conformance.product,
            "reject_form": reject_form,
            "awaiting": conformance.status == ConformanceStatus.CLAIMED,
            "may_verify": CONFORMANCE.can(conformance, ConformanceStatus.VERIFIED),
            "verify_refusal": CONFORMANCE.refusal(conformance, ConformanceStatus.VERIFIED),
            "may_reject": CONFORMANCE.can(conformance, ConformanceStatus.REJECTED),
        },
    )


# Categories.


@login_required
def category_list(request):
    tree = CategoryTree.load()
    required = selectors.required_references_by_category()
    counts = dict(
        search.published(selectors.products_visible_to(request.user))
        .order_by()
        .values_list("category_id")
        .annotate(n=Count("pk"))
    )
    rows = [
        {
            "category": category,
            "depth": depth,
            "required": required.get(category.pk, []),
            "count": counts.get(category.pk, 0),
            "indent": range(depth),
        }
        for category, depth in tree.in_tree_order()
    ]
    return render(
        request,
        "catalogue/category_list.html",
        {"rows": rows, "may_manage": can_manage_categories(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def category_edit(request, slug: str | None = None):
    if not can_manage_categories(request.user):
        raise NotPermitted("Only the ICT company's catalogue managers can change categories.")
    tree = CategoryTree.load()
    category = None
    if slug is not None:
        category = next((c for c in tree.by_id.values() if c.slug == slug), None)
        if category is None:
            raise NotFound("No such category.")
    standards = list(selectors.standards_in_force())
    form = CategoryForm(request.POST or None, tree=tree, category=category, standards=standards)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        parent = tree.by_id.get(int(data["parent"])) if data["parent"] else None
        chosen = [s for s in standards if str(s.pk) in data["required_standards"]]
        try:
            with transaction.atomic():
                if category is None:
                    category = services.category_create(
                        actor=request.user,
                        name=data["name"],
                        slug=data["slug"],
                        cpv_code=data["cpv_code"],
                        parent=parent,
                        description=data["description"],
                        required_standards=chosen,
                    )
                else:
                    if parent != (
                        tree.by_id.get(category.parent_id) if category.parent_id else None
                    ):
                        services.category_move(
                            category=category, new_parent=parent, actor=request.user
                        )
                    category = services.category_update(
                        category=category,
                        actor=request.user,
                        name=data["name"],
                        slug=data["slug"],
                        cpv_code=data["cpv_code"],
                        description=data["description"],
                        required_standards=chosen,
                    )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, f"{category.name} is saved.")
            return redirect(reverse("catalogue:category_list"))
    return render(request, "catalogue/category_form.html", {"form": form, "category": category})
