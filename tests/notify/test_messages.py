from __future__ import annotations

import pytest

from payam.models.auth import OtpPurpose
from payam.notify.messages import code_email, code_message


def test_persian_sign_in_sms() -> None:
    text = code_message(code="482913", purpose=OtpPurpose.LOGIN, ttl_minutes=5)

    assert text.startswith("کد ورود به پیام: 482913")
    assert "5 دقیقه" in text


def test_english_sms_carries_the_code_and_the_expiry() -> None:
    text = code_message(code="482913", purpose=OtpPurpose.LOGIN, ttl_minutes=5, locale="en")

    assert text.startswith("Your Payam sign-in code: 482913.")
    assert "It expires in 5 minutes." in text


def test_english_single_minute_is_singular() -> None:
    text = code_message(code="1", purpose=OtpPurpose.LOGIN, ttl_minutes=1, locale="en")

    assert "It expires in 1 minute." in text


@pytest.mark.parametrize("locale", ["fa", "en"])
def test_each_purpose_has_its_own_words(locale: str) -> None:
    texts = {
        code_message(code="482913", purpose=purpose, ttl_minutes=5, locale=locale)
        for purpose in OtpPurpose
    }
    subjects = {
        code_email(to="a@b.c", code="482913", purpose=purpose, ttl_minutes=5, locale=locale).subject
        for purpose in OtpPurpose
    }

    assert len(texts) == len(OtpPurpose)
    assert len(subjects) == len(OtpPurpose)
    assert all("482913" in text for text in texts)


@pytest.mark.parametrize(("locale", "expected_start"), [("en-US", "Your"), ("de", "کد")])
def test_region_tags_are_read_and_unknown_languages_get_persian(
    locale: str, expected_start: str
) -> None:
    text = code_message(code="482913", purpose=OtpPurpose.LOGIN, ttl_minutes=5, locale=locale)

    assert text.startswith(expected_start)


def test_password_reset_email() -> None:
    message = code_email(
        to="reza@example.com",
        code="482913",
        purpose=OtpPurpose.PASSWORD_RESET,
        ttl_minutes=10,
        locale="en",
    )

    assert message.to == "reza@example.com"
    assert message.subject == "Reset your Payam password"
    assert "482913" in message.text
    assert "It expires in 10 minutes." in message.text
