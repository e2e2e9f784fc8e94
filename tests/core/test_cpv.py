import pytest
from django.core.exceptions import ValidationError

from core.cpv import cpv_check_digit, validate_cpv_code


@pytest.mark.parametrize(
    "code",
    [
        "30200000-1",  # computer equipment and supplies
        "30213100-6",  # portable computers
        "30213200-7",  # tablet computer
        "32250000-0",  # mobile telephones
        "48000000-8",  # software package and information systems
        "72000000-5",  # IT services
        "32420000-3",  # network equipment
        "03300000-2",  # published with a check digit that departs from the rule
    ],
)
def test_real_cpv_codes_are_valid(code):
    validate_cpv_code(code)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("30200000-2", "check digit"),
        ("30200000", "eight digits"),
        ("3020000-1", "eight digits"),
        ("ABCDEFGH-1", "eight digits"),
        ("", "eight digits"),
    ],
)
def test_invalid_cpv_codes_are_refused_with_a_clear_message(code, message):
    with pytest.raises(ValidationError, match=message):
        validate_cpv_code(code)


def test_check_digit_is_weighted_seven_three_one_from_the_right():
    assert cpv_check_digit("30200000") == 1
    assert cpv_check_digit("72000000") == 5
