"""The joint requisitions API: the same selectors, rules and services as the pages."""

import django_filters
from django.db.models import Q
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import permissions
from accounts.models import Organisation, Role
from core.api import IdFilter
from core.errors import DomainError, NotPermitted
from procurement import selectors, services
from procurement.api.serializers import (
    CancelSerializer,
    CommentSerializer,
    JointRequisitionSerializer,
    OrderSerializer,
    ParticipationChangeSerializer,
    ParticipationInputSerializer,
    ParticipationSerializer,
    ReleaseSerializer,
    RequisitionInputSerializer,
    SignOffSerializer,
)
from procurement.models import (
    JointRequisition,
    Order,
    OrderStatus,
    Participation,
    ParticipationStatus,
    RequisitionStatus,
)

ERRORS = {
    400: OpenApiResponse(description="Invalid input: `{detail, errors}`."),
    403: OpenApiResponse(description="Your role does not allow this."),
    404: OpenApiResponse(description="No such object, or not visible to you."),
    409: OpenApiResponse(description="The object's state does not allow this now."),
}


def resolve_force(user, slug: str | None, role: str = Role.BUYER) -> Organisation:
    """The force a request acts for: the user's only force with ``role``, or the one named
    by ``force`` (required when they have several)."""
    forces = permissions.forces_where(user, role)
    label = Role(role).label.lower()
    if not forces:
        raise NotPermitted(f"You are not a {label} of any force.")
    if slug:
        match = next((f for f in forces if f.slug == slug), None)
        if match is None:
            raise DomainError(f"You are not a {label} of a force called {slug!r}.", field="force")
        return match
    if len(forces) > 1:
        raise DomainError(
            f"You are a {label} of several forces: say which one with `force` "
            f"({', '.join(f.slug for f in forces)}).",
            field="force",
        )
    return forces[0]


class RequisitionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RequisitionStatus.choices)
    product = IdFilter(field_name="product_id")
    force = django_filters.CharFilter(
        method="filter_force", help_text="A force's slug: requisitions it leads or takes part in."
    )

    class Meta:
        model = JointRequisition
        fields = ["status", "product", "force"]

    def filter_force(self, queryset, name, value):
        return queryset.filter(
            Q(lead_force__slug=value) | Q(participations__force__slug=value)
        ).distinct()


class ParticipationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ParticipationStatus.choices)
    force = django_filters.CharFilter(field_name="force__slug")
    product = IdFilter(field_name="joint_requisition__product_id")
    joint_requisition = IdFilter(field_name="joint_requisition_id")

    class Meta:
        model = Participation
        fields = ["status", "force", "product", "joint_requisition"]


class OrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices)
    product = IdFilter(field_name="joint_requisition__product_id")
    force = django_filters.CharFilter(
        method="filter_force", help_text="A force's slug: orders with a line for it."
    )
    supplier = django_filters.CharFilter(field_name="supplier__slug")

    class Meta:
        model = Order
        fields = ["status", "product", "force", "supplier"]

    def filter_force(self, queryset, name, value):
        return queryset.filter(lines__force__slug=value).distinct()


@extend_schema_view(
    list=extend_schema(summary="Joint requisitions visible to you"),
    retrieve=extend_schema(
        summary="A joint requisition with its live figures",
        responses={200: JointRequisitionSerializer, 404: ERRORS[404]},
    ),
)
class JointRequisitionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = JointRequisitionSerializer
    filterset_class = RequisitionFilter

    def get_queryset(self):
        return (
            selectors.requisitions_visible_to(self.request.user)
            .select_related("product__supplier", "order")
            .prefetch_related(selectors.participations_with_approvals_prefetch())
            .order_by("-created_at", "-pk")
        )

    def _fresh(self, pk: int) -> JointRequisition:
        return self.get_queryset().get(pk=pk)

    def _respond(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        data = JointRequisitionSerializer(self._fresh(pk), context=self.get_serializer_context())
        return Response(data.data, status=code)

    @extend_schema(
        summary="Start a joint requisition with your force's participation (your force leads)",
        request=RequisitionInputSerializer,
        responses={201: JointRequisitionSerializer, **ERRORS},
    )
    def create(self, request, *args, **kwargs):
        data = RequisitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        force = resolve_force(request.user, values.get("force"))
        product = selectors.product_for_requisition(request.user, values["product"])
        requisition = services.requisition_start(
            user=request.user,
            force=force,
            product=product,
            closes_at=values["closes_at"],
            quantity=values["quantity"],
            delivery_address=values["delivery_address"],
            cost_centre=values["cost_centre"],
            needed_by=values.get("needed_by"),
            internal_note=values.get("internal_note", ""),
            note=values.get("note", ""),
            title=values.get("title", ""),
        )
        return self._respond(requisition.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Join with your force's quantity",
        request=ParticipationInputSerializer,
        responses={201: ParticipationSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="participations")
    def participations(self, request, pk=None):
        requisition = self.get_object()
        data = ParticipationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        force = resolve_force(request.user, values.pop("force", None))
        participation = services.participation_join(
            requisition=requisition, user=request.user, force=force, **values
        )
        warning = selectors.approval_warning_for(participation)
        return Response(
            ParticipationSerializer(
                _participations(request.user).get(pk=participation.pk),
                context={
                    **self.get_serializer_context(),
                    "approval_warnings": {participation.pk: warning},
                },
            ).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Close now (the lead force's buyer): fixes the pooled price and the shares",
        request=None,
        responses={200: JointRequisitionSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        requisition = self.get_object()
        services.requisition_close(requisition=requisition, user=request.user)
        return self._respond(requisition.pk)

    @extend_schema(
        summary="Sign off (commercial lead), with reasons: needed when the total reaches the "
        "threshold, and with reasons for a split purchase",
        request=SignOffSerializer,
        responses={200: JointRequisitionSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request, pk=None):
        requisition = self.get_object()
        data = SignOffSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.requisition_sign_off(
            requisition=requisition,
            user=request.user,
            reasons=data.validated_data.get("reasons", ""),
        )
        return self._respond(requisition.pk)

    @extend_schema(
        summary="Award (commercial lead): creates the order and requests its documents",
        request=None,
        responses={201: OrderSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def award(self, request, pk=None):
        requisition = self.get_object()
        order = services.requisition_award(requisition=requisition, user=request.user)
        order = selectors.order_for_response(order.pk)
        return Response(
            OrderSerializer(order, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Cancel before award (the lead force or the ICT company), with a reason",
        request=CancelSerializer,
        responses={200: JointRequisitionSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        requisition = self.get_object()
        data = CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.requisition_cancel(
            requisition=requisition, user=request.user, reason=data.validated_data["reason"]
        )
        return self._respond(requisition.pk)


def _participations(user):
    return selectors.participations_visible_to(user).prefetch_related(
        selectors.approvals_prefetch()
    )


@extend_schema_view(
    list=extend_schema(summary="Participations in requisitions visible to you"),
    retrieve=extend_schema(
        summary="A participation", responses={200: ParticipationSerializer, 404: ERRORS[404]}
    ),
)
class ParticipationViewSet(
    mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet
):
    serializer_class = ParticipationSerializer
    filterset_class = ParticipationFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return _participations(self.request.user).order_by("joint_requisition_id", "force__name")

    def _respond(self, pk: int, warning: str | None = None) -> Response:
        participation = self.get_queryset().get(pk=pk)
        context = {**self.get_serializer_context(), "approval_warnings": {pk: warning}}
        return Response(ParticipationSerializer(participation, context=context).data)

    @extend_schema(
        summary="Change your force's quantity or details while the requisition is open",
        request=ParticipationChangeSerializer,
        responses={200: ParticipationSerializer, **ERRORS},
    )
    def partial_update(self, request, *args, **kwargs):
        participation = self.get_object()
        data = ParticipationChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changed = services.participation_change(
            participation=participation, user=request.user, **data.validated_data
        )
        return self._respond(participation.pk, selectors.approval_warning_for(changed))

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(
        summary="Withdraw your force while the requisition is open",
        responses={204: None, **ERRORS},
    )
    def destroy(self, request, *args, **kwargs):
        participation = self.get_object()
        services.participation_withdraw(participation=participation, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Approve your force's share (finance), with a comment",
        request=CommentSerializer,
        responses={200: ParticipationSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        participation = self.get_object()
        data = CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.participation_approve(
            participation=participation,
            approver=request.user,
            comment=data.validated_data.get("comment", ""),
        )
        return self._respond(participation.pk)

    @extend_schema(
        summary="Release a force no finance approver of it can cover (commercial lead): "
        "it drops out and the others are re-priced",
        request=ReleaseSerializer,
        responses={200: ParticipationSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        participation = self.get_object()
        data = ReleaseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.participation_release(
            participation=participation,
            user=request.user,
            reason=data.validated_data["reason"],
        )
        return self._respond(participation.pk)

    @extend_schema(
        summary="Reject your force's share (finance): your force drops out",
        request=CommentSerializer,
        responses={200: ParticipationSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        participation = self.get_object()
        data = CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.participation_reject(
            participation=participation,
            approver=request.user,
            comment=data.validated_data.get("comment", ""),
        )
        return self._respond(participation.pk)


@extend_schema_view(
    list=extend_schema(summary="Orders visible to you"),
    retrieve=extend_schema(
        summary="An order with its lines", responses={200: OrderSerializer, 404: ERRORS[404]}
    ),
)
class OrderViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OrderSerializer
    filterset_class = OrderFilter

    def get_queryset(self):
        return (
            selectors.orders_visible_to(self.request.user)
            .prefetch_related(selectors.order_lines_by_force_prefetch())
            .order_by("-created_at", "-pk")
        )
