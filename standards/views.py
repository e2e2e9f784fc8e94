"""Pages of the network code. Thin: parse a form, call a service or selector, render."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import (
    can_propose_standards_change,
    commenting_forces,
    delegate_forces,
    is_standards_secretary,
    proposer_organisations,
)
from core.errors import DomainError, NotFound, NotPermitted
from core.invariants import present
from standards import selectors, services
from standards.domain.text import diff_texts, render_markdown
from standards.forms import BallotForm, CloseForm, CommentForm, ProposalForm, WindowForm
from standards.models import (
    Domain,
    ProposalAction,
    ProposalStatus,
    VersionStatus,
)
from standards.presentation import charts
from standards.states import PROPOSAL

# The proposal list's groups, in the order a reader cares about them.
LIST_GROUPS = [
    ("voting", "Open for voting", [ProposalStatus.VOTING]),
    ("consultation", "In consultation", [ProposalStatus.CONSULTATION]),
    ("draft", "Drafts", [ProposalStatus.DRAFT]),
    (
        "decided",
        "Decided",
        [ProposalStatus.CARRIED, ProposalStatus.REJECTED, ProposalStatus.ENACTED],
    ),
]

TRANSITION_STEPS: dict[str, dict[str, Any]] = {
    "open-consultation": {
        "title": "Open consultation",
        "button": "Open consultation",
        "to": ProposalStatus.CONSULTATION,
        "form": WindowForm,
        "legend": "When does consultation close?",
    },
    "open-voting": {
        "title": "Open voting",
        "button": "Open voting",
        "to": ProposalStatus.VOTING,
        "form": WindowForm,
        "legend": "When does voting close?",
    },
    "close": {
        "title": "Close the vote",
        "button": "Close the vote and count it",
        "to": ProposalStatus.CARRIED,  # or rejected: the count decides
        "form": CloseForm,
    },
    "enact": {
        "title": "Enact the proposal",
        "button": "Enact it now",
        "to": ProposalStatus.ENACTED,
        "form": None,
    },
}


def _visible_proposal(request, pk: int):
    return get_object_or_404(selectors.proposals_visible_to(request.user), pk=pk)


# The register.


@login_required
def standard_list(request):
    domain = request.GET.get("domain", "")
    standards = selectors.standard_register(request.user).order_by("reference")
    if domain in Domain.values:
        standards = standards.filter(domain=domain)
    rows = []
    for standard in standards:
        versions = list(standard.versions.all())
        current = next((v for v in versions if v.status == VersionStatus.ADOPTED), None)
        rows.append({"standard": standard, "current": current, "versions": versions})
    under_way = (
        selectors.proposals_visible_to(request.user)
        .filter(status__in=[ProposalStatus.CONSULTATION, ProposalStatus.VOTING])
        .order_by("voting_closes_at", "consultation_closes_at")
    )
    return render(
        request,
        "standards/standard_list.html",
        {
            "rows": rows,
            "domains": Domain.choices,
            "domain": domain if domain in Domain.values else "",
            "under_way": under_way,
            "can_propose": can_propose_standards_change(request.user),
        },
    )


@login_required
def standard_detail(request, reference: str):
    standard = selectors.standard_history(request.user, reference)
    if standard is None:
        raise NotFound("No such standard.")
    versions: list[dict[str, Any]] = []
    for version in standard.versions.all():
        conformances = list(version.conformances.all())
        versions.append(
            {
                "version": version,
                "body": render_markdown(version.body),
                "verified": [c for c in conformances if c.status == "verified"],
                "lapsed": [c for c in conformances if c.status == "lapsed"],
            }
        )
    return render(
        request,
        "standards/standard_detail.html",
        {
            "standard": standard,
            "versions": versions,
            "current": next((v for v in versions if v["version"].status == "adopted"), None),
            # Prefetched by selectors.standard_history (to_attr), which the stubs cannot see.
            "proposals": standard.public_proposals,  # type: ignore[attr-defined]
            "can_propose": can_propose_standards_change(request.user),
        },
    )


# Proposals.


@login_required
def proposal_list(request):
    proposals = list(selectors.proposals_visible_to(request.user).order_by("-created_at"))
    groups = []
    for key, title, statuses in LIST_GROUPS:
        members = [p for p in proposals if p.status in statuses]
        if key == "voting":
            members.sort(key=lambda p: present(p.voting_closes_at, "the close of voting"))
        groups.append({"key": key, "title": title, "proposals": members})
    return render(
        request,
        "standards/proposal_list.html",
        {
            "groups": groups,
            "can_propose": can_propose_standards_change(request.user),
            "is_secretary": is_standards_secretary(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_create(request):
    organisations = proposer_organisations(request.user)
    if not organisations:
        raise NotPermitted(
            "Only a force's delegate or the standards secretary may propose a change."
        )
    initial = {}
    if request.GET.get("standard"):
        initial["standard"] = request.GET["standard"]
        initial["action"] = request.GET.get("action", ProposalAction.REVISE)
    form = ProposalForm(request.POST or None, organisations=organisations, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.proposal_create(proposer=request.user, **form.service_arguments())
        except DomainError as error:
            form.add_domain_error(error)
            status = error.status_code
        else:
            messages.success(request, "Your proposal has been saved as a draft.")
            return redirect("standards:proposal_detail", pk=proposal.pk)
    elif request.method == "POST":
        status = 400
    return render(request, "standards/proposal_form.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def proposal_edit(request, pk: int):
    proposal = _visible_proposal(request, pk)
    if not can_edit(request.user, proposal):
        raise NotPermitted("Only the proposer or the standards secretary may edit a draft.")
    if proposal.status != ProposalStatus.DRAFT:
        messages.error(request, "Only a draft can be edited.")
        return redirect("standards:proposal_detail", pk=proposal.pk)
    initial = {name: getattr(proposal, name) for name in services.EDITABLE_FIELDS}
    initial["standard"] = proposal.standard.reference if proposal.standard else None
    form = ProposalForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        changes = form.service_arguments()
        changes.pop("organisation", None)
        try:
            services.proposal_update(proposal=proposal, actor=request.user, **changes)
        except DomainError as error:
            form.add_domain_error(error)
            status = error.status_code
        else:
            messages.success(request, "The draft has been saved.")
            return redirect("standards:proposal_detail", pk=proposal.pk)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "standards/proposal_form.html",
        {"form": form, "proposal": proposal},
        status=status,
    )


def can_edit(user, proposal) -> bool:
    return proposal.status == ProposalStatus.DRAFT and (
        proposal.proposer_id == user.pk or is_standards_secretary(user)
    )


def _detail_context(request, proposal, *, ballot_form=None, comment_form=None) -> dict:
    now = timezone.now()
    user = request.user
    current = None
    if proposal.standard_id:
        current = (
            proposal.standard.versions.filter(status=VersionStatus.ADOPTED).first()
            if proposal.status != ProposalStatus.ENACTED
            else (proposal.enacted_version.supersedes if proposal.enacted_version else None)
        )
    diff = None
    if proposal.action == ProposalAction.REVISE and current is not None:
        diff = diff_texts(current.body, proposal.text, context=3)
    tally_view = selectors.proposal_tally(proposal, now)
    chart = charts.tally_chart(tally_view) if tally_view else None
    forces = delegate_forces(user)
    ballots = []
    if selectors.voting_is_open(proposal, now) and forces:
        votes = selectors.votes_by_force(proposal, forces)
        for force in forces:
            vote = votes.get(force.pk)
            form = (
                ballot_form
                if ballot_form is not None and ballot_form.data.get("force") == str(force.pk)
                else BallotForm(
                    initial={"force": force.pk, "choice": vote.choice if vote else None},
                    prefix=None,
                )
            )
            ballots.append({"force": force, "vote": vote, "form": form})
    can_comment = selectors.consultation_is_open(proposal, now) and bool(commenting_forces(user))
    if can_comment and comment_form is None:
        comment_form = CommentForm(forces=commenting_forces(user))
    impact = (
        selectors.proposal_impact(proposal=proposal, user=user)
        if proposal.action != ProposalAction.ESTABLISH
        else None
    )
    return {
        "proposal": proposal,
        "text": render_markdown(proposal.text) if proposal.text else None,
        "rationale": render_markdown(proposal.rationale),
        "current": current,
        "diff": diff,
        "tally": tally_view,
        "chart": chart,
        "figures": _figures(tally_view) if tally_view else None,
        "ballots": ballots,
        "comments": selectors.proposal_comments(proposal),
        "comment_form": comment_form if can_comment else None,
        "impact": impact,
        "votes": selectors.votes_visible_to(user, proposal) if tally_view else [],
        "is_secretary": is_standards_secretary(user),
        "can_edit": can_edit(user, proposal),
        "steps": _available_steps(proposal, user, now),
        "voting_open": selectors.voting_is_open(proposal, now),
        "consultation_open": selectors.consultation_is_open(proposal, now),
    }


def _figures(view) -> list[dict]:
    """The decision rule's three tests; while the ballot is secret, the quorum only."""
    turnout, t, th = view.turnout, view.tally, view.thresholds
    quorum = {
        "label": "Forces that voted, of all forces",
        "value": f"{turnout.forces_voted} of {turnout.total_forces}",
        "share": charts.percent(turnout.forces_voted, turnout.total_forces),
        "needed": f"{charts.fraction_percent(th.quorum)} ({turnout.quorum_needed} forces)",
        "met": turnout.quorum_met,
    }
    if t is None:
        return [quorum]
    return [
        quorum,
        {
            "label": "Forces for, of the forces that voted",
            "value": f"{t.forces_for} of {t.forces_voted}",
            "share": charts.percent(t.forces_for, t.forces_voted),
            "needed": f"{charts.fraction_percent(th.forces_majority)} "
            f"({t.forces_for_needed} forces so far)",
            "met": t.forces_majority_met,
        },
        {
            "label": "Headcount of the forces for, of the forces that voted",
            "value": f"{t.headcount_for:,} of {t.headcount_voted:,}",
            "share": charts.percent(t.headcount_for, t.headcount_voted),
            "needed": f"{charts.fraction_percent(th.headcount_majority)} "
            f"({t.headcount_for_needed:,} officers so far)",
            "met": t.headcount_majority_met,
        },
    ]


def _available_steps(proposal, user, now) -> list[dict]:
    if not is_standards_secretary(user):
        return []
    steps = []
    for slug, step in TRANSITION_STEPS.items():
        if step["to"] not in PROPOSAL.targets(proposal):
            continue
        # The step is offered, or the reason its machine's guards give for not yet.
        blocked = PROPOSAL.refusal(proposal, step["to"], now=now)
        steps.append({"slug": slug, "title": step["title"], "blocked": blocked})
    return steps


@login_required
def proposal_detail(request, pk: int):
    proposal = _visible_proposal(request, pk)
    return render(request, "standards/proposal_detail.html", _detail_context(request, proposal))


@login_required
@require_POST
def proposal_vote(request, pk: int):
    proposal = _visible_proposal(request, pk)
    form = BallotForm(request.POST)
    status = 400
    if form.is_valid():
        force = next(
            (f for f in delegate_forces(request.user) if f.pk == form.cleaned_data["force"]),
            None,
        )
        try:
            if force is None:
                raise NotPermitted("You are not the delegate of that force.")
            vote = services.vote_cast(
                proposal=proposal,
                delegate=request.user,
                choice=form.cleaned_data["choice"],
                force=force,
            )
        except DomainError as error:
            form.add_domain_error(error)
            status = error.status_code
        else:
            messages.success(
                request, f"{force.name} has voted {vote.get_choice_display().lower()}."
            )
            return redirect(reverse("standards:proposal_detail", args=[proposal.pk]) + "#tally")
    context = _detail_context(request, proposal, ballot_form=form)
    context["form_with_errors"] = form
    return render(request, "standards/proposal_detail.html", context, status=status)


@login_required
@require_POST
def proposal_comment(request, pk: int):
    proposal = _visible_proposal(request, pk)
    forces = commenting_forces(request.user)
    form = CommentForm(request.POST, forces=forces)
    status = 400
    if form.is_valid():
        try:
            services.proposal_comment(
                proposal=proposal,
                author=request.user,
                body=form.cleaned_data["body"],
                organisation=form.organisation(),
            )
        except DomainError as error:
            form.add_domain_error(error)
            status = error.status_code
        else:
            messages.success(request, "Your comment has been published.")
            return redirect(reverse("standards:proposal_detail", args=[proposal.pk]) + "#comments")
    context = _detail_context(request, proposal, comment_form=form)
    context["form_with_errors"] = form
    return render(request, "standards/proposal_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def proposal_transition(request, pk: int, step: str):
    if step not in TRANSITION_STEPS:
        raise NotFound("No such step.")
    proposal = _visible_proposal(request, pk)
    if not is_standards_secretary(request.user):
        raise NotPermitted("Only the standards secretary may do this.")
    spec = TRANSITION_STEPS[step]
    if request.method == "GET" and spec["to"] not in PROPOSAL.targets(proposal):
        messages.error(
            request,
            f"This proposal is {proposal.get_status_display().lower()}: "
            f"“{spec['title']}” is not the next step.",
        )
        return redirect("standards:proposal_detail", pk=proposal.pk)
    form_class = spec["form"]
    form = form_class(request.POST or None) if form_class else None
    status = 200
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            _run_step(step, proposal, request.user, form)
        except DomainError as error:
            if form is None:
                raise  # a step without a form: the refusal's page (core.middleware)
            form.add_domain_error(error)
            status = error.status_code
        else:
            proposal.refresh_from_db()
            messages.success(request, f"{proposal.title}: {_outcome(proposal)}")
            return redirect("standards:proposal_detail", pk=proposal.pk)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "standards/proposal_transition.html",
        {"proposal": proposal, "step": step, "spec": spec, "form": form},
        status=status,
    )


def _run_step(step: str, proposal, user, form) -> None:
    if step == "open-consultation":
        services.proposal_open_consultation(
            proposal=proposal, actor=user, closes_at=form.cleaned_data["closes_at"]
        )
    elif step == "open-voting":
        services.proposal_open_voting(
            proposal=proposal, actor=user, closes_at=form.cleaned_data["closes_at"]
        )
    elif step == "close":
        services.proposal_close(proposal=proposal, actor=user, reason=form.cleaned_data["reason"])
    else:
        services.proposal_enact(proposal=proposal, actor=user)


def _outcome(proposal) -> str:
    if proposal.status == ProposalStatus.ENACTED:
        return "carried and enacted."
    if proposal.status == ProposalStatus.CARRIED:
        return f"carried, but not yet enacted: {proposal.enactment_error}"
    return {
        ProposalStatus.CONSULTATION: "consultation is open.",
        ProposalStatus.VOTING: "voting is open.",
        ProposalStatus.REJECTED: "rejected.",
    }.get(proposal.status, proposal.get_status_display().lower())


# Delegates.


@login_required
def delegate_dashboard(request):
    forces = delegate_forces(request.user)
    if not forces:
        raise NotPermitted("This page is for forces' delegates.")
    ballots = selectors.ballots_for(request.user)
    return render(
        request,
        "standards/delegate_dashboard.html",
        {
            "forces": forces,
            "awaiting": [b for b in ballots if b.vote is None],
            "cast": [b for b in ballots if b.vote is not None],
        },
    )
