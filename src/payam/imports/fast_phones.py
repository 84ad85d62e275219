"""Phone numbers of an import, normalized fast.

``payam.kit.phones.normalize_phone`` asks ``phonenumbers`` (about 20 µs a number): a million rows
would spend 20 s there alone. Nearly every row of an Iranian list is a mobile number in one of a
few shapes (09121234567, 9121234567, +989121234567, 00989121234567, 989121234567, in Persian or
Arabic digits, with spaces or dashes), so those are recognised here in about a microsecond and
checked against the very pattern ``phonenumbers`` uses for Iranian mobiles. Anything else, or
anything the pattern does not accept, goes to ``normalize_phone``, which stays the authority:
the fast path only ever returns what it would have returned.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from payam.kit.phones import DIGIT_TRANSLATION, InvalidPhoneNumber, normalize_phone

__all__ = ["InvalidPhoneNumber", "PhoneNormalizer"]

_IRAN_REGION = "IR"
_IRAN_CODE = "98"
_IRAN_MOBILE_LENGTH = 10


def _iran_mobile_pattern() -> re.Pattern[str]:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(_IRAN_REGION)
    assert metadata is not None
    assert metadata.mobile is not None
    pattern = metadata.mobile.national_number_pattern
    assert pattern is not None
    return re.compile(pattern)


@lru_cache(maxsize=1)
def _iran_mobile_prefixes() -> frozenset[str]:
    """The 5-digit starts of valid mobile numbers, when the pattern decides on those alone.

    A set lookup is four times cheaper than the regex. The pattern is phonenumbers' own; a
    prefix is kept only if three different endings all match, so a future pattern that looks
    further than five digits loses the shortcut for that prefix, never correctness: whatever is
    not in the set is checked against the pattern itself.
    """
    pattern = _iran_mobile_pattern()
    candidates = (f"9{n:04d}" for n in range(10_000))
    return frozenset(
        prefix
        for prefix in candidates
        if all(pattern.fullmatch(prefix + end) for end in ("00000", "58213", "99999"))
    )


# The separators people type inside a number, deleted in the same pass that maps the digits.
# normalize_phone strips any whitespace; what is not listed here simply takes the slow path.
_CLEAN: dict[int, int | None] = {
    **DIGIT_TRANSLATION,
    **{ord(char): None for char in " \t\u00a0\u2009\u202f\u200c\u200e\u200f-()./"},
}


class PhoneNormalizer:
    """``normalize(raw) -> E.164``, raising ``InvalidPhoneNumber`` with the reason."""

    def __init__(self, *, default_region: str) -> None:
        self.default_region = default_region
        # National forms (0912…, 912…, and 98… without a plus, which normalize_phone reads as
        # national first) mean Iran only when the default region is Iran.
        self._national_is_iran = default_region.upper() == _IRAN_REGION
        self._iran_mobile = _iran_mobile_pattern()
        self._iran_prefixes = _iran_mobile_prefixes()

    def __call__(self, raw: str) -> str:
        # Most cells are plain ASCII digits already: translate only the others.
        cleaned = raw if raw.isascii() and raw.isdigit() else raw.translate(_CLEAN)
        national = self._iran_mobile_national(cleaned)
        if national is not None and (
            national[:5] in self._iran_prefixes or self._iran_mobile.fullmatch(national)
        ):
            return "+98" + national
        return normalize_phone(raw, default_region=self.default_region)

    def _iran_mobile_national(self, cleaned: str) -> str | None:
        """The 10-digit national number when ``cleaned`` has one of the common shapes."""
        length = len(cleaned)
        if cleaned.startswith("+"):
            digits = cleaned[1:]
            if length == 13 and digits.startswith(_IRAN_CODE) and digits.isascii():
                return digits[2:] if digits.isdigit() else None
            return None
        # str.isdigit alone accepts "²" and other scripts' digits; _CLEAN mapped the Persian
        # and Arabic ones already.
        if not (cleaned.isascii() and cleaned.isdigit()):
            return None
        if length == 14 and cleaned.startswith("0098"):
            return cleaned[4:]
        if not self._national_is_iran:
            return None
        if length == 11 and cleaned.startswith("09"):
            return cleaned[1:]
        if length == _IRAN_MOBILE_LENGTH and cleaned.startswith("9"):
            return cleaned
        if length == 12 and cleaned.startswith(_IRAN_CODE):
            return cleaned[2:]
        return None
