from __future__ import annotations

import pytest

from payam.kit.phones import InvalidPhoneNumber, looks_like_phone, normalize_phone


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("09121234567", "+989121234567"),
        ("9121234567", "+989121234567"),
        ("+989121234567", "+989121234567"),
        ("989121234567", "+989121234567"),
        ("00989121234567", "+989121234567"),
        ("0098 912 123 4567", "+989121234567"),
        ("+98 912 123 4567", "+989121234567"),
        ("0912-123-4567", "+989121234567"),
        ("(0912) 123 45 67", "+989121234567"),
        ("0912.123.4567", "+989121234567"),
        ("0912/123/4567", "+989121234567"),
        ("  09121234567\t", "+989121234567"),
        ("۰۹۱۲۱۲۳۴۵۶۷", "+989121234567"),
        ("۰۹۱۲ ۱۲۳ ۴۵۶۷", "+989121234567"),
        ("+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷", "+989121234567"),
        ("٠٩١٢١٢٣٤٥٦٧", "+989121234567"),
        ("٠٠٩٨٩١٢١٢٣٤٥٦٧", "+989121234567"),
        # Text copied out of right-to-left messages carries invisible direction marks.
        ("\u200f۰۹۱۲\u200c۱۲۳۴۵۶۷\u200e", "+989121234567"),
        ("021 1234 5678", "+982112345678"),
        ("+1 650 253 0000", "+16502530000"),
        ("001 650 253 0000", "+16502530000"),
        ("+44 7911 123456", "+447911123456"),
        ("00447911123456", "+447911123456"),
        ("+971 50 123 4567", "+971501234567"),
    ],
)
def test_common_spellings_become_e164(typed: str, e164: str) -> None:
    assert normalize_phone(typed, default_region="IR") == e164


def test_the_default_region_decides_what_a_national_number_means() -> None:
    assert normalize_phone("07911 123456", default_region="GB") == "+447911123456"
    assert normalize_phone("+989121234567", default_region="GB") == "+989121234567"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "-",
        "+",
        "00",
        "abc",
        "12",
        "123",
        "0912",
        "+98 912",
        "0912123456",
        "+9891212345678",
        "+999 1234567",
        # Letters would be read as keypad digits and an extension silently dropped.
        "0912ABC4567",
        "0912l234567",
        "+1-800-FLOWERS",
        "09121234567 ext 12",
        "09121234567#12",
        "0912+1234567",
    ],
)
def test_what_is_not_a_number_is_refused_with_a_reason(typed: str) -> None:
    with pytest.raises(InvalidPhoneNumber) as refused:
        normalize_phone(typed, default_region="IR")
    assert str(refused.value)


@pytest.mark.parametrize(
    ("login", "is_phone"),
    [
        ("09121234567", True),
        ("+98 912 123 4567", True),
        ("۰۹۱۲۱۲۳۴۵۶۷", True),
        ("sara", False),
        ("sara@example.com", False),
        ("sara2024", False),
        ("123", False),
    ],
)
def test_a_login_is_taken_for_a_phone_only_when_it_is_all_digits(
    login: str, is_phone: bool
) -> None:
    assert looks_like_phone(login) is is_phone
