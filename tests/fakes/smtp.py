"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.support import free_port

_CODE = re.compile(r"\b(\d{6})\b")


@dataclass
class FakeMailbox:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)

    def clear(self) -> None:
        self.messages.clear()

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if message["To"] == address]

    def last_code_to(self, address: str) -> str:
        received = self.to(address)
        assert received, f"no e-mail reached {address}"
        body = received[-1].get_body(preferencelist=("plain",))
        assert body is not None
        found = _CODE.search(body.get_content())
        assert found, "the e-mail carries no six-digit code"
        return found.group(1)


class _Recorder:
    def __init__(self, mailbox: FakeMailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.mailbox.messages.append(parsed)
        return "250 Message accepted for delivery"


@contextmanager
def serve_smtp() -> Iterator[FakeMailbox]:
    mailbox = FakeMailbox(port=free_port())
    controller = Controller(_Recorder(mailbox), hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()
