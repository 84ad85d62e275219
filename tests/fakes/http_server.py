"""A real HTTP server on 127.0.0.1, in a thread, that records each request and answers as told."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    delay_seconds: float = 0.0

    @classmethod
    def of_json(cls, status: int, payload: object) -> Answer:
        return cls(status=status, body=json.dumps(payload, ensure_ascii=False).encode())


Responder = Callable[[ReceivedRequest], Answer]


@dataclass(frozen=True)
class FakeHttpServer:
    url: str
    received: list[ReceivedRequest]


@contextmanager
def serve_http(responder: Responder) -> Iterator[FakeHttpServer]:
    received: list[ReceivedRequest] = []
    stopping = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            request = ReceivedRequest(
                method=self.command,
                path=self.path,
                headers={name.lower(): value for name, value in self.headers.items()},
                body=self.rfile.read(length),
            )
            received.append(request)
            answer = responder(request)
            # Waiting on the event rather than sleeping lets the server stop while a slow
            # answer is still pending.
            if answer.delay_seconds and stopping.wait(answer.delay_seconds):
                return
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting, which is what a timeout test wants

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keeps test output free of access logs

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield FakeHttpServer(url=f"http://127.0.0.1:{server.server_port}", received=received)
    finally:
        stopping.set()
        server.shutdown()
        server.server_close()
        thread.join()
