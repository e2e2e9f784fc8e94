"""The decision rule, at its boundaries and by property (no database)."""

import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from standards.domain.rules import (
    ABSTAIN,
    AGAINST,
    CHOICES,
    FOR,
    Ballot,
    Tally,
    Thresholds,
    at_least,
    decide,
    smallest_reaching,
)

DEFAULT = Thresholds(
    quorum=Decimal("0.5000"),
    forces_majority=Decimal("0.5500"),
    headcount_majority=Decimal("0.6500"),
)


def ballots(*groups: tuple[int, str, int]) -> list[Ballot]:
    """``(how_many, choice, headcount_each)`` groups as ballots of distinct forces."""
    result, force_id = [], 0
    for how_many, choice, headcount in groups:
        for _ in range(how_many):
            force_id += 1
            result.append(Ballot(force_id=force_id, choice=choice, headcount=headcount))
    return result


def tally(total: int, *groups, thresholds: Thresholds = DEFAULT) -> Tally:
    return decide(thresholds=thresholds, total_forces=total, ballots=ballots(*groups))


# Exactness of the comparison helpers.


def test_at_least_compares_exactly_at_the_boundary():
    assert at_least(55, 100, Decimal("0.55"))
    assert not at_least(54, 100, Decimal("0.55"))
    assert at_least(11, 20, Decimal("0.5500"))
    assert at_least(6500, 10000, Decimal("0.65"))
    assert not at_least(6499, 10000, Decimal("0.65"))
    # 0.1 is not exact in binary floating point; as a Decimal it is.
    assert at_least(1, 10, Decimal("0.1"))


def test_smallest_reaching_is_an_exact_ceiling():
    assert smallest_reaching(20, Decimal("0.55")) == 11
    assert smallest_reaching(21, Decimal("0.55")) == 12  # 11.55 -> 12
    assert smallest_reaching(43, Decimal("0.5")) == 22
    assert smallest_reaching(44, Decimal("0.5")) == 22
    assert smallest_reaching(0, Decimal("0.65")) == 0
    assert smallest_reaching(100, Decimal("1")) == 100


# The forces majority: at least 55% of the forces that voted.


def test_exactly_55_percent_of_forces_for_is_a_forces_majority():
    result = tally(20, (11, FOR, 100), (9, AGAINST, 10))  # 11/20 = 55%

    assert result.forces_majority_met
    assert result.carried


def test_just_below_55_percent_of_forces_for_is_not_a_forces_majority():
    result = tally(20, (10, FOR, 100), (10, AGAINST, 1))  # 50%

    assert not result.forces_majority_met
    assert result.headcount_majority_met
    assert not result.carried


def test_one_vote_short_of_55_percent_out_of_a_hundred_is_not_enough():
    assert tally(100, (55, FOR, 10), (45, AGAINST, 1)).forces_majority_met
    assert not tally(100, (54, FOR, 10), (46, AGAINST, 1)).forces_majority_met


def test_abstentions_count_as_voted_and_not_for():
    # 11 for, 9 against: 55% of 20. One more abstention makes it 11 of 21 (52.4%).
    assert tally(40, (11, FOR, 100), (9, AGAINST, 1)).forces_majority_met
    result = tally(40, (11, FOR, 100), (9, AGAINST, 1), (1, ABSTAIN, 1))

    assert result.forces_voted == 21
    assert not result.forces_majority_met
    assert result.forces_for_needed == 12


# The headcount majority: the forces for hold at least 65% of the voting forces' headcount.


def test_exactly_65_percent_of_headcount_is_a_headcount_majority():
    result = tally(4, (2, FOR, 65), (1, AGAINST, 70))  # forces 2/3; headcount 130/200

    assert result.headcount_for == 130
    assert result.headcount_voted == 200
    assert result.headcount_majority_met
    assert result.carried


def test_just_below_65_percent_of_headcount_is_not_a_headcount_majority():
    result = tally(4, (2, FOR, 6499), (1, AGAINST, 7002))  # 12998 of 20000 = 64.99%

    assert result.forces_majority_met
    assert not result.headcount_majority_met
    assert not result.carried


def test_abstaining_forces_headcount_counts_against_the_headcount_majority():
    assert tally(3, (1, FOR, 65), (1, AGAINST, 35)).headcount_majority_met
    result = tally(3, (1, FOR, 65), (1, AGAINST, 35), (1, ABSTAIN, 1))

    assert result.headcount_voted == 101
    assert not result.headcount_majority_met


def test_a_large_force_can_carry_the_headcount_but_not_the_forces_majority():
    # The Metropolitan Police alone holds most officers but is one force of many.
    result = tally(10, (1, FOR, 33000), (4, AGAINST, 2000))

    assert result.headcount_majority_met
    assert not result.forces_majority_met
    assert not result.carried


# The quorum: at least half of all forces voted.


def test_exactly_half_of_an_even_number_of_forces_is_a_quorum():
    assert tally(44, (22, FOR, 100)).quorum_met
    result = tally(44, (21, FOR, 100))

    assert not result.quorum_met
    assert result.forces_majority_met and result.headcount_majority_met
    assert not result.carried
    assert result.quorum_needed == 22


def test_with_an_odd_number_of_forces_more_than_half_must_vote():
    assert tally(43, (22, FOR, 100)).quorum_met  # 22/43 > 0.5
    assert not tally(43, (21, FOR, 100)).quorum_met  # 21/43 < 0.5
    assert tally(43).quorum_needed == 22
    assert tally(1, (1, AGAINST, 10)).quorum_met
    assert not tally(1).quorum_met


def test_abstentions_count_towards_the_quorum():
    result = tally(4, (1, FOR, 100), (1, ABSTAIN, 1))

    assert result.quorum_met
    assert not result.forces_majority_met  # 1 of 2 is 50%


# No votes, and every force abstaining.


def test_no_votes_at_all_meets_nothing():
    result = tally(44)

    assert result == Tally(
        total_forces=44,
        forces_for=0,
        forces_against=0,
        forces_abstaining=0,
        forces_voted=0,
        forces_not_voted=44,
        headcount_for=0,
        headcount_against=0,
        headcount_abstaining=0,
        headcount_voted=0,
        quorum_needed=22,
        forces_for_needed=0,
        headcount_for_needed=0,
        quorum_met=False,
        forces_majority_met=False,
        headcount_majority_met=False,
        carried=False,
    )


def test_no_votes_is_no_majority_even_when_no_quorum_is_required():
    lax = Thresholds(quorum=Decimal("0"), forces_majority=Decimal("0"), headcount_majority=0)
    result = tally(5, thresholds=lax)

    assert result.quorum_met
    assert not result.forces_majority_met
    assert not result.headcount_majority_met
    assert not result.carried


def test_every_force_abstaining_is_quorate_and_rejected():
    result = tally(44, (44, ABSTAIN, 1500))

    assert result.quorum_met
    assert result.forces_voted == 44
    assert result.forces_for == 0
    assert not result.forces_majority_met
    assert not result.headcount_majority_met
    assert not result.carried


def test_no_forces_at_all_is_never_quorate():
    result = tally(0)

    assert not result.quorum_met
    assert not result.carried


def test_unanimity_carries():
    result = tally(44, (44, FOR, 1500))

    assert result.carried
    assert result.forces_not_voted == 0


def test_a_stricter_rule_decides_the_same_votes_differently():
    strict = Thresholds(
        quorum=Decimal("0.75"), forces_majority=Decimal("0.6667"), headcount_majority=0
    )
    votes = ((30, FOR, 10), (4, AGAINST, 10))  # 34 of 44 forces; 30 of 34 for

    assert tally(44, *votes).carried
    assert tally(44, *votes, thresholds=strict).quorum_met  # 34 >= 33
    assert tally(44, (20, FOR, 1), (13, AGAINST, 1), thresholds=strict).quorum_met  # 33
    assert not tally(44, (20, FOR, 1), (13, AGAINST, 1), thresholds=strict).forces_majority_met


# Bad input is refused, not miscounted.


def test_floats_are_refused_as_fractions():
    with pytest.raises(TypeError):
        Thresholds(quorum=0.5, forces_majority=Decimal("0.55"), headcount_majority=Decimal("1"))


@pytest.mark.parametrize("value", [Decimal("-0.01"), Decimal("1.0001"), Decimal("NaN")])
def test_fractions_outside_zero_to_one_are_refused(value):
    with pytest.raises(ValueError):
        Thresholds(quorum=value, forces_majority=Decimal("0.55"), headcount_majority=0)


def test_a_force_cannot_vote_twice():
    with pytest.raises(ValueError, match="more than one ballot"):
        decide(
            thresholds=DEFAULT,
            total_forces=3,
            ballots=[Ballot(1, FOR, 10), Ballot(1, AGAINST, 10)],
        )


def test_more_ballots_than_forces_is_refused():
    with pytest.raises(ValueError, match="only 1"):
        decide(thresholds=DEFAULT, total_forces=1, ballots=ballots((2, FOR, 10)))


@pytest.mark.parametrize(
    ("choice", "headcount", "error"),
    [("maybe", 10, ValueError), (FOR, 0, ValueError), (FOR, True, TypeError)],
)
def test_unknown_choices_and_empty_forces_are_refused(choice, headcount, error):
    with pytest.raises(error):
        Ballot(force_id=1, choice=choice, headcount=headcount)


def test_a_tally_survives_a_round_trip_through_json():
    result = tally(44, (20, FOR, 1500), (3, AGAINST, 4000), (2, ABSTAIN, 900))

    assert Tally.from_json(result.as_json()) == result


# Properties.


fractions = st.decimals(min_value=0, max_value=1, places=4, allow_nan=False)
thresholds = st.builds(
    Thresholds, quorum=fractions, forces_majority=fractions, headcount_majority=fractions
)
ballot_specs = st.lists(
    st.tuples(st.sampled_from(CHOICES), st.integers(min_value=1, max_value=40_000)),
    max_size=60,
)


@st.composite
def elections(draw):
    """A rule, a number of forces, and ballots from some of them."""
    rule = draw(thresholds)
    specs = draw(ballot_specs)
    extra = draw(st.integers(min_value=0, max_value=30))
    votes = [
        Ballot(force_id=index, choice=choice, headcount=headcount)
        for index, (choice, headcount) in enumerate(specs, start=1)
    ]
    return rule, len(votes) + extra, votes


def reference(rule: Thresholds, total: int, votes: list[Ballot]) -> bool:
    """The rule as written, in rational arithmetic: an independent second opinion."""
    voted = len(votes)
    for_votes = [v for v in votes if v.choice == FOR]
    headcount_voted = sum(v.headcount for v in votes)
    headcount_for = sum(v.headcount for v in for_votes)
    quorum = total > 0 and Fraction(voted, total) >= Fraction(rule.quorum)
    forces = voted > 0 and Fraction(len(for_votes), voted) >= Fraction(rule.forces_majority)
    headcount = headcount_voted > 0 and Fraction(headcount_for, headcount_voted) >= Fraction(
        rule.headcount_majority
    )
    return quorum and forces and headcount


@settings(max_examples=400)
@given(elections())
def test_the_rule_agrees_with_a_rational_reference_implementation(election):
    rule, total, votes = election

    assert decide(thresholds=rule, total_forces=total, ballots=votes).carried == reference(
        rule, total, votes
    )


@given(elections())
def test_the_counts_add_up(election):
    rule, total, votes = election
    result = decide(thresholds=rule, total_forces=total, ballots=votes)

    assert (
        result.forces_for + result.forces_against + result.forces_abstaining
        == result.forces_voted
        == len(votes)
    )
    assert result.forces_voted + result.forces_not_voted == total
    assert (
        result.headcount_for + result.headcount_against + result.headcount_abstaining
        == result.headcount_voted
    )
    assert result.carried == (
        result.quorum_met and result.forces_majority_met and result.headcount_majority_met
    )
    assert result.quorum_met == (total > 0 and result.forces_voted >= result.quorum_needed)
    if result.forces_voted:
        assert result.forces_majority_met == (result.forces_for >= result.forces_for_needed)
        assert result.headcount_majority_met == (
            result.headcount_for >= result.headcount_for_needed
        )


@given(elections(), st.randoms(use_true_random=False))
def test_the_result_does_not_depend_on_the_order_of_the_votes(election, rng):
    rule, total, votes = election
    shuffled = list(votes)
    rng.shuffle(shuffled)

    assert decide(thresholds=rule, total_forces=total, ballots=shuffled) == decide(
        thresholds=rule, total_forces=total, ballots=votes
    )


@given(elections(), st.integers(min_value=1, max_value=40_000))
def test_a_new_vote_for_never_turns_carried_into_rejected(election, headcount):
    rule, total, votes = election
    assume(len(votes) < total)
    before = decide(thresholds=rule, total_forces=total, ballots=votes)
    new_force = max((v.force_id for v in votes), default=0) + 1
    after = decide(
        thresholds=rule, total_forces=total, ballots=[*votes, Ballot(new_force, FOR, headcount)]
    )

    assert after.carried or not before.carried
    assert after.quorum_met or not before.quorum_met
    assert after.forces_majority_met or not before.forces_majority_met
    assert after.headcount_majority_met or not before.headcount_majority_met


@given(elections(), st.data())
def test_changing_a_vote_to_for_never_turns_carried_into_rejected(election, data):
    rule, total, votes = election
    assume(votes)
    index = data.draw(st.integers(min_value=0, max_value=len(votes) - 1))
    changed = list(votes)
    changed[index] = Ballot(votes[index].force_id, FOR, votes[index].headcount)

    before = decide(thresholds=rule, total_forces=total, ballots=votes)
    after = decide(thresholds=rule, total_forces=total, ballots=changed)

    assert after.carried or not before.carried


@given(elections(), st.sampled_from(CHOICES), st.integers(min_value=1, max_value=40_000))
def test_quorum_is_monotone_in_turnout(election, choice, headcount):
    rule, total, votes = election
    assume(len(votes) < total)
    new_force = max((v.force_id for v in votes), default=0) + 1
    before = decide(thresholds=rule, total_forces=total, ballots=votes)
    after = decide(
        thresholds=rule, total_forces=total, ballots=[*votes, Ballot(new_force, choice, headcount)]
    )

    assert after.quorum_met or not before.quorum_met
    assert after.forces_voted == before.forces_voted + 1


@given(elections())
def test_more_forces_that_did_not_vote_never_help_a_proposal(election):
    rule, total, votes = election
    before = decide(thresholds=rule, total_forces=total, ballots=votes)
    after = decide(thresholds=rule, total_forces=total + 1, ballots=votes)

    assert before.carried or not after.carried


def test_the_default_rule_matches_its_percentages_over_every_small_split():
    """Every split of up to 40 voters under the default rule, against 55% read literally."""
    rng = random.Random(6)
    for voted in range(1, 41):
        for for_count in range(voted + 1):
            votes = ballots((for_count, FOR, 100), (voted - for_count, AGAINST, 1))
            rng.shuffle(votes)
            result = decide(thresholds=DEFAULT, total_forces=voted, ballots=votes)
            assert result.forces_majority_met == (for_count * 100 >= 55 * voted)
