"""Standard texts rendered safely; diffs that say what changed without relying on colour;
the tally chart's geometry."""

from decimal import Decimal

from django.utils import timezone

from standards.domain.rules import FOR, Ballot, Thresholds, decide
from standards.domain.text import diff_texts, render_markdown
from standards.policies import Turnout
from standards.presentation.charts import percent, tally_chart
from standards.selectors import TallyView


def test_markdown_renders_with_govuk_classes_and_headings_below_the_page_title():
    html = render_markdown("# Scope\n\n## Requirement\n\nDevices **must** encrypt.\n\n- one\n- two")

    assert '<h2 class="govuk-heading-m">Scope</h2>' in html
    assert '<h3 class="govuk-heading-s">Requirement</h3>' in html
    assert '<p class="govuk-body">Devices <strong>must</strong> encrypt.</p>' in html
    assert '<ul class="govuk-list govuk-list--bullet">' in html
    assert "<h1" not in html


def test_raw_html_and_scripts_are_shown_as_text_never_run():
    html = render_markdown(
        'Hello <script>alert("x")</script> <img src=x onerror=alert(1)> <b>bold</b>\n\n'
        '<div onclick="steal()">block</div>'
    )

    assert "<script" not in html
    assert "<img" not in html
    assert "<b>" not in html
    assert "<div" not in html
    assert "&lt;script&gt;" in html
    assert "&lt;div onclick" in html


def test_links_are_allowed_with_noopener_but_not_javascript():
    html = render_markdown(
        "[guidance](https://www.college.police.uk/) and [trap](javascript:alert(1)) "
        "and [data](data:text/html;base64,PHNjcmlwdD4=)"
    )

    assert (
        '<a class="govuk-link" href="https://www.college.police.uk/" '
        'rel="noopener noreferrer">guidance</a>'
    ) in html
    assert "javascript:" not in html
    assert "data:" not in html


def test_images_are_dropped_and_tables_styled():
    html = render_markdown("![x](https://example.com/x.png)\n\n| a | b |\n|---|---|\n| 1 | 2 |")

    assert "<img" not in html
    assert '<table class="govuk-table">' in html
    assert '<td class="govuk-table__cell">1</td>' in html


def test_the_diff_marks_added_and_removed_lines_with_their_numbers():
    diff = diff_texts("one\ntwo\nthree", "one\n2\nthree\nfour")

    assert [(line.kind, line.text, line.old_number, line.new_number) for line in diff.lines] == [
        ("same", "one", 1, 1),
        ("removed", "two", 2, None),
        ("added", "2", None, 2),
        ("same", "three", 3, 3),
        ("added", "four", None, 4),
    ]
    assert (diff.added, diff.removed, diff.changed) == (2, 1, True)
    assert [line.sign for line in diff.lines] == [" ", "−", "+", " ", "+"]


def test_long_unchanged_runs_are_trimmed_to_their_context():
    old = "\n".join(f"line {n}" for n in range(1, 21))
    new = old.replace("line 10", "line ten")

    diff = diff_texts(old, new, context=2)

    kinds = [line.kind for line in diff.lines]
    assert kinds == ["same", "same", "gap", "same", "same", "removed", "added"] + [
        "same",
        "same",
        "gap",
        "same",
        "same",
    ]


def test_identical_texts_have_no_changes():
    assert not diff_texts("same", "same").changed


def counted(tally, rule) -> TallyView:
    """A closed vote's tally, whose counts are public."""
    return TallyView(
        tally=tally,
        turnout=Turnout.of(tally),
        rule={
            "quorum": str(rule.quorum),
            "forces_majority": str(rule.forces_majority),
            "headcount_majority": str(rule.headcount_majority),
        },
        final=True,
        as_at=timezone.now(),
        voting_open=False,
    )


def test_the_chart_draws_each_threshold_at_its_exact_share_of_the_bar():
    rule = Thresholds(Decimal("0.5"), Decimal("0.55"), Decimal("0.65"))
    tally = decide(
        thresholds=rule,
        total_forces=4,
        ballots=[Ballot(1, FOR, 3000), Ballot(2, "against", 1000), Ballot(3, "abstain", 1000)],
    )

    chart = tally_chart(counted(tally, rule))

    turnout, forces, headcount = chart.bars
    assert [bar.threshold_x for bar in chart.bars] == ["300.0", "330.0", "390.0"]
    assert [(s.kind, s.width) for s in turnout.segments] == [
        ("voted", "450.0"),
        ("not_voted", "150.0"),
    ]
    assert [(s.kind, s.width) for s in headcount.segments] == [
        ("for", "360.0"),
        ("against", "120.0"),
        ("abstaining", "120.0"),
    ]
    assert forces.threshold_met is False  # 1 of 3 is 33.3%
    assert headcount.threshold_met is False  # 3000 of 5000 is 60%
    assert "3 of 4 forces have voted (75%; the quorum is 50%: met)" in chart.description
    assert "(33.3% for; 55% is needed: not met)" in chart.description


def test_an_empty_vote_draws_empty_bars():
    rule = Thresholds(Decimal("0.5"), Decimal("0.55"), Decimal("0.65"))
    chart = tally_chart(counted(decide(thresholds=rule, total_forces=44, ballots=[]), rule))

    assert chart.bars[1].empty
    assert chart.bars[1].caption == "No forces voted yet"
    assert all(segment.width == "0.0" for segment in chart.bars[1].segments)


def test_percentages_are_rounded_half_up_for_display_only():
    assert percent(1, 8) == "12.5%"
    assert percent(2, 3) == "66.7%"
    assert percent(0, 0) == "0%"
    assert percent(11, 20) == "55%"
