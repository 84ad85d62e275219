"""Secrets at rest (a Cloud number's tokens, a webhook endpoint's signing secret): sealed with
Fernet, opened only where they are used, never shown again in full.

The keys come from ``PAYAM_CREDENTIAL_KEYS`` (Fernet keys, comma-separated: the first seals,
every one opens, so a key is rotated by putting the new one first). Without it, one key is derived
from the signing key, which is enough for one deployment that never rotates.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from payam.config import Settings


class CredentialUnreadable(Exception):
    """No configured key opens this secret (a key was removed before the secret was resealed)."""


def _keys(settings: Settings) -> list[Fernet]:
    if settings.credential_keys is not None:
        raw = settings.credential_keys.get_secret_value()
        return [Fernet(key.strip().encode()) for key in raw.split(",") if key.strip()]
    digest = hashlib.sha256(b"payam-credentials:" + settings.signing_key.encode()).digest()
    return [Fernet(base64.urlsafe_b64encode(digest))]


class CredentialBox:
    def __init__(self, settings: Settings) -> None:
        keys = _keys(settings)
        self._newest = keys[0]
        self._fernet = MultiFernet(keys)

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken as error:
            raise CredentialUnreadable("no configured credential key opens this secret") from error

    def reseal(self, sealed: str) -> str:
        """The same secret under the first (newest) key."""
        try:
            return self._fernet.rotate(sealed.encode()).decode()
        except InvalidToken as error:
            raise CredentialUnreadable("no configured credential key opens this secret") from error

    def sealed_with_newest(self, sealed: str) -> bool:
        """Whether the first key opens it (``reseal`` would change nothing that matters)."""
        try:
            self._newest.decrypt(sealed.encode())
        except InvalidToken:
            return False
        return True
