"""A Cloud number's secrets at rest: sealed with Fernet, never shown again in full.

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
        self._fernet = MultiFernet(_keys(settings))

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken as error:
            raise CredentialUnreadable("no configured credential key opens this secret") from error

    def reseal(self, sealed: str) -> str:
        """The same secret under the first (newest) key."""
        return self._fernet.rotate(sealed.encode()).decode()


def masked(secret: str) -> str:
    """Enough to recognise a secret, never enough to use it: its last four characters."""
    return f"…{secret[-4:]}" if len(secret) >= 12 else "…"
