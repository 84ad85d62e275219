"""Signatures in the Standard Webhooks scheme (the one Svix uses), so receivers can use its
libraries or the few lines in docs/api.md.

The signed content is ``{webhook-id}.{webhook-timestamp}.{body}``; the signature is HMAC-SHA256
under the endpoint's secret (the bytes base64-encoded after ``whsec_``), sent base64-encoded as
``webhook-signature: v1,<signature>``. A receiver refuses a timestamp more than five minutes
from its clock, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
TOLERANCE_SECONDS = 5 * 60


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(secret: str, *, message_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(
    secret: str, *, message_id: str, timestamp: int, body: str, previous: str | None = None
) -> dict[str, str]:
    """The headers of a delivery; signed by ``previous`` too while a rotated-out secret still
    counts (receivers accept any ``v1`` signature in the list that matches)."""
    signatures = [
        signature(key, message_id=message_id, timestamp=timestamp, body=body)
        for key in (secret, previous)
        if key is not None
    ]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signatures),
        "content-type": "application/json",
    }
