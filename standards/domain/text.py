"""Standard texts: Markdown rendered safely, and the difference between two versions.

Markdown is rendered with raw HTML switched off (any ``<tag>`` in the source is shown as
text), then cleaned by nh3 to an allow-list of tags, attributes and URL schemes; links
get ``rel="noopener noreferrer"``. The diff is computed by difflib over lines and returned
as plain data for the template to render, escaped, with words as well as colour.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}

# GOV.UK typography for the tags Markdown produces.
CLASSES = {
    "<p>": '<p class="govuk-body">',
    "<h2>": '<h2 class="govuk-heading-m">',
    "<h3>": '<h3 class="govuk-heading-s">',
    "<ul>": '<ul class="govuk-list govuk-list--bullet">',
    "<ol>": '<ol class="govuk-list govuk-list--number">',
    "<table>": '<table class="govuk-table">',
    "<tr>": '<tr class="govuk-table__row">',
    "<th>": '<th scope="col" class="govuk-table__header">',
    "<td>": '<td class="govuk-table__cell">',
    "<a ": '<a class="govuk-link" ',
}


def _without_raw_html(md: markdown.Markdown) -> markdown.Markdown:
    """Treat HTML in the source as text: no raw blocks, no inline tags or entities."""
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md


def render_markdown(source: str) -> SafeString:
    """The standard's text as safe HTML. Headings start at h2: the page owns the h1."""
    md = _without_raw_html(
        markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")
    )
    html = md.convert(source or "")
    for level in range(5, 0, -1):  # a "# Heading" in the text must not compete with the h1
        html = html.replace(f"<h{level}>", f"<h{level + 1}>").replace(
            f"</h{level}>", f"</h{level + 1}>"
        )
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    for plain, styled in CLASSES.items():
        cleaned = cleaned.replace(plain, styled)
    return mark_safe(cleaned)  # noqa: S308 - cleaned by nh3 to an allow-list above


@dataclass(frozen=True)
class DiffLine:
    """One line of a diff: ``kind`` is "same", "removed" or "added"."""

    kind: str
    text: str
    old_number: int | None
    new_number: int | None

    @property
    def sign(self) -> str:
        return {"same": " ", "removed": "−", "added": "+", "gap": "…"}[self.kind]


@dataclass(frozen=True)
class Diff:
    lines: list[DiffLine]
    added: int
    removed: int

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def diff_texts(old: str, new: str, *, context: int | None = None) -> Diff:
    """Line-by-line differences from ``old`` to ``new``. With ``context``, unchanged runs
    longer than that are trimmed to that many lines either side of a change."""
    old_lines = (old or "").splitlines()
    new_lines = (new or "").splitlines()
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    lines: list[DiffLine] = []
    added = removed = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            block = [
                DiffLine("same", old_lines[i], i + 1, j + 1)
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            ]
            if context is not None and len(block) > 2 * context + 1:
                block = [*block[:context], DiffLine("gap", "", None, None), *block[-context:]]
            lines.extend(block)
            continue
        for i in range(i1, i2):
            lines.append(DiffLine("removed", old_lines[i], i + 1, None))
            removed += 1
        for j in range(j1, j2):
            lines.append(DiffLine("added", new_lines[j], None, j + 1))
            added += 1
    return Diff(lines=lines, added=added, removed=removed)
