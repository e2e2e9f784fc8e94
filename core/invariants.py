"""Values that a constraint or an earlier step guarantees, where the column itself is nullable.

A share is null until its requisition closes, a proposal's rule until voting opens: code
after that step relies on the value. ``present`` says so (to the reader and to mypy) and
fails loudly at that point if the guarantee is ever broken, instead of further on.
"""

from typing import TypeVar

T = TypeVar("T")


class MissingValue(RuntimeError):
    """A value that must be there by now is not: a bug or broken data, never a user's error."""


def present(value: T | None, what: str) -> T:
    """``value``, which cannot be None here; ``what`` names it for the error if it is."""
    if value is None:
        raise MissingValue(f"{what} is missing.")
    return value
