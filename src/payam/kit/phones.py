"""Phone numbers to E.164, accepting what people type: Persian/Arabic digits, 00, a leading 0."""

from __future__ import annotations

import re

import phonenumbers

DIGIT_TRANSLATION = str.maketrans(
    "۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩",
    "01234567890123456789",
)
_SEPARATORS = re.compile(r"[\s\-()./\u200c\u200f\u200e]")
_DIGITS_ONLY = re.compile(r"\+?\d+")


class InvalidPhoneNumber(ValueError):
    pass


def normalize_phone(raw: str, *, default_region: str) -> str:
    """Return ``raw`` as E.164 (``+989121234567``) or raise InvalidPhoneNumber with a reason."""
    cleaned = _SEPARATORS.sub("", raw.translate(DIGIT_TRANSLATION))
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    if not cleaned:
        raise InvalidPhoneNumber("the phone number is empty")
    if not _DIGITS_ONLY.fullmatch(cleaned):
        # phonenumbers would read letters as keypad digits ("0912ABC…") and drop an extension
        # ("… ext 12"): either way a different number than the one typed, so refuse instead.
        raise InvalidPhoneNumber("a phone number has only digits, spaces, dashes and a leading +")
    try:
        parsed = phonenumbers.parse(cleaned, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber("this is not a phone number") from exc
    if not phonenumbers.is_valid_number(parsed):
        # "98912..." without a plus is common in exported lists: try it as international.
        if cleaned.isdigit():
            try:
                retried = phonenumbers.parse("+" + cleaned, None)
            except phonenumbers.NumberParseException:
                retried = None
            if retried is not None and phonenumbers.is_valid_number(retried):
                parsed = retried
            else:
                raise InvalidPhoneNumber("this phone number does not exist")
        else:
            raise InvalidPhoneNumber("this phone number does not exist")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def looks_like_phone(value: str) -> bool:
    """True when a login identifier is meant as a phone number rather than a username."""
    cleaned = _SEPARATORS.sub("", value.translate(DIGIT_TRANSLATION))
    return bool(re.fullmatch(r"\+?\d{7,15}", cleaned))
