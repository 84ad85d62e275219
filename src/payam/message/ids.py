"""Our own id for a message, chosen before it is sent, so that a receipt can settle a send whose
outcome a crash left unknown."""

from __future__ import annotations

import secrets


def new_message_id() -> str:
    # The shape of a WhatsApp Web message id: "3EB0" and upper-case hex.
    return "3EB0" + secrets.token_hex(10).upper()
