"""Single-line text: titles, names, SKUs, cost centres.

Such fields end up in e-mail subjects and headers and in document headings, where a line
break splits a header and other control characters corrupt the output. One rule, stated
here, used by services (``check_single_line``, ``single_line_errors``), by model fields,
forms and serializers (``SingleLineValidator``): no C0 or C1 control character (tab, CR,
LF and NUL included) and no Unicode line or paragraph separator.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

from core.errors import DomainError

# C0 (U+0000-U+001F), DEL and C1 (U+007F-U+009F), line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def control_character(value: str) -> str | None:
    """The first control character in ``value``, described (e.g. ``"a line break (U+000A)"``),
    or None if there is none."""
    match = _CONTROL.search(value or "")
    if match is None:
        return None
    char = match.group()
    code = f"U+{ord(char):04X}"
    if char in "\r\n\u2028\u2029\x85":
        return f"a line break ({code})"
    if char == "\t":
        return f"a tab ({code})"
    name = unicodedata.name(char, "")
    return f"a control character ({name + ', ' if name else ''}{code})"


def single_line_message(label: str, value: str) -> str | None:
    """The message for a field whose value is not a single line of plain text, else None."""
    found = control_character(value)
    if found is None:
        return None
    return f"The {label} must be a single line of text: remove {found}."


def single_line_errors(**fields: tuple[str, str]) -> dict[str, list[str]]:
    """Every field, given as ``name=(label, value)``, that is not a single line."""
    errors: dict[str, list[str]] = {}
    for field, (label, value) in fields.items():
        message = single_line_message(label, value)
        if message:
            errors[field] = [message]
    return errors


def check_single_line(value: str, *, field: str, label: str) -> str:
    """``value`` unchanged, or a DomainError (400) that names the field."""
    message = single_line_message(label, value)
    if message:
        raise DomainError(message, field=field)
    return value


@deconstructible
class SingleLineValidator:
    """The same rule for model fields, forms and serializers."""

    def __init__(self, label: str = "value") -> None:
        self.label = label

    def __call__(self, value: str) -> None:
        message = single_line_message(self.label, value)
        if message:
            raise ValidationError(message, code="control_character")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SingleLineValidator) and other.label == self.label

    def __hash__(self) -> int:
        return hash(self.label)
