"""Password hashing: argon2id for new hashes, bcrypt still accepted and upgraded on sign-in."""

from __future__ import annotations

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pwdlib.hashers.bcrypt import BcryptHasher

_password_hash = PasswordHash((Argon2Hasher(), BcryptHasher()))
# Verified against when the login names nobody, so that case takes as long as a wrong password.
_DUMMY_HASH = _password_hash.hash("payam-dummy-password")


def hash_password(password: str) -> str:
    return _password_hash.hash(password)


def verify_password(password: str, password_hash: str) -> tuple[bool, str | None]:
    """Return whether it matches, and a new hash when the stored one uses old parameters."""
    return _password_hash.verify_and_update(password, password_hash)


def burn_verification_time(password: str) -> None:
    _password_hash.verify(password, _DUMMY_HASH)
