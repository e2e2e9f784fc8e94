"""Every limit on what users enter, stated once.

Models (constraints), services (checks), forms and serializers (``max_length``,
``max_value``) all read these names, so a limit cannot differ between a page and the API.
Each name says what it bounds.
"""

from decimal import Decimal
from typing import Final, TypedDict

# Money: GBP in DecimalField(max_digits=14, decimal_places=2).
MONEY_MAX_DIGITS: Final = 14
MONEY_DECIMAL_PLACES: Final = 2
# The most a money field can hold.
LARGEST_AMOUNT: Final = Decimal("999999999999.99")
# The least a price may be.
SMALLEST_PRICE: Final = Decimal("0.01")


class MoneyDigits(TypedDict):
    max_digits: int
    decimal_places: int


# Spread into model, form and serializer DecimalFields: ``DecimalField(**MONEY_DIGITS)``.
MONEY_DIGITS: Final[MoneyDigits] = {
    "max_digits": MONEY_MAX_DIGITS,
    "decimal_places": MONEY_DECIMAL_PLACES,
}

# Quantities.
# The largest quantity one force may ask for in one requisition: anything above is a typo.
MAX_QUANTITY_PER_FORCE: Final = 1_000_000
# The largest quantity a price break or a price search may name (the database's integer):
# pooled quantities across every force exceed one force's limit.
MAX_PRICED_QUANTITY: Final = 2_147_483_647
MAX_PRICE_BREAKS: Final = 8
MAX_LEAD_TIME_DAYS: Final = 3650

# Free text.
# A note, comment or reason on a requisition, participation or approval.
MAX_NOTE_LENGTH: Final = 5_000
# Why a product revision is rejected or a product withdrawn.
MAX_REASON_LENGTH: Final = 2_000
# A product's description.
MAX_DESCRIPTION_LENGTH: Final = 20_000
# The text and the rationale of a proposal to a standard.
MAX_DOCUMENT_TEXT_LENGTH: Final = 100_000
# A comment on a proposal.
MAX_COMMENT_LENGTH: Final = 10_000
