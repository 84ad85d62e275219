"""Which new passwords are refused: the ones attackers try first (NIST SP 800-63B, 3.1.1.2).

No composition rules (a digit, a capital…): they push people to ``Password1!``. Instead a long
enough password that is not on a list of the most common ones and is not a trivial pattern.
"""

from __future__ import annotations

import gzip
from functools import cache
from importlib.resources import files
from itertools import pairwise
from typing import Annotated

from pydantic import AfterValidator, StringConstraints
from pydantic_core import PydanticCustomError

from payam.kit.schemas import latin_digits

# At least four different characters, which rules out aaaaaaaa, abababab and 11112222 alike.
_MIN_DISTINCT_CHARACTERS = 4


@cache
def _common_passwords() -> frozenset[str]:
    data = files("payam.auth").joinpath("data/common-passwords.txt.gz").read_bytes()
    return frozenset(line.strip() for line in gzip.decompress(data).decode().splitlines())


def _is_trivial(password: str) -> bool:
    if len(set(password)) < _MIN_DISTINCT_CHARACTERS:
        return True
    # Counting up or down, one step at a time: 12345678, abcdefgh, 98765432.
    steps = {ord(after) - ord(before) for before, after in pairwise(password)}
    if steps in ({1}, {-1}):
        return True
    # One piece said over and over: abcabcabc, passpass, 1234512345.
    return any(
        password == (password[:size] * (len(password) // size + 1))[: len(password)]
        for size in range(1, len(password) // 2 + 1)
    )


def _not_guessable(password: str) -> str:
    # Persian digits are the same keys on a Persian keyboard: ۱۲۳۴۵۶۷۸ is 12345678.
    plain = latin_digits(password).lower()
    if plain in _common_passwords():
        raise PydanticCustomError(
            "common_password",
            "is one of the most common passwords, the first an attacker tries; choose another",
        )
    if _is_trivial(plain):
        raise PydanticCustomError(
            "trivial_password",
            "repeats or counts through a few characters (like aaaaaaaa or 12345678); "
            "choose another",
        )
    return password


# Every password a person chooses: at sign-up, on a change, on a reset, and for an admin.
NewPassword = Annotated[
    str, StringConstraints(min_length=8, max_length=128), AfterValidator(_not_guessable)
]
