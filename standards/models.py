"""The network code: standards and their versions, proposals to change them, the forces'
votes and the decision rule that counts them."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.text import SingleLineValidator


class Domain(models.TextChoices):
    DATA_EXCHANGE = "data_exchange", "Data exchange"
    IDENTITY = "identity", "Identity and access"
    DEVICE_SECURITY = "device_security", "Device security"
    NETWORKS = "networks", "Networks"
    DIGITAL_EVIDENCE = "digital_evidence", "Digital evidence"
    COMMUNICATIONS = "communications", "Communications"


def standard_in_force(via: str = "") -> Q:
    """The condition that a standard is in force (not abolished), for a query that reaches
    the standard through ``via`` (e.g. ``"standard__"``)."""
    return Q(**{f"{via}abolished_at__isnull": True})


class StandardQuerySet(models.QuerySet["Standard"]):
    def in_force(self) -> "StandardQuerySet":
        """Standards not abolished: the ones products can be asked to conform to."""
        return self.filter(standard_in_force())


class Standard(models.Model):
    """A common operating standard, e.g. NC-SEC-001. Its versions carry the text."""

    reference = models.CharField(
        max_length=20,
        unique=True,
        validators=[
            RegexValidator(
                r"^NC-[A-Z]{2,5}-\d{3}$", "Use the form NC-XXX-000, for example NC-SEC-001."
            )
        ],
    )
    title = models.CharField(max_length=200, validators=[SingleLineValidator("title")])
    domain = models.CharField(max_length=30, choices=Domain.choices)
    abolished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StandardQuerySet.as_manager()

    class Meta:
        ordering = ["reference"]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_abolished(self) -> bool:
        return self.abolished_at is not None


class VersionStatus(models.TextChoices):
    ADOPTED = "adopted", "Adopted"
    SUPERSEDED = "superseded", "Superseded"
    ABOLISHED = "abolished", "Abolished"


class StandardVersion(models.Model):
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    body = models.TextField(help_text="Markdown; rendered safely.")
    status = models.CharField(
        max_length=20, choices=VersionStatus.choices, default=VersionStatus.ADOPTED
    )
    effective_from = models.DateField()
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    transition_ends_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="For a superseded version: when conformance to it lapses.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["standard", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "version"], name="standard_version_unique"),
            models.UniqueConstraint(
                fields=["standard"],
                condition=Q(status="adopted"),
                name="standard_one_adopted_version",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="standard_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.standard.reference} v{self.version}"


def _fraction_field(default: str, help_text: str):
    return models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=Decimal(default),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=help_text,
    )


class DecisionRule(models.Model):
    """A version of the voting rule. The rule in force when a vote opens is recorded on
    the proposal and used to decide it, whatever changes later."""

    version = models.PositiveIntegerField(unique=True)
    quorum = _fraction_field("0.5000", "Share of all forces that must cast a vote.")
    forces_majority = _fraction_field(
        "0.5500", "Share of the forces that voted that must vote for (abstentions count)."
    )
    headcount_majority = _fraction_field(
        "0.6500", "Share of the voting forces' officer headcount that the forces for must hold."
    )
    effective_from = models.DateTimeField()
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quorum__gte=0, quorum__lte=1)
                & Q(forces_majority__gte=0, forces_majority__lte=1)
                & Q(headcount_majority__gte=0, headcount_majority__lte=1),
                name="decision_rule_fractions_between_0_and_1",
            ),
        ]

    def __str__(self) -> str:
        return f"Decision rule v{self.version}"


class ProposalAction(models.TextChoices):
    ESTABLISH = "establish", "Establish a new standard"
    REVISE = "revise", "Revise a standard"
    ABOLISH = "abolish", "Abolish a standard"


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    CONSULTATION = "consultation", "In consultation"
    VOTING = "voting", "Voting"
    CARRIED = "carried", "Carried"
    REJECTED = "rejected", "Rejected"
    ENACTED = "enacted", "Enacted"


# A proposal under way: past its draft, not yet decided against or enacted.
LIVE_STATUSES = [ProposalStatus.CONSULTATION, ProposalStatus.VOTING, ProposalStatus.CARRIED]


class Proposal(models.Model):
    action = models.CharField(max_length=20, choices=ProposalAction.choices)
    status = models.CharField(
        max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT
    )
    standard = models.ForeignKey(
        Standard,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
        help_text="The standard to revise or abolish; for establish, set on enactment.",
    )
    # For establish: the new standard's reference, title and domain.
    proposed_reference = models.CharField(max_length=20, blank=True)
    proposed_title = models.CharField(
        max_length=200, blank=True, validators=[SingleLineValidator("proposed title")]
    )
    proposed_domain = models.CharField(max_length=30, choices=Domain.choices, blank=True)
    title = models.CharField(max_length=200, validators=[SingleLineValidator("title")])
    text = models.TextField(blank=True, help_text="The proposed standard text (Markdown).")
    rationale = models.TextField()
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals"
    )
    proposer_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="proposals"
    )
    consultation_opens_at = models.DateTimeField(null=True, blank=True)
    consultation_closes_at = models.DateTimeField(null=True, blank=True)
    voting_opens_at = models.DateTimeField(null=True, blank=True)
    voting_closes_at = models.DateTimeField(null=True, blank=True)
    decision_rule = models.ForeignKey(
        DecisionRule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
        help_text="The rule in force when voting opened.",
    )
    # The result, recorded when the vote closes.
    closed_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    enacted_at = models.DateTimeField(null=True, blank=True)
    enacted_version = models.ForeignKey(
        StandardVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    impact_snapshot = models.JSONField(
        null=True, blank=True, help_text="The impact as it stood when voting closed."
    )
    enactment_error = models.TextField(
        blank=True, help_text="Why a carried proposal could not be enacted, if it could not."
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action="establish") | Q(standard__isnull=False),
                name="proposal_revise_or_abolish_names_a_standard",
            ),
            models.CheckConstraint(
                condition=~Q(action="establish") | ~Q(proposed_reference=""),
                name="proposal_establish_names_a_reference",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ProposalStatus.values), name="proposal_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(action__in=ProposalAction.values), name="proposal_action_valid"
            ),
            models.CheckConstraint(
                condition=Q(consultation_opens_at__isnull=True)
                | Q(consultation_closes_at__isnull=True)
                | Q(consultation_closes_at__gt=models.F("consultation_opens_at")),
                name="proposal_consultation_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(voting_opens_at__isnull=True)
                | Q(voting_closes_at__isnull=True)
                | Q(voting_closes_at__gt=models.F("voting_opens_at")),
                name="proposal_voting_window_ordered",
            ),
            # One change to a standard at a time, from consultation until enactment, so that
            # two carried proposals can never contradict each other.
            models.UniqueConstraint(
                fields=["standard"],
                condition=Q(status__in=LIVE_STATUSES),
                name="proposal_one_live_per_standard",
                violation_error_message="This standard already has a proposal under way.",
            ),
            models.UniqueConstraint(
                fields=["proposed_reference"],
                condition=Q(action="establish", status__in=LIVE_STATUSES),
                name="proposal_one_live_establish_per_reference",
                violation_error_message="A proposal to establish this reference is under way.",
            ),
        ]
        indexes = [models.Index(fields=["status", "voting_closes_at"], name="proposal_closing_idx")]

    def __str__(self) -> str:
        return self.title


class ProposalComment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.proposal}"


class VoteChoice(models.TextChoices):
    FOR = "for", "For"
    AGAINST = "against", "Against"
    ABSTAIN = "abstain", "Abstain"


class Vote(models.Model):
    """A force's one vote on a proposal, cast by its delegate; changeable until voting closes."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="votes")
    force = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="votes"
    )
    choice = models.CharField(max_length=10, choices=VoteChoice.choices)
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    cast_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["proposal", "force__name"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "force"], name="vote_one_per_force"),
            models.CheckConstraint(
                condition=Q(choice__in=VoteChoice.values), name="vote_choice_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.force} votes {self.choice} on {self.proposal}"
