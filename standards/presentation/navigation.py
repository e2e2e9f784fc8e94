"""Standards' entries in the service navigation and on the home pages (registered in
:meth:`standards.apps.StandardsConfig.ready`; accounts composes them)."""

from accounts.models import Role, User
from accounts.presentation.navigation import Capability, register_capabilities, register_navigation
from standards.selectors import ballots_for


def _votes_not_cast(user: User) -> int:
    return sum(1 for ballot in ballots_for(user) if ballot.vote is None)


PROPOSALS = "standards:proposal_list"
REGISTER = "standards:standard_list"


def register() -> None:
    register_navigation("Standards", REGISTER, order=40)
    register_capabilities(
        Role.DELEGATE,
        Capability(
            "Votes awaiting your force",
            "standards:delegate_dashboard",
            "Cast your force's vote on network-code proposals before voting closes.",
            _votes_not_cast,
            order=10,
        ),
        Capability(
            "Proposals",
            PROPOSALS,
            "Proposals to establish, revise or abolish standards, with their impact.",
            order=20,
        ),
        Capability(
            "Register of standards",
            REGISTER,
            "The network code's standards and every version of them.",
            order=30,
        ),
    )
    register_capabilities(
        Role.STANDARDS_SECRETARY,
        Capability(
            "Proposals",
            PROPOSALS,
            "Move proposals into consultation and voting; follow the tallies.",
            order=10,
        ),
        Capability(
            "Register of standards",
            REGISTER,
            "The network code's standards and every version of them.",
            order=20,
        ),
    )
