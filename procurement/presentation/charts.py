"""A server-rendered SVG chart: each force's quantity, and all forces together, against
the price-break steps. Geometry only; the template draws it and a table says the same."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from catalogue.domain.pricing import BreakLike, sorted_breaks

WIDTH = 760
LABEL_WIDTH = 230
RIGHT = 70
TOP = 56
ROW = 30
BAR = 18


@dataclass
class Bar:
    label: str
    quantity: int
    y: int
    width: float
    total: bool = False

    @property
    def text_y(self) -> int:
        return self.y + BAR - 4

    @property
    def value_x(self) -> float:
        return LABEL_WIDTH + self.width + 6


@dataclass
class Step:
    min_quantity: int
    unit_price: Decimal
    x: float
    label_y: int
    reached: bool


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    plot_left: int = LABEL_WIDTH
    plot_top: int = TOP
    plot_bottom: int = 0
    title: str = ""
    description: str = ""


def quantity_chart(
    breaks: Sequence[BreakLike],
    forces: list[tuple[str, int]],
    *,
    title: str,
    description: str,
) -> Chart:
    total = sum(q for _, q in forces)
    ordered = sorted_breaks(breaks)
    above = [b.min_quantity for b in ordered if b.min_quantity > total]
    scale_max = max([total, above[0] if above else 0, 1]) * 1.08
    plot_width = WIDTH - LABEL_WIDTH - RIGHT
    rows = [*forces, ("All forces together", total)]
    height = TOP + ROW * len(rows) + 12
    chart = Chart(width=WIDTH, height=height, title=title, description=description)
    chart.plot_bottom = height - 6
    for index, (label, quantity) in enumerate(rows):
        chart.bars.append(
            Bar(
                label=label if len(label) <= 32 else label[:31] + "…",
                quantity=quantity,
                y=TOP + index * ROW + (ROW - BAR) // 2,
                width=round(plot_width * quantity / scale_max, 1),
                total=index == len(rows) - 1,
            )
        )
    for index, tier in enumerate(b for b in ordered if b.min_quantity <= scale_max):
        chart.steps.append(
            Step(
                min_quantity=tier.min_quantity,
                unit_price=tier.unit_price,
                x=round(LABEL_WIDTH + plot_width * tier.min_quantity / scale_max, 1),
                label_y=16 if index % 2 == 0 else 34,
                reached=tier.min_quantity <= total,
            )
        )
    return chart
