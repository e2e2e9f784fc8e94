from decimal import Decimal

from rest_framework import serializers

from accounts.selectors import forces, organisations
from core.limits import MAX_COMMENT_LENGTH
from standards import policies
from standards import selectors as standards_selectors
from standards.domain.rules import smallest_reaching
from standards.domain.text import render_markdown
from standards.models import (
    Domain,
    Proposal,
    ProposalAction,
    ProposalComment,
    Standard,
    StandardVersion,
    Vote,
    VoteChoice,
)


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class StandardVersionSerializer(serializers.ModelSerializer):
    supersedes = serializers.IntegerField(
        source="supersedes.version", allow_null=True, read_only=True
    )
    body_html = serializers.SerializerMethodField(help_text="The body rendered as safe HTML.")
    conforming_products = serializers.IntegerField(
        read_only=True, help_text="Published products verified as conforming to this version."
    )

    class Meta:
        model = StandardVersion
        fields = [
            "version",
            "status",
            "effective_from",
            "supersedes",
            "transition_ends_at",
            "conforming_products",
            "body",
            "body_html",
        ]

    def get_body_html(self, version) -> str:
        return str(render_markdown(version.body))


class StandardSerializer(serializers.ModelSerializer):
    current_version = serializers.SerializerMethodField()
    versions = StandardVersionSerializer(many=True, read_only=True)

    class Meta:
        model = Standard
        fields = [
            "reference",
            "title",
            "domain",
            "abolished_at",
            "current_version",
            "versions",
        ]

    def get_current_version(self, standard) -> int | None:
        adopted = [v.version for v in standard.versions.all() if v.status == "adopted"]
        return adopted[0] if adopted else None


class DecisionRuleSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    quorum = serializers.DecimalField(max_digits=5, decimal_places=4)
    forces_majority = serializers.DecimalField(max_digits=5, decimal_places=4)
    headcount_majority = serializers.DecimalField(max_digits=5, decimal_places=4)


class ProposalSerializer(serializers.ModelSerializer):
    standard = serializers.CharField(source="standard.reference", allow_null=True, read_only=True)
    proposer_name = serializers.CharField(source="proposer.get_full_name", read_only=True)
    proposer_organisation = OrganisationRefSerializer(read_only=True)
    decision_rule = DecisionRuleSerializer(read_only=True, allow_null=True)
    enacted_version = serializers.IntegerField(
        source="enacted_version.version", allow_null=True, read_only=True
    )
    carried = serializers.SerializerMethodField()

    class Meta:
        model = Proposal
        fields = [
            "id",
            "action",
            "status",
            "title",
            "standard",
            "proposed_reference",
            "proposed_title",
            "proposed_domain",
            "text",
            "rationale",
            "proposer_name",
            "proposer_organisation",
            "consultation_opens_at",
            "consultation_closes_at",
            "voting_opens_at",
            "voting_closes_at",
            "decision_rule",
            "closed_at",
            "carried",
            "enacted_at",
            "enacted_version",
            "enactment_error",
            "created_at",
        ]

    def get_carried(self, proposal) -> bool | None:
        """Known only once the vote has been counted (``policies.counts_visible``)."""
        if not policies.counts_visible(proposal):
            return None
        return proposal.result["tally"]["carried"]


class ProposalCreateSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ProposalAction.choices)
    standard = serializers.SlugRelatedField(
        slug_field="reference",
        queryset=standards_selectors.standards(),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": "There is no standard {value}."},
        help_text="For revise and abolish: the reference of the standard.",
    )
    proposed_reference = serializers.CharField(required=False, allow_blank=True, max_length=20)
    proposed_title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    proposed_domain = serializers.ChoiceField(
        choices=Domain.choices, required=False, allow_blank=True
    )
    title = serializers.CharField(max_length=200)
    text = serializers.CharField(
        required=False, allow_blank=True, help_text="The proposed standard text (Markdown)."
    )
    rationale = serializers.CharField()
    organisation = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=organisations(),
        required=False,
        allow_null=True,
        help_text="Where you propose from, if you are a delegate of several forces.",
    )


class ProposalUpdateSerializer(ProposalCreateSerializer):
    """A draft's content: send only what changes."""

    # DRF drops a field set to None in a subclass; the stubs know no such idiom.
    organisation = None  # type: ignore[assignment]

    class Meta:
        fields = [
            "action",
            "standard",
            "proposed_reference",
            "proposed_title",
            "proposed_domain",
            "title",
            "text",
            "rationale",
        ]


class WindowSerializer(serializers.Serializer):
    closes_at = serializers.DateTimeField(help_text="When the window closes: in the future.")


class CloseSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Required when closing before the voting window ends.",
    )


class CommentSerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.get_full_name", read_only=True)
    organisation = OrganisationRefSerializer(read_only=True)

    class Meta:
        model = ProposalComment
        fields = ["id", "author_name", "organisation", "body", "created_at"]


class CommentCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=MAX_COMMENT_LENGTH)
    organisation = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=forces(),
        required=False,
        allow_null=True,
        help_text="The force you comment for, if you are a member of several.",
    )


class VoteSerializer(serializers.ModelSerializer):
    force = OrganisationRefSerializer(read_only=True)
    headcount = serializers.IntegerField(source="force.officer_headcount", read_only=True)

    class Meta:
        model = Vote
        fields = ["force", "choice", "headcount", "cast_at", "updated_at"]


class VoteCastSerializer(serializers.Serializer):
    choice = serializers.ChoiceField(
        choices=VoteChoice.choices,
        error_messages={"invalid_choice": "Choose for, against or abstain, not “{input}”."},
    )
    force = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=forces(),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": "There is no force {value}."},
        help_text="The force you vote for, if you are the delegate of several.",
    )


WHILE_OPEN = "Null while voting is open: the ballot is secret until it closes."


class TallyForcesSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    voted = serializers.IntegerField()
    not_voted = serializers.IntegerField()
    for_ = serializers.IntegerField(allow_null=True, help_text=WHILE_OPEN)
    against = serializers.IntegerField(allow_null=True, help_text=WHILE_OPEN)
    abstaining = serializers.IntegerField(allow_null=True, help_text=WHILE_OPEN)

    def get_fields(self):
        fields = super().get_fields()
        fields["for"] = fields.pop("for_")
        return fields


class TallyHeadcountSerializer(serializers.Serializer):
    voted = serializers.IntegerField()
    for_ = serializers.IntegerField(allow_null=True, help_text=WHILE_OPEN)
    against = serializers.IntegerField(allow_null=True, help_text=WHILE_OPEN)
    abstaining = serializers.IntegerField(allow_null=True, help_text=WHILE_OPEN)

    def get_fields(self):
        fields = super().get_fields()
        fields["for"] = fields.pop("for_")
        return fields


class TallyNeededSerializer(serializers.Serializer):
    forces_voting_for_quorum = serializers.IntegerField()
    forces_for = serializers.IntegerField(help_text="Given the forces that have voted so far.")
    headcount_for = serializers.IntegerField(help_text="Given the forces that have voted so far.")


class TallyFiguresSerializer(serializers.Serializer):
    forces = TallyForcesSerializer()
    headcount = TallyHeadcountSerializer()
    needed = TallyNeededSerializer()
    quorum_met = serializers.BooleanField()
    forces_majority_met = serializers.BooleanField(allow_null=True, help_text=WHILE_OPEN)
    headcount_majority_met = serializers.BooleanField(allow_null=True, help_text=WHILE_OPEN)
    carried = serializers.BooleanField(allow_null=True, help_text=WHILE_OPEN)


class TallySerializer(serializers.Serializer):
    proposal = serializers.IntegerField()
    status = serializers.CharField()
    final = serializers.BooleanField(help_text="True once the vote has closed.")
    voting_open = serializers.BooleanField()
    counts_visible = serializers.BooleanField(
        help_text="False while voting is open: only turnout is given until the vote closes."
    )
    voting_closes_at = serializers.DateTimeField(allow_null=True)
    as_at = serializers.DateTimeField()
    rule = DecisionRuleSerializer(allow_null=True)
    tally = TallyFiguresSerializer(allow_null=True, help_text="Null before voting opens.")


def tally_json(proposal, view, now) -> dict:
    """The tally as the API gives it: while the ballot is secret (``view.tally`` is None,
    per ``standards.policies``) turnout only, every other count null."""
    if view is None:
        return {
            "proposal": proposal.pk,
            "status": proposal.status,
            "final": False,
            "voting_open": False,
            "counts_visible": False,
            "voting_closes_at": proposal.voting_closes_at,
            "as_at": now,
            "rule": None,
            "tally": None,
        }
    turnout, t = view.turnout, view.tally

    def count(name: str):
        return getattr(t, name) if t is not None else None

    return {
        "proposal": proposal.pk,
        "status": proposal.status,
        "final": view.final,
        "voting_open": view.voting_open,
        "counts_visible": view.counts_visible,
        "voting_closes_at": proposal.voting_closes_at,
        "as_at": view.as_at,
        "rule": view.rule,
        "tally": {
            "forces": {
                "total": turnout.total_forces,
                "voted": turnout.forces_voted,
                "not_voted": turnout.forces_not_voted,
                "for": count("forces_for"),
                "against": count("forces_against"),
                "abstaining": count("forces_abstaining"),
            },
            "headcount": {
                "voted": turnout.headcount_voted,
                "for": count("headcount_for"),
                "against": count("headcount_against"),
                "abstaining": count("headcount_abstaining"),
            },
            "needed": {
                "forces_voting_for_quorum": turnout.quorum_needed,
                "forces_for": smallest_reaching(
                    turnout.forces_voted, Decimal(view.rule["forces_majority"])
                ),
                "headcount_for": smallest_reaching(
                    turnout.headcount_voted, Decimal(view.rule["headcount_majority"])
                ),
            },
            "quorum_met": turnout.quorum_met,
            "forces_majority_met": count("forces_majority_met"),
            "headcount_majority_met": count("headcount_majority_met"),
            "carried": count("carried"),
        },
    }


class ImpactVersionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    status = serializers.CharField()
    # DRF's metaclass takes declared fields off the class; the stubs see Field.label.
    label = serializers.CharField()  # type: ignore[assignment]


class ImpactQuantitySerializer(serializers.Serializer):
    force = OrganisationRefSerializer()
    quantity = serializers.IntegerField()


class ImpactProductSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    sku = serializers.CharField()
    supplier = OrganisationRefSerializer()
    versions = serializers.ListField(child=serializers.IntegerField())
    quantities = ImpactQuantitySerializer(many=True)
    total_quantity = serializers.IntegerField(allow_null=True)


class ImpactSupplierSerializer(serializers.Serializer):
    supplier = OrganisationRefSerializer()
    products = serializers.IntegerField()
    total_quantity = serializers.IntegerField(allow_null=True)


class ImpactForceSerializer(serializers.Serializer):
    force = OrganisationRefSerializer()
    quantity = serializers.IntegerField()
    products = serializers.IntegerField()


class ImpactTotalsSerializer(serializers.Serializer):
    products = serializers.IntegerField()
    suppliers = serializers.IntegerField()
    forces = serializers.IntegerField(allow_null=True)
    quantity = serializers.IntegerField(allow_null=True)


class ImpactSerializer(serializers.Serializer):
    applies = serializers.BooleanField(help_text="False for a proposal to establish a standard.")
    final = serializers.BooleanField(help_text="True once recorded at the close of the vote.")
    as_at = serializers.DateTimeField()
    quantities_visible = serializers.BooleanField(
        help_text="Purchase quantities are shown to forces and the ICT company only."
    )
    versions = ImpactVersionSerializer(many=True)
    products = ImpactProductSerializer(many=True)
    suppliers = ImpactSupplierSerializer(many=True)
    forces = ImpactForceSerializer(many=True)
    totals = ImpactTotalsSerializer()
