from __future__ import annotations

import random

import pytest

from payam.imports.fast_phones import InvalidPhoneNumber, PhoneNormalizer
from payam.kit.phones import normalize_phone


@pytest.fixture(autouse=True)
def jobs() -> None:
    """Plain functions here: no worker needed."""


@pytest.mark.parametrize(
    "typed",
    [
        "09121234567",
        "9121234567",
        "+989121234567",
        "00989121234567",
        "989121234567",
        "۰۹۱۲ ۱۲۳ ۴۵۶۷",
        "٠٩١٢-١٢٣-٤٥٦٧",
        "+98 (912) 123 45 67",
        "\u200f۰۹۱۲\u200c۱۲۳۴۵۶۷",
    ],
)
def test_the_common_iranian_shapes_take_the_fast_path(typed: str) -> None:
    assert PhoneNormalizer(default_region="IR")(typed) == "+989121234567"


@pytest.mark.parametrize("region", ["IR", "DE"])
def test_the_fast_path_agrees_with_phonenumbers_on_random_numbers(region: str) -> None:
    normalize = PhoneNormalizer(default_region=region)
    rng = random.Random(98)
    shapes = ["0{}", "{}", "+98{}", "0098{}", "98{}", "0{} ", "+98 {}"]
    for _ in range(3_000):
        national = "9" + "".join(rng.choice("0123456789") for _ in range(9))
        typed = rng.choice(shapes).format(national)
        try:
            expected: str | None = normalize_phone(typed, default_region=region)
        except InvalidPhoneNumber:
            expected = None
        try:
            got: str | None = normalize(typed)
        except InvalidPhoneNumber:
            got = None
        assert got == expected, typed


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "empty"),
        ("0912123456", "does not exist"),
        ("09401234567", "does not exist"),
        ("0912-ABC-4567", "only digits"),
    ],
)
def test_what_is_not_a_number_keeps_the_reason_of_the_slow_path(typed: str, reason: str) -> None:
    with pytest.raises(InvalidPhoneNumber, match=reason):
        PhoneNormalizer(default_region="IR")(typed)


def test_other_countries_go_through_phonenumbers() -> None:
    assert PhoneNormalizer(default_region="IR")("+49 30 1234567") == "+49301234567"
    assert PhoneNormalizer(default_region="DE")("030 1234567") == "+49301234567"
