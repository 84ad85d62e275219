"""What Meta's webhook POSTs mean: signature, statuses and inbound messages.

Shape (Graph API v2x): ``{"object": "whatsapp_business_account", "entry": [{"id": WABA,
"changes": [{"field": "messages", "value": {"metadata": {"phone_number_id": …},
"statuses": [{"id": wamid, "status", "timestamp", "recipient_id", "biz_opaque_callback_data",
"errors": [{"code", "title", "message", "error_data": {"details"}}]}],
"messages": [{"from", "id", "timestamp", "type", "text": {"body"}}]}}]}]}``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from payam.providers.cloud.graph import explain
from payam.providers.cloud.repository import InboxEntry

SIGNATURE_PREFIX = "sha256="
STATUSES = frozenset({"sent", "delivered", "read", "failed"})
_KEY_LENGTH = 191


def signature_for(body: bytes, app_secret: str) -> str:
    """The ``X-Hub-Signature-256`` header Meta sends with ``body``."""
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def signature_matches(body: bytes, header: str, app_secret: str) -> bool:
    """Constant-time comparison of the header with the body's HMAC."""
    return hmac.compare_digest(signature_for(body, app_secret).encode(), header.strip().encode())


def _key(*parts: str) -> str:
    key = ":".join(parts)
    if len(key) > _KEY_LENGTH:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key


def _at(raw: object, default: datetime) -> datetime:
    try:
        return datetime.fromtimestamp(int(str(raw)), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return default


def _dicts(value: object) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, dict))


def _status_error(status: dict[str, Any]) -> tuple[int | None, str | None]:
    """A failed status's error code and the reason a user reads."""
    for error in _dicts(status.get("errors")):
        data = error.get("error_data")
        details = data.get("details") if isinstance(data, dict) else None
        message = str(details or error.get("message") or error.get("title") or "")
        code = error.get("code")
        code_number = int(code) if isinstance(code, int | str) and str(code).isdigit() else None
        prefix = f"({code_number}) " if code_number is not None else ""
        return code_number, explain(code_number, f"{prefix}{message}".strip())[:1000]
    return None, None


def _text_of(message: dict[str, Any]) -> str:
    for field, key in (("text", "body"), ("button", "text")):
        part = message.get(field)
        if isinstance(part, dict) and isinstance(part.get(key), str):
            return str(part[key])
    interactive = message.get("interactive")
    if isinstance(interactive, dict):
        for field in ("button_reply", "list_reply"):
            part = interactive.get(field)
            if isinstance(part, dict) and isinstance(part.get("title"), str):
                return str(part["title"])
    return ""


def inbox_entries(body: object, *, phone_number_id: str, now: datetime) -> list[InboxEntry]:
    """The statuses and messages in a webhook body addressed to this phone number id.

    Anything else (another number's changes, other fields, unknown statuses) is left out: Meta
    only needs a 200 for it.
    """
    entries: list[InboxEntry] = []
    if not isinstance(body, dict):
        return entries
    for entry in _dicts(body.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if change.get("field") != "messages" or not isinstance(value, dict):
                continue
            metadata = value.get("metadata")
            if not isinstance(metadata, dict) or str(metadata.get("phone_number_id")) != (
                phone_number_id
            ):
                continue
            for status in _dicts(value.get("statuses")):
                name = status.get("status")
                wamid = status.get("id")
                if name not in STATUSES or not isinstance(wamid, str):
                    continue
                ours = status.get("biz_opaque_callback_data")
                recipient = status.get("recipient_id")
                code, reason = _status_error(status) if name == "failed" else (None, None)
                entries.append(
                    InboxEntry(
                        dedup_key=_key("status", wamid, str(name)),
                        kind="status",
                        status=str(name),
                        message_id=str(ours)[:128] if ours else None,
                        phone=f"+{recipient}"[:32] if recipient else None,
                        reason=reason,
                        error_code=code,
                        occurred_at=_at(status.get("timestamp"), now),
                    )
                )
            for message in _dicts(value.get("messages")):
                wamid = message.get("id")
                sender = message.get("from")
                if not isinstance(wamid, str) or not sender:
                    continue
                entries.append(
                    InboxEntry(
                        dedup_key=_key("message", wamid),
                        kind="message",
                        phone=f"+{sender}"[:32],
                        text=_text_of(message),
                        occurred_at=_at(message.get("timestamp"), now),
                    )
                )
    return entries
