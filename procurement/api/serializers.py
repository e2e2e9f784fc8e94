from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import permissions
from accounts.models import Organisation
from catalogue.models import Product
from core.limits import MAX_NOTE_LENGTH, MAX_QUANTITY_PER_FORCE, MONEY_DIGITS
from procurement import selectors
from procurement.models import (
    Approval,
    JointRequisition,
    Order,
    OrderLine,
    Participation,
    SignOffGrounds,
)
from procurement.policies import approval as approval_policy
from procurement.policies import pledging
from procurement.policies import sign_off as sign_off_policy


def money(amount: Decimal | None) -> str | None:
    """Money as a string with two decimals, as DRF's DecimalField renders it."""
    return None if amount is None else f"{amount:.2f}"


class ForceSlugMixin(serializers.Serializer):
    force = serializers.SlugField(
        required=False,
        help_text="The force you act for (its slug): required when you are a buyer of several.",
    )


class ParticipationInputSerializer(ForceSlugMixin):
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY_PER_FORCE)
    delivery_address = serializers.CharField(max_length=1000)
    cost_centre = serializers.CharField(max_length=50)
    needed_by = serializers.DateField(required=False, allow_null=True)
    internal_note = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_NOTE_LENGTH
    )


class ParticipationChangeSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(
        min_value=1, max_value=MAX_QUANTITY_PER_FORCE, required=False
    )
    delivery_address = serializers.CharField(max_length=1000, required=False)
    cost_centre = serializers.CharField(max_length=50, required=False)
    needed_by = serializers.DateField(required=False, allow_null=True)
    internal_note = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_NOTE_LENGTH
    )


class RequisitionInputSerializer(ParticipationInputSerializer):
    product = serializers.IntegerField(min_value=1)
    closes_at = serializers.DateTimeField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=MAX_NOTE_LENGTH)
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)


class SignOffSerializer(serializers.Serializer):
    reasons = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_NOTE_LENGTH,
        help_text="Required for a split purchase: why the purchases are separate.",
    )


class SignOffThresholdSerializer(serializers.Serializer):
    opened_on = serializers.DateField()
    decided_on = serializers.DateField(help_text="The day of award, or today until awarded.")
    amount = serializers.DecimalField(**MONEY_DIGITS, allow_null=True)
    effective_from = serializers.DateField(allow_null=True)
    includes_vat = serializers.BooleanField(allow_null=True)
    measured = serializers.DecimalField(**MONEY_DIGITS, allow_null=True)
    reached = serializers.BooleanField()


class SignOffStateSerializer(serializers.Serializer):
    """What the sign-off rules say (``procurement.policies.sign_off``): live until award,
    as recorded after it. The split's evidence (which purchases add up) is the ICT
    company's; others see that a split was detected and the amounts."""

    needed = serializers.BooleanField()
    grounds = serializers.ChoiceField(choices=SignOffGrounds.choices, allow_null=True)
    awaiting = serializers.CharField(
        allow_null=True, help_text="Why the award waits for a sign-off, if it does."
    )
    signed_off_at = serializers.DateTimeField(allow_null=True)
    reasons = serializers.CharField(allow_blank=True)
    threshold = SignOffThresholdSerializer(allow_null=True)
    split = serializers.JSONField(
        allow_null=True,
        help_text="The split purchase detected: for the ICT company, the threshold, the "
        "combined total and the purchases that add up; for others, only that one was detected.",
    )


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=MAX_NOTE_LENGTH)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=MAX_NOTE_LENGTH)


class ReleaseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=MAX_NOTE_LENGTH)


class BlockingShareSerializer(serializers.Serializer):
    """A share no finance approver of its force can cover, and the route out of it."""

    participation = serializers.IntegerField(source="participation.pk")
    force = serializers.CharField(source="participation.force.slug")
    force_name = serializers.CharField(source="participation.force.name")
    share_including_vat = serializers.DecimalField(source="amount", **MONEY_DIGITS)
    highest_approval_limit = serializers.DecimalField(
        source="highest_limit", allow_null=True, **MONEY_DIGITS
    )
    route = serializers.CharField()


class ApprovalSerializer(serializers.ModelSerializer):
    approver = serializers.EmailField(source="approver.email", read_only=True)

    class Meta:
        model = Approval
        fields = [
            "id",
            "approver",
            "decision",
            "comment",
            "amount",
            "approver_limit",
            "round",
            "created_at",
        ]


class BreakSerializer(serializers.Serializer):
    min_quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(**MONEY_DIGITS)


class NextBreakSerializer(BreakSerializer):
    units_to_reach = serializers.IntegerField()


class ParticipationSerializer(serializers.ModelSerializer):
    """Quantities, shares and statuses are seen by every force in the requisition; delivery
    address, cost centre, needed-by date, internal note, split-purchase flag and approvals
    only by the force itself and the ICT company (null for others)."""

    force: serializers.SlugRelatedField[Organisation] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    force_id = serializers.IntegerField(read_only=True)
    force_name = serializers.CharField(source="force.name", read_only=True)
    joint_requisition: serializers.PrimaryKeyRelatedField[JointRequisition] = (
        serializers.PrimaryKeyRelatedField(read_only=True)
    )
    share = serializers.SerializerMethodField()
    share_including_vat = serializers.SerializerMethodField()
    saving = serializers.SerializerMethodField()
    delivery_address = serializers.SerializerMethodField()
    cost_centre = serializers.SerializerMethodField()
    needed_by = serializers.SerializerMethodField()
    internal_note = serializers.SerializerMethodField()
    split_purchase_flag = serializers.SerializerMethodField()
    approvals = serializers.SerializerMethodField()
    approval_warning = serializers.SerializerMethodField()
    can_change = serializers.SerializerMethodField()
    can_withdraw = serializers.SerializerMethodField()

    class Meta:
        model = Participation
        fields = [
            "id",
            "joint_requisition",
            "force",
            "force_id",
            "force_name",
            "quantity",
            "share",
            "vat",
            "share_including_vat",
            "saving",
            "status",
            "approval_round",
            "delivery_address",
            "cost_centre",
            "needed_by",
            "internal_note",
            "split_purchase_flag",
            "approvals",
            "approval_warning",
            "can_change",
            "can_withdraw",
            "created_at",
            "updated_at",
        ]

    def _private(self, participation) -> bool:
        return permissions.can_see_participation_details(
            self.context["request"].user, participation
        )

    def _figures(self, participation):
        return self.context.get("figures", {}).get(participation.pk)

    @extend_schema_field(serializers.DecimalField(**MONEY_DIGITS, allow_null=True))
    def get_share(self, participation) -> str | None:
        """Fixed at close; while open, the indicative share at the pooled price so far."""
        if participation.share is not None:
            return money(participation.share)
        figures = self._figures(participation)
        return money(figures.share) if figures else None

    @extend_schema_field(serializers.DecimalField(**MONEY_DIGITS, allow_null=True))
    def get_share_including_vat(self, participation) -> str | None:
        if participation.share is None:
            return None
        return money(approval_policy.share_with_vat(participation))

    @extend_schema_field(serializers.DecimalField(**MONEY_DIGITS, allow_null=True))
    def get_saving(self, participation) -> str | None:
        figures = self._figures(participation)
        return money(figures.saving) if figures else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_delivery_address(self, participation) -> str | None:
        return participation.delivery_address if self._private(participation) else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_cost_centre(self, participation) -> str | None:
        return participation.cost_centre if self._private(participation) else None

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_needed_by(self, participation):
        return participation.needed_by if self._private(participation) else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_internal_note(self, participation) -> str | None:
        return participation.internal_note if self._private(participation) else None

    @extend_schema_field(serializers.JSONField(allow_null=True))
    def get_split_purchase_flag(self, participation):
        return participation.split_purchase_flag if self._private(participation) else None

    def _offer(self, participation) -> pledging.PledgeOffer:
        user = self.context["request"].user
        return pledging.pledge_offer(
            participation.joint_requisition,
            participation,
            takes_part_for_force=permissions.can_take_part_for(user, participation.force),
            now=selectors.now(),
        )

    @extend_schema_field(serializers.BooleanField())
    def get_can_change(self, participation) -> bool:
        """Whether you may change this participation now (its force's buyer, while the
        requisition is open for pledges)."""
        return self._offer(participation).can_change

    @extend_schema_field(serializers.BooleanField())
    def get_can_withdraw(self, participation) -> bool:
        return self._offer(participation).can_withdraw

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_approval_warning(self, participation) -> str | None:
        """In the answer to a join or a change: set when no finance approver of the force
        could approve the share as pledged (including VAT, at the pooled price so far)."""
        return self.context.get("approval_warnings", {}).get(participation.pk)

    @extend_schema_field(ApprovalSerializer(many=True, allow_null=True))
    def get_approvals(self, participation):
        if not self._private(participation):
            return None
        return ApprovalSerializer(participation.approvals.all(), many=True).data


class JointRequisitionSerializer(serializers.ModelSerializer):
    product: serializers.PrimaryKeyRelatedField[Product] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )
    product_name = serializers.CharField(source="product.name", read_only=True)
    supplier: serializers.SlugRelatedField[Organisation] = serializers.SlugRelatedField(
        source="product.supplier", slug_field="slug", read_only=True
    )
    lead_force: serializers.SlugRelatedField[Organisation] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    total_quantity = serializers.SerializerMethodField()
    force_count = serializers.SerializerMethodField()
    unit_price = serializers.SerializerMethodField()
    price_break = serializers.SerializerMethodField()
    next_break = serializers.SerializerMethodField()
    participations = serializers.SerializerMethodField()
    order = serializers.SerializerMethodField()
    needs_sign_off = serializers.SerializerMethodField()
    sign_off = serializers.SerializerMethodField()
    open_for_pledges = serializers.SerializerMethodField()
    locked_price_breaks = serializers.SerializerMethodField()
    product_revision = serializers.IntegerField(
        source="product_revision_id", read_only=True, allow_null=True
    )
    blocking_shares = serializers.SerializerMethodField()

    class Meta:
        model = JointRequisition
        fields = [
            "id",
            "ocid",
            "title",
            "note",
            "product",
            "product_name",
            "supplier",
            "lead_force",
            "status",
            "open_for_pledges",
            "closes_at",
            "created_at",
            "closed_at",
            "total_quantity",
            "force_count",
            "unit_price",
            "price_break",
            "next_break",
            "vat_rate",
            "subtotal",
            "vat",
            "total",
            "needs_sign_off",
            "signed_off_at",
            "sign_off",
            "awarded_at",
            "cancelled_at",
            "cancellation_reason",
            "close_blocked_reason",
            "product_revision",
            "locked_price_breaks",
            "blocking_shares",
            "participations",
            "order",
        ]

    def _aggregation(self, requisition):
        cache = self.context.setdefault("_aggregations", {})
        if requisition.pk not in cache:
            cache[requisition.pk] = selectors.requisition_aggregation(requisition)
        return cache[requisition.pk]

    @extend_schema_field(serializers.BooleanField())
    def get_open_for_pledges(self, requisition) -> bool:
        """Whether forces may join, change or withdraw now (open and before closes_at)."""
        return pledging.is_open_for_pledges(requisition, selectors.now())

    @extend_schema_field(BreakSerializer(many=True))
    def get_locked_price_breaks(self, requisition):
        """The price breaks in force when the requisition opened: it is priced from them."""
        return BreakSerializer(selectors.price_breaks_of(requisition), many=True).data

    @extend_schema_field(BlockingShareSerializer(many=True))
    def get_blocking_shares(self, requisition):
        """After close: shares no finance approver of their force can cover."""
        if requisition.status != "closed":
            return []
        limits = self.context.get("_approval_limits")
        if limits is None:
            limits = self.context["_approval_limits"] = approval_policy.highest_approval_limits()
        found = approval_policy.blocking_shares(
            requisition, requisition.participations.all(), limits
        )
        return BlockingShareSerializer(found, many=True).data

    def get_total_quantity(self, requisition) -> int:
        if requisition.total_quantity is not None:
            return requisition.total_quantity
        return self._aggregation(requisition).total_quantity

    def get_force_count(self, requisition) -> int:
        return self._aggregation(requisition).force_count

    @extend_schema_field(serializers.DecimalField(**MONEY_DIGITS, allow_null=True))
    def get_unit_price(self, requisition) -> str | None:
        """The pooled unit price: fixed at close, indicative while open."""
        if requisition.pooled_unit_price is not None:
            return money(requisition.pooled_unit_price)
        return money(self._aggregation(requisition).unit_price)

    @extend_schema_field(BreakSerializer(allow_null=True))
    def get_price_break(self, requisition):
        tier = self._aggregation(requisition).price_break
        if tier is None:
            return None
        return BreakSerializer(tier).data

    @extend_schema_field(NextBreakSerializer(allow_null=True))
    def get_next_break(self, requisition):
        """The next cheaper break and how many more units reach it (null once closed)."""
        aggregation = self._aggregation(requisition)
        if requisition.status != "open" or aggregation.next_break is None:
            return None
        return {
            "min_quantity": aggregation.next_break.min_quantity,
            "unit_price": str(aggregation.next_break.unit_price),
            "units_to_reach": aggregation.units_to_next_break,
        }

    @extend_schema_field(ParticipationSerializer(many=True))
    def get_participations(self, requisition):
        figures = {f.key: f for f in self._aggregation(requisition).forces}
        return ParticipationSerializer(
            requisition.participations.all(),
            many=True,
            context={**self.context, "figures": figures},
        ).data

    def _sign_off_state(self, requisition) -> dict:
        cache = self.context.setdefault("_sign_off", {})
        if requisition.pk not in cache:
            cache[requisition.pk] = self._compute_sign_off_state(requisition)
        return cache[requisition.pk]

    def _requirement(self, requisition) -> sign_off_policy.SignOffRequirement:
        """The live rule, asked once for every requisition of a list (constant queries)."""
        cache = self.context.setdefault("_sign_off_requirements", {})
        if requisition.pk not in cache:
            listed = getattr(self.parent, "instance", None) if self.parent is not None else None
            batch = [
                r
                for r in (listed if isinstance(listed, list | tuple) else [requisition])
                if r.status not in (*sign_off_policy.AWARDED, "cancelled") and r.pk not in cache
            ]
            if requisition not in batch:
                batch.append(requisition)
            cache.update(sign_off_policy.sign_off_requirements(batch))
        return cache[requisition.pk]

    def _compute_sign_off_state(self, requisition) -> dict:
        recorded = {
            "signed_off_at": requisition.signed_off_at,
            "reasons": requisition.sign_off_reasons,
        }
        if requisition.status in sign_off_policy.AWARDED or requisition.status == "cancelled":
            evidence = requisition.sign_off_evidence or {}
            state = {
                "needed": sign_off_policy.needs_sign_off(requisition),
                "grounds": requisition.sign_off_grounds or None,
                "awaiting": None,
                "threshold": evidence.get("threshold"),
                "split": evidence.get("split"),
                **recorded,
            }
        else:
            requirement = self._requirement(requisition)
            missing = sign_off_policy.sign_off_missing(requisition, requirement)
            state = {
                **requirement.as_json(),
                "awaiting": missing if requisition.status == "approved" else None,
                **recorded,
            }
            if requisition.signed_off_at is not None and missing is None:
                state["grounds"] = requisition.sign_off_grounds
        if not permissions.is_ict_company_member(self.context["request"].user):
            # Which purchases add up (other forces' included) is the ICT company's to see;
            # each force sees its own in its participation's split_purchase_flag.
            if state["split"]:
                state["split"] = {"detected": True}
            if state["awaiting"]:
                state["awaiting"] = "Awaiting the commercial lead's sign-off."
        return state

    @extend_schema_field(serializers.BooleanField())
    def get_needs_sign_off(self, requisition) -> bool:
        """Whether the commercial lead's sign-off is needed (the live rule until award)."""
        return bool(self._sign_off_state(requisition)["needed"])

    @extend_schema_field(SignOffStateSerializer())
    def get_sign_off(self, requisition) -> dict:
        state = self._sign_off_state(requisition)
        return {
            **state,
            "signed_off_at": serializers.DateTimeField().to_representation(state["signed_off_at"])
            if state["signed_off_at"]
            else None,
        }

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_order(self, requisition) -> int | None:
        order = (
            getattr(requisition, "order", None)
            if requisition.status
            in (
                "awarded",
                "contracted",
            )
            else None
        )
        return order.pk if order else None


class OrderLineSerializer(serializers.ModelSerializer):
    force: serializers.SlugRelatedField[Organisation] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    force_id = serializers.IntegerField(read_only=True)
    force_name = serializers.CharField(source="force.name", read_only=True)

    class Meta:
        model = OrderLine
        fields = [
            "id",
            "force",
            "force_id",
            "force_name",
            "participation",
            "quantity",
            "unit_price",
            "share",
            "vat",
            "total",
            "delivery_address",
            "cost_centre",
        ]


class OrderSerializer(serializers.ModelSerializer):
    """Each order with its lines: every line for the supplier and the ICT company, a
    force's own line for a force (the totals are the whole order's)."""

    supplier: serializers.SlugRelatedField[Organisation] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    product = serializers.IntegerField(source="joint_requisition.product_id", read_only=True)
    lines = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "joint_requisition",
            "product",
            "supplier",
            "supplier_name",
            "status",
            "unit_price",
            "subtotal",
            "vat",
            "total",
            "notifiable",
            "documents_requested_at",
            "created_at",
            "lines",
        ]

    @extend_schema_field(OrderLineSerializer(many=True))
    def get_lines(self, order):
        user = self.context["request"].user
        lines = list(order.lines.all())
        if not selectors.sees_every_line(user, order):
            force_ids = selectors.force_ids_of(user)
            lines = [line for line in lines if line.force_id in force_ids]
        return OrderLineSerializer(lines, many=True).data
