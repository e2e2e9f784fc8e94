"""Demo proposals at every stage, walked through the services so that every step is audited."""

import datetime
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation, OrganisationKind, User
from standards import services
from standards.models import Domain, Proposal, ProposalAction, Standard

DAY = datetime.timedelta(days=1)

BIG_FORCES = [
    "metropolitan",
    "greater-manchester",
    "west-midlands",
    "west-yorkshire",
    "thames-valley",
    "kent",
    "merseyside",
    "essex",
    "northumbria",
]


def _delegate(slug: str):
    return User.objects.get(email=f"delegate@{slug}.police.example")


def _secretary():
    return User.objects.get(email="secretary@ictco.example")


def _force_slugs() -> list[str]:
    return list(
        Organisation.objects.filter(kind=OrganisationKind.FORCE)
        .order_by("name")
        .values_list("slug", flat=True)
    )


def _walk(
    proposal,
    *,
    consultation: tuple[datetime.datetime, datetime.datetime],
    voting: tuple[datetime.datetime, datetime.datetime] | None = None,
    comments: Sequence[tuple[str, str]] = (),
    votes: dict[str, str] | None = None,
):
    """Take a draft through consultation (with comments) and, if given, voting."""

    secretary = _secretary()
    opens, closes = consultation
    services.proposal_open_consultation(
        proposal=proposal, actor=secretary, closes_at=closes, now=opens
    )
    for index, (slug, body) in enumerate(comments):
        author = User.objects.get(email=f"buyer@{slug}.police.example")
        services.proposal_comment(
            proposal=proposal, author=author, body=body, now=opens + (index + 1) * DAY
        )
    if voting is None:
        return proposal
    opens, closes = voting
    services.proposal_open_voting(proposal=proposal, actor=secretary, closes_at=closes, now=opens)
    for index, (slug, choice) in enumerate((votes or {}).items()):
        services.vote_cast(
            proposal=proposal,
            delegate=_delegate(slug),
            choice=choice,
            now=opens + datetime.timedelta(hours=2 + index),
        )
    return proposal


def _spread(slugs: list[str], *, exclude: list[str], counts: dict[str, int]) -> dict[str, str]:
    """Deterministic votes from the forces not named in ``exclude``: ``counts`` of each."""
    pool = [slug for slug in slugs if slug not in exclude]
    votes: dict[str, str] = {}
    for choice, count in counts.items():
        for slug in pool[:count]:
            votes[slug] = choice
        pool = pool[count:]
    return votes


SEC_001_V2 = (
    "## Requirement\n\n"
    "Every laptop, tablet, phone and body-worn camera that stores police information "
    "**must** encrypt it at rest with AES-256 (or stronger), with keys held in hardware.\n\n"
    "Every such device **must** also support remote wipe from the force's device "
    "management service within 15 minutes of a report that it is lost or stolen.\n\n"
    "## Evidence\n\n"
    "A current certificate of assurance for the device's encryption and remote wipe, or an "
    "independent test report covering both."
)
IDM_001_V2 = (
    "## Requirement\n\n"
    "Software used by more than one force **must** accept sign-in through the national "
    "police identity federation using OpenID Connect, and **must not** keep its own "
    "passwords for police users.\n\n"
    "Sign-in **must** use phishing-resistant multi-factor authentication (FIDO2 security "
    "keys or platform authenticators) for every user with access to operational data."
)
BWV_001 = (
    "## Requirement\n\n"
    "Body-worn video cameras and their management software **must** record, with every "
    "clip, the officer's collar number, the device serial, a UTC timestamp from a "
    "synchronised clock and the GPS position at the start and end of recording.\n\n"
    "Metadata **must** be exported with the clip in the common evidence metadata schema "
    "(JSON), so that footage can pass to another force or the CPS without re-keying."
)


@transaction.atomic
def seed_proposals(stdout=None) -> None:
    """Proposals at every stage: an enacted revision of NC-SEC-001 (its products inside
    their transition period), a rejected abolition, a vote under way and a consultation."""

    now = timezone.now()
    slugs = _force_slugs()
    secretary = _secretary()
    made: list[str] = []

    def seeded(title: str) -> bool:
        return Proposal.objects.filter(title=title).exists()

    title = "Add remote wipe to NC-SEC-001 (encryption of data at rest)"
    if not seeded(title):
        proposal = services.proposal_create(
            proposer=_delegate("kent"),
            now=now - 85 * DAY,
            action=ProposalAction.REVISE,
            standard=Standard.objects.get(reference="NC-SEC-001"),
            title=title,
            text=SEC_001_V2,
            rationale=(
                "Forces lost over 2,000 devices last year. Encryption protects the data on a "
                "lost device only while its keys are safe; remote wipe closes the gap."
            ),
        )
        voting_closes = now - 46 * DAY
        _walk(
            proposal,
            consultation=(now - 80 * DAY, now - 62 * DAY),
            voting=(now - 60 * DAY, voting_closes),
            comments=[
                ("devon-and-cornwall", "Our tablets already support wipe; 15 minutes is fine."),
                ("cumbria", "Rural areas lose signal: please say the wipe runs on reconnect."),
            ],
            votes={
                "metropolitan": "for",
                "greater-manchester": "for",
                "west-midlands": "for",
                "west-yorkshire": "against",
                **_spread(slugs, exclude=BIG_FORCES, counts={"for": 22, "against": 2}),
                "thames-valley": "abstain",
                "kent": "for",
            },
        )
        services.proposals_close_due(now=voting_closes + datetime.timedelta(minutes=1))
        proposal.refresh_from_db()
        # The products verified against version 1, as the impact recorded at the close.
        before = len((proposal.impact_snapshot or {}).get("products", []))
        affected = (
            f"{before} product conformance{'s' if before != 1 else ''} now inside the "
            "transition period"
            if before
            else "no products were affected (the catalogue has none verified against it)"
        )
        made.append(f"NC-SEC-001 revised to version 2 ({proposal.status}); {affected}")

    title = "Abolish NC-COM-001 (secure mobile messaging)"
    if not seeded(title):
        proposal = services.proposal_create(
            proposer=_delegate("lincolnshire"),
            now=now - 58 * DAY,
            action=ProposalAction.ABOLISH,
            standard=Standard.objects.get(reference="NC-COM-001"),
            title=title,
            rationale=(
                "The national messaging service now meets this need for every force; a "
                "separate standard duplicates its assurance."
            ),
        )
        voting_closes = now - 25 * DAY
        _walk(
            proposal,
            consultation=(now - 55 * DAY, now - 41 * DAY),
            voting=(now - 40 * DAY, voting_closes),
            comments=[("merseyside", "Our firearms teams rely on the standard's retention rule.")],
            votes={
                **dict.fromkeys(BIG_FORCES, "against"),
                **_spread(slugs, exclude=BIG_FORCES, counts={"for": 16, "abstain": 2}),
            },
        )
        services.proposals_close_due(now=voting_closes + datetime.timedelta(minutes=1))
        proposal.refresh_from_db()
        made.append(f"abolition of NC-COM-001 {proposal.status} (enough forces, too few officers)")

    title = "Phishing-resistant sign-in for NC-IDM-001"
    if not seeded(title):
        proposal = services.proposal_create(
            proposer=secretary,
            now=now - 27 * DAY,
            action=ProposalAction.REVISE,
            standard=Standard.objects.get(reference="NC-IDM-001"),
            title=title,
            text=IDM_001_V2,
            rationale=(
                "Credential phishing is the commonest way into police systems. One-time codes "
                "can be phished; FIDO2 keys cannot."
            ),
        )
        _walk(
            proposal,
            consultation=(now - 24 * DAY, now - 4 * DAY),
            voting=(now - 3 * DAY, now + 11 * DAY),
            comments=[
                ("north-wales", "We would need a year to issue keys to every officer."),
                ("surrey", "Support: our pilot halved account takeovers."),
            ],
            votes={
                "metropolitan": "for",
                "greater-manchester": "against",
                **_spread(
                    slugs,
                    exclude=BIG_FORCES,
                    counts={"for": 14, "against": 3, "abstain": 3},
                ),
            },
        )
        made.append("a revision of NC-IDM-001 in voting (22 forces have voted)")

    title = "Establish NC-BWV-001: body-worn video evidence metadata"
    if not seeded(title):
        proposal = services.proposal_create(
            proposer=_delegate("west-yorkshire"),
            now=now - 7 * DAY,
            action=ProposalAction.ESTABLISH,
            proposed_reference="NC-BWV-001",
            proposed_title="Body-worn video evidence metadata",
            proposed_domain=Domain.DIGITAL_EVIDENCE,
            title=title,
            text=BWV_001,
            rationale=(
                "Footage moves between forces and to the CPS every day, and its metadata is "
                "re-keyed by hand. A common schema ends that."
            ),
        )
        _walk(
            proposal,
            consultation=(now - 5 * DAY, now + 16 * DAY),
            comments=[
                ("avon-and-somerset", "Please include the camera's firmware version."),
                ("btp", "GPS is unreliable underground: allow 'position unknown'."),
                ("suffolk", "Support."),
            ],
        )
        made.append("a proposal to establish NC-BWV-001 in consultation, with comments")

    title = "Require encrypted management traffic in NC-NET-001"
    if not seeded(title):
        services.proposal_create(
            proposer=_delegate("avon-and-somerset"),
            now=now - 2 * DAY,
            action=ProposalAction.REVISE,
            standard=Standard.objects.get(reference="NC-NET-001"),
            title=title,
            text=(
                "## Requirement\n\nNetwork equipment **must** support separating operational, "
                "administrative and guest traffic into isolated segments, managed centrally "
                "over encrypted channels only, with logging to the force's security "
                "monitoring."
            ),
            rationale="Telnet and SNMP v1 are still in use for management on some networks.",
        )
        made.append("a draft revision of NC-NET-001 (seen by Avon and Somerset)")

    if stdout is not None:
        stdout.write("proposals: " + ("; ".join(made) if made else "nothing new (already seeded)"))
