"""The tally as a server-rendered SVG chart: geometry here, markup in the template.

Three bars, each with its threshold drawn: turnout against the quorum; the forces that
voted, split for / against / abstaining, against the forces majority; and their officer
headcount, split the same way, against the headcount majority. While the ballot is secret
only the turnout bar is drawn (``standards.policies``). Segments are told apart by
pattern and by label as well as by colour. Arithmetic is Decimal: no floats.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from standards.selectors import TallyView

WIDTH = Decimal(640)
LEFT = Decimal(0)
BAR_WIDTH = Decimal(600)
BAR_HEIGHT = Decimal(32)
ROW_HEIGHT = Decimal(112)
TOP = Decimal(8)
TENTH = Decimal("0.1")

# Fill for each kind of segment: GOV.UK colours; patterns are defined in the template.
FILLS = {
    "for": "#00703c",
    "against": "url(#nc-tally-against)",
    "abstaining": "url(#nc-tally-abstaining)",
    "voted": "#1d70b8",
    "not_voted": "#ffffff",
}
LABELS = {
    "for": "For",
    "against": "Against",
    "abstaining": "Abstaining",
    "voted": "Voted",
    "not_voted": "Not voted",
}


def _coordinate(value: Decimal) -> str:
    return str(value.quantize(TENTH, rounding=ROUND_HALF_UP))


def percent(part: int, whole: int) -> str:
    """A share as a percentage to one decimal place, for people (never for deciding)."""
    if whole == 0:
        return "0%"
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(TENTH, rounding=ROUND_HALF_UP)
    return f"{value.normalize():f}%"


def fraction_percent(fraction: Decimal) -> str:
    return f"{(fraction * 100).normalize():f}%"


@dataclass(frozen=True)
class Segment:
    kind: str
    label: str
    count: int
    share: str
    x: str
    width: str
    fill: str
    text_x: str
    show_text: bool


@dataclass(frozen=True)
class Bar:
    title: str
    caption: str
    y: str
    label_y: str
    text_y: str
    caption_y: str
    threshold_label_y: str
    segments: list[Segment]
    empty: bool
    threshold_x: str
    threshold_label: str
    threshold_met: bool
    threshold_line_top: str
    threshold_line_bottom: str
    threshold_anchor: str


def _bar(
    *,
    index: int,
    title: str,
    parts: list[tuple[str, int]],
    whole: int,
    threshold: Decimal,
    threshold_label: str,
    met: bool,
    unit: str,
) -> Bar:
    y = TOP + ROW_HEIGHT * index + Decimal(22)
    x = LEFT
    segments = []
    for kind, count in parts:
        width = BAR_WIDTH * count / whole if whole else Decimal(0)
        segments.append(
            Segment(
                kind=kind,
                label=LABELS[kind],
                count=count,
                share=percent(count, whole),
                x=_coordinate(x),
                width=_coordinate(width),
                fill=FILLS[kind],
                text_x=_coordinate(x + width / 2),
                show_text=width >= 56,
            )
        )
        x += width
    threshold_x = LEFT + BAR_WIDTH * threshold
    caption = ", ".join(f"{LABELS[kind].lower()} {count:,}" for kind, count in parts)
    return Bar(
        title=title,
        caption=f"{caption} ({whole:,} {unit})" if whole else f"No {unit} yet",
        y=_coordinate(y),
        label_y=_coordinate(y - 8),
        text_y=_coordinate(y + BAR_HEIGHT / 2 + 5),
        caption_y=_coordinate(y + BAR_HEIGHT + 42),
        threshold_label_y=_coordinate(y + BAR_HEIGHT + 20),
        segments=segments,
        empty=whole == 0,
        threshold_x=_coordinate(threshold_x),
        threshold_label=threshold_label,
        threshold_met=met,
        threshold_line_top=_coordinate(y - 4),
        threshold_line_bottom=_coordinate(y + BAR_HEIGHT + 6),
        threshold_anchor="end" if threshold > Decimal("0.5") else "start",
    )


@dataclass(frozen=True)
class Chart:
    width: str
    height: str
    bar_width: str
    bar_height: str
    bars: list[Bar]
    description: str


def tally_chart(view: TallyView) -> Chart:
    """The chart of what ``view`` lets through: while the ballot is secret, turnout only."""
    turnout, thresholds = view.turnout, view.thresholds
    quorum = fraction_percent(thresholds.quorum)
    forces = fraction_percent(thresholds.forces_majority)
    headcount = fraction_percent(thresholds.headcount_majority)
    bars = [
        _bar(
            index=0,
            title=f"Turnout: forces that voted, of all {turnout.total_forces} forces",
            parts=[("voted", turnout.forces_voted), ("not_voted", turnout.forces_not_voted)],
            whole=turnout.total_forces,
            threshold=thresholds.quorum,
            threshold_label=f"Quorum {quorum}: " + ("met" if turnout.quorum_met else "not met"),
            met=turnout.quorum_met,
            unit="forces",
        ),
    ]
    turnout_text = [
        f"{turnout.forces_voted} of {turnout.total_forces} forces have voted",
        f"({percent(turnout.forces_voted, turnout.total_forces)}; the quorum is {quorum}:",
        ("met)." if turnout.quorum_met else "not met)."),
    ]
    tally = view.tally
    if tally is None:
        description = " ".join(
            [
                *turnout_text,
                f"They hold {turnout.headcount_voted:,} officers.",
                "How they voted is secret until voting closes.",
            ]
        )
        return Chart(
            width=_coordinate(WIDTH),
            height=_coordinate(TOP + ROW_HEIGHT),
            bar_width=_coordinate(BAR_WIDTH),
            bar_height=_coordinate(BAR_HEIGHT),
            bars=bars,
            description=description,
        )
    bars += [
        _bar(
            index=1,
            title="Forces that voted",
            parts=[
                ("for", tally.forces_for),
                ("against", tally.forces_against),
                ("abstaining", tally.forces_abstaining),
            ],
            whole=tally.forces_voted,
            threshold=thresholds.forces_majority,
            threshold_label=f"{forces} for needed: "
            + ("met" if tally.forces_majority_met else "not met"),
            met=tally.forces_majority_met,
            unit="forces voted",
        ),
        _bar(
            index=2,
            title="Officer headcount of the forces that voted",
            parts=[
                ("for", tally.headcount_for),
                ("against", tally.headcount_against),
                ("abstaining", tally.headcount_abstaining),
            ],
            whole=tally.headcount_voted,
            threshold=thresholds.headcount_majority,
            threshold_label=f"{headcount} for needed: "
            + ("met" if tally.headcount_majority_met else "not met"),
            met=tally.headcount_majority_met,
            unit="officers",
        ),
    ]
    description = " ".join(
        [
            *turnout_text,
            f"Of the forces that voted, {tally.forces_for} voted for,",
            f"{tally.forces_against} against and {tally.forces_abstaining} abstained",
            f"({percent(tally.forces_for, tally.forces_voted)} for; {forces} is needed:",
            ("met)." if tally.forces_majority_met else "not met)."),
            f"The forces for hold {tally.headcount_for:,} of the {tally.headcount_voted:,}",
            "officers of the forces that voted",
            f"({percent(tally.headcount_for, tally.headcount_voted)}; {headcount} is needed:",
            ("met)." if tally.headcount_majority_met else "not met)."),
        ]
    )
    return Chart(
        width=_coordinate(WIDTH),
        height=_coordinate(TOP + ROW_HEIGHT * 3),
        bar_width=_coordinate(BAR_WIDTH),
        bar_height=_coordinate(BAR_HEIGHT),
        bars=bars,
        description=description,
    )
