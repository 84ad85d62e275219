"""A Cloud number's secrets as the API shows them: sealed at rest (``payam.kit.credentials``),
recognisable by their last characters, never shown again in full."""

from __future__ import annotations


def masked(secret: str) -> str:
    """Enough to recognise a secret, never enough to use it: its last four characters."""
    return f"…{secret[-4:]}" if len(secret) >= 12 else "…"
