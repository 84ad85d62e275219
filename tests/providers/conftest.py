"""A small world for sandbox tests: providers as separate processes would hold them, listeners."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from random import Random
from typing import Any

import pytest

from payam.providers.base import (
    InboundMessage,
    OutgoingMessage,
    ProviderEvent,
    Receipt,
    ReceiptStatus,
    SenderIdentity,
)
from payam.providers.sandbox import SandboxProvider, SandboxSession
from payam.runtime import Runtime

SENDER = "+989900000001"

# Quiet defaults: every number on WhatsApp, nothing fails, no receipt or reply within a test
# unless the test asks for it.
QUIET = {
    "sandbox_latency_ms": 0,
    "sandbox_failure_rate": 0.0,
    "sandbox_not_on_whatsapp_rate": 0.0,
    "sandbox_delivery_seconds": 3600.0,
    "sandbox_read_seconds": 3600.0,
    "sandbox_reply_rate": 0.0,
    "sandbox_opt_out_rate": 0.0,
}


def identity(phone: str | None = SENDER, *, sender_id: int = 1) -> SenderIdentity:
    return SenderIdentity(sender_id=sender_id, phone=phone, provider_config={})


def recipients(count: int, *, start: int = 0) -> list[str]:
    return [f"+98912{number:07d}" for number in range(start, start + count)]


def message(to: str, number: int = 0, *, text: str | None = None) -> OutgoingMessage:
    return OutgoingMessage(to=to, text=text or f"Salam {number}", message_id=f"m-{to}-{number}")


@dataclass
class Listener:
    """Reads a session's events in the background, as the engine would, noting when each came
    and acknowledging it (the engine acknowledges once it has recorded them)."""

    session: SandboxSession
    events: list[tuple[float, ProviderEvent]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None

    def start(self) -> Listener:
        self.task = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        async for event in self.session.events():
            arrived = time.monotonic()
            await self.session.acknowledge([event])
            # Noted once acknowledged, so a test that saw it may look for it in the ledger.
            self.events.append((arrived, event))

    def receipts(self, status: ReceiptStatus) -> list[str]:
        return [
            event.message_id
            for _, event in self.events
            if isinstance(event, Receipt) and event.status is status
        ]

    def inbound(self) -> list[InboundMessage]:
        return [event for _, event in self.events if isinstance(event, InboundMessage)]

    def arrival(self, message_id: str, status: ReceiptStatus) -> float:
        return next(
            at
            for at, event in self.events
            if isinstance(event, Receipt)
            and event.message_id == message_id
            and event.status is status
        )

    async def stop(self) -> None:
        await self.session.close()
        if self.task is not None:
            await asyncio.wait_for(self.task, timeout=5)


class SandboxWorld:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.sessions: list[SandboxSession] = []
        self.listeners: list[Listener] = []

    def provider(
        self,
        *,
        seed: int = 7,
        poll_seconds: float = 0.02,
        batch_size: int = 500,
        **settings: Any,
    ) -> SandboxProvider:
        """A provider as one process would hold it; two calls are two processes."""
        return SandboxProvider(
            sessionmaker=self.runtime.sessionmaker,
            settings=self.runtime.settings.model_copy(update={**QUIET, **settings}),
            random=Random(seed),
            poll_seconds=poll_seconds,
            batch_size=batch_size,
        )

    async def open(self, provider: SandboxProvider, phone: str = SENDER) -> SandboxSession:
        session = await provider.open(identity(phone))
        self.sessions.append(session)
        return session

    def listen(self, session: SandboxSession) -> Listener:
        listener = Listener(session).start()
        self.listeners.append(listener)
        return listener

    async def close(self) -> None:
        for listener in self.listeners:
            await listener.stop()
        for session in self.sessions:
            await session.close()


@pytest.fixture
async def world(runtime: Runtime) -> AsyncIterator[SandboxWorld]:
    world = SandboxWorld(runtime)
    try:
        yield world
    finally:
        await world.close()
