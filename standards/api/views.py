from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.permissions import (
    can_propose_standards_change,
    commenting_forces,
    delegate_forces,
)
from core.errors import NotPermitted
from standards import selectors, services
from standards.api import serializers as s
from standards.models import Domain, Proposal, ProposalAction, ProposalStatus

ERRORS = {
    400: OpenApiResponse(description="Invalid input: {detail, errors}."),
    403: OpenApiResponse(description="Not permitted for this user."),
    404: OpenApiResponse(description="No such proposal, or not visible to this user."),
    409: OpenApiResponse(description="The proposal's state does not allow this now."),
}


class StandardFilter(filters.FilterSet):
    domain = filters.ChoiceFilter(choices=Domain.choices)
    abolished = filters.BooleanFilter(field_name="abolished_at", lookup_expr="isnull", exclude=True)


@extend_schema_view(
    list=extend_schema(summary="The register of standards, each with every version."),
    retrieve=extend_schema(summary="One standard and its history, by reference."),
)
class StandardViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.StandardSerializer
    lookup_field = "reference"
    lookup_value_regex = r"NC-[A-Za-z]{2,5}-\d{3}"
    filterset_class = StandardFilter

    def get_queryset(self):
        return selectors.standard_register(self.request.user).order_by("reference")


class ProposalFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ProposalStatus.choices)
    action = filters.ChoiceFilter(choices=ProposalAction.choices)
    standard = filters.CharFilter(field_name="standard__reference", help_text="A reference.")


@extend_schema_view(
    list=extend_schema(summary="Proposals: drafts are seen by their proposers and the secretary."),
    retrieve=extend_schema(
        summary="One proposal.", responses={200: s.ProposalSerializer, 404: ERRORS[404]}
    ),
)
class ProposalViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    serializer_class = s.ProposalSerializer
    filterset_class = ProposalFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            selectors.proposals_visible_to(self.request.user)
            .select_related("enacted_version")
            .order_by("-created_at", "-pk")
        )

    def _respond(self, proposal: Proposal, code=status.HTTP_200_OK) -> Response:
        proposal = self.get_queryset().get(pk=proposal.pk)
        return Response(s.ProposalSerializer(proposal).data, status=code)

    @extend_schema(
        summary="Draft a proposal (a force's delegate or the standards secretary).",
        request=s.ProposalCreateSerializer,
        responses={201: s.ProposalSerializer, **ERRORS},
    )
    def create(self, request, *args, **kwargs):
        if not can_propose_standards_change(request.user):
            raise NotPermitted(
                "Only a force's delegate or the standards secretary may propose a change."
            )
        data = s.ProposalCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = services.proposal_create(proposer=request.user, **data.validated_data)
        return self._respond(proposal, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit a draft (its proposer or the standards secretary).",
        request=s.ProposalUpdateSerializer,
        responses={200: s.ProposalSerializer, **ERRORS},
    )
    def partial_update(self, request, *args, **kwargs):
        proposal = self.get_object()
        data = s.ProposalUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.proposal_update(proposal=proposal, actor=request.user, **data.validated_data)
        return self._respond(proposal)

    @extend_schema(
        summary="Open a draft for consultation (standards secretary).",
        request=s.WindowSerializer,
        responses={200: s.ProposalSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="open-consultation")
    def open_consultation(self, request, pk=None):
        proposal = self.get_object()
        data = s.WindowSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.proposal_open_consultation(
            proposal=proposal, actor=request.user, closes_at=data.validated_data["closes_at"]
        )
        return self._respond(proposal)

    @extend_schema(
        summary="Open voting after consultation (standards secretary).",
        request=s.WindowSerializer,
        responses={200: s.ProposalSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="open-voting")
    def open_voting(self, request, pk=None):
        proposal = self.get_object()
        data = s.WindowSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.proposal_open_voting(
            proposal=proposal, actor=request.user, closes_at=data.validated_data["closes_at"]
        )
        return self._respond(proposal)

    @extend_schema(
        summary="Close the vote and count it; a carried proposal is enacted (secretary).",
        request=s.CloseSerializer,
        responses={200: s.ProposalSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        proposal = self.get_object()
        data = s.CloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.proposal_close(
            proposal=proposal, actor=request.user, reason=data.validated_data.get("reason", "")
        )
        return self._respond(proposal)

    @extend_schema(
        summary="Enact a carried proposal whose automatic enactment failed (secretary).",
        request=None,
        responses={200: s.ProposalSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def enact(self, request, pk=None):
        proposal = self.get_object()
        services.proposal_enact(proposal=proposal, actor=request.user)
        return self._respond(proposal)

    @extend_schema(
        methods=["GET"],
        summary="The comments made during consultation.",
        request=None,
        responses={200: s.CommentSerializer(many=True), 404: ERRORS[404]},
    )
    @extend_schema(
        methods=["POST"],
        summary="Comment during consultation (any member of a force).",
        request=s.CommentCreateSerializer,
        responses={201: s.CommentSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def comments(self, request, pk=None):
        proposal = self.get_object()
        if request.method == "GET":
            comments = selectors.proposal_comments(proposal)
            return Response(s.CommentSerializer(comments, many=True).data)
        if not commenting_forces(request.user):
            raise NotPermitted("Only members of a police force may comment on proposals.")
        data = s.CommentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.proposal_comment(
            proposal=proposal,
            author=request.user,
            body=data.validated_data["body"],
            organisation=data.validated_data.get("organisation"),
        )
        return Response(s.CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        summary="Votes: each force's own until the vote closes, then all of them.",
        request=None,
        responses={200: s.VoteSerializer(many=True), 404: ERRORS[404]},
    )
    @extend_schema(
        methods=["POST"],
        summary="Cast or change your force's vote while voting is open (its delegate).",
        request=s.VoteCastSerializer,
        responses={201: s.VoteSerializer, 200: s.VoteSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def votes(self, request, pk=None):
        proposal = self.get_object()
        if request.method == "GET":
            votes = selectors.votes_visible_to(request.user, proposal)
            return Response(s.VoteSerializer(votes, many=True).data)
        if not delegate_forces(request.user):
            raise NotPermitted("Only a force's delegate may vote.")
        data = s.VoteCastSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = services.vote_record(
            proposal=proposal,
            delegate=request.user,
            choice=data.validated_data["choice"],
            force=data.validated_data.get("force"),
        )
        code = status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK
        vote = outcome.vote
        return Response(s.VoteSerializer(vote).data, status=code)

    @extend_schema(
        summary="The tally: live while voting is open, final once closed.",
        responses={200: s.TallySerializer, 404: ERRORS[404]},
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def tally(self, request, pk=None):
        proposal = self.get_object()
        now = timezone.now()
        view = selectors.proposal_tally(proposal, now)
        return Response(s.TallySerializer(s.tally_json(proposal, view, now)).data)

    @extend_schema(
        summary="What a revision or abolition would touch: products, suppliers, purchases.",
        responses={200: s.ImpactSerializer, 404: ERRORS[404]},
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def impact(self, request, pk=None):
        proposal = self.get_object()
        impact = selectors.proposal_impact(proposal=proposal, user=request.user)
        return Response(s.ImpactSerializer(impact).data)
