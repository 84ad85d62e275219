"""A webhook receiver on loopback, as a customer's system would run one: it checks each
delivery's signature and timestamp the way docs/api.md shows, and answers as told."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response

from tests.support import served

TOLERANCE_SECONDS = 5 * 60


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The receiver's check, written from the Standard Webhooks text, not from Payam's code."""
    message_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        hmac.compare_digest(expected, part.removeprefix("v1,"))
        for part in headers["webhook-signature"].split()
        if part.startswith("v1,")
    )


@dataclass
class Received:
    message_id: str
    body: dict[str, Any]
    signed: bool
    host: str

    @property
    def types(self) -> list[str]:
        return [event["type"] for event in self.body["events"]]


@dataclass
class Receiver:
    url: str = ""
    secret: str = ""
    received: list[Received] = field(default_factory=list)
    # What to answer next, in order: a status code, ("hang", seconds) or ("redirect", url).
    plan: list[Any] = field(default_factory=list)
    hits: int = 0
    # Every delivery taken, as it came: its headers and raw body.
    raw: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def events(self) -> list[dict[str, Any]]:
        return [event for delivery in self.received for event in delivery.body["events"]]

    def types(self) -> list[str]:
        return [event["type"] for event in self.events()]

    async def handle(self, request: Request) -> Response:
        self.hits += 1
        body = await request.body()
        answer = self.plan.pop(0) if self.plan else 204
        if isinstance(answer, tuple) and answer[0] == "hang":
            # Longer than the sender waits: it has given up, so this one is not counted.
            await asyncio.sleep(answer[1])
            return Response(status_code=204)
        if isinstance(answer, tuple) and answer[0] == "redirect":
            return Response(status_code=307, headers={"location": answer[1]})
        if 200 <= answer < 300:
            headers = {key.lower(): value for key, value in request.headers.items()}
            self.raw.append((headers, body))
            self.received.append(
                Received(
                    message_id=headers["webhook-id"],
                    body=json.loads(body),
                    signed=verify(self.secret, headers, body),
                    host=headers["host"],
                )
            )
        return Response(status_code=answer, content=b"" if answer == 204 else b"noted")


@asynccontextmanager
async def receiving() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    app = FastAPI()
    app.add_api_route("/hook", receiver.handle, methods=["POST"])
    async with served(app) as address:
        receiver.url = f"http://{address}/hook"
        yield receiver
