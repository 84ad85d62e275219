"""``/api/v1/ws``: each user's campaign counters and status changes, live.

The protocol, as a client sees it:

1. Connect. A browser is signed in by its ``payam_access`` cookie; the page's Origin must be
   the app's own (``PAYAM_PUBLIC_URL``) or one of ``PAYAM_CORS_ORIGINS``, and any other Origin
   is refused with HTTP 403 before the upgrade. A client without the cookie sends
   ``{"type": "auth", "token": "<access token>"}`` as its first message, within 10 s.
   Failing either, the server closes with code 4401 and the reason.
2. The server sends ``{"type": "snapshot", "campaigns": [...], "at": ...}``: the state of the
   user's newest 200 campaigns. It replaces whatever the client showed.
3. Then ``campaign.progress`` and ``campaign.status`` events, each with one campaign's whole
   state; a client keeps, per campaign, the state with the highest ``version`` (a number the
   database raises with every change of the campaign, so clocks do not matter). Another
   ``snapshot`` may come at any time (the client fell behind, or the servers lost touch).
4. ``{"type": "ping"}`` every 25 s; the client may send ``{"type": "ping"}`` and gets a pong.
5. A session that ends (signed out, revoked, its refresh token reused) is closed at once with
   4401; an account banned or deactivated, with 4403. Changes made straight in the database
   are noticed within a minute. The session outlives its access token, as the page refreshes
   that token over HTTP meanwhile.
6. One user may hold at most ``PAYAM_LIVE_MAX_CONNECTIONS_PER_USER`` sockets (20) open in one
   API process. One more is closed right after it signs in, before its snapshot, with 4429
   (``CLOSE_TOO_MANY_CONNECTIONS``) and a reason naming the limit: the newest is refused and
   the open ones are kept, so a page that opens sockets in a loop cannot push the others out.
   A client should not reconnect on 4429 until it has closed another socket.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import suppress
from dataclasses import dataclass
from urllib.parse import urlsplit

import structlog
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.applications import Starlette
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from payam.auth.cookies import ACCESS_COOKIE
from payam.auth.repository import AuthRepository
from payam.auth.service import AuthService, account_unavailable
from payam.config import Settings
from payam.db.session import transaction
from payam.kit.clock import utc_now
from payam.kit.errors import AccountUnavailable, NotAuthenticated
from payam.live.events import campaign_state
from payam.live.repository import LiveRepository
from payam.pubsub.hub import ACCESS_CHANGED, RESYNC, Event, LiveHub, event_text
from payam.runtime import Runtime

__all__ = [
    "CLOSE_FORBIDDEN",
    "CLOSE_GOING_AWAY",
    "CLOSE_NOT_AUTHENTICATED",
    "CLOSE_TOO_MANY_CONNECTIONS",
    "LiveOptions",
    "get_options",
    "origin_allowed",
    "router",
]

logger = structlog.get_logger(__name__)

router = APIRouter(tags=["live"])

CLOSE_NOT_AUTHENTICATED = 4401
# The account may not be used (banned, deactivated): signing in again will not help.
CLOSE_FORBIDDEN = 4403
# The user already has as many sockets open as a user may: close one before opening another.
CLOSE_TOO_MANY_CONNECTIONS = 4429
# The server is going away (shutdown): reconnect, to another process if need be.
CLOSE_GOING_AWAY = 1012
# A close frame's reason may hold at most 123 bytes.
_MAX_REASON_BYTES = 123
_MAX_CLIENT_MESSAGE = 8192
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


@dataclass(frozen=True, slots=True)
class LiveOptions:
    """The connection's timings; put another on ``app.state.live_options`` to change them."""

    auth_timeout_seconds: float = 10.0
    recheck_seconds: float = 60.0
    heartbeat_seconds: float = 25.0
    # A client that takes this long to accept one message is not reading: it is dropped.
    send_timeout_seconds: float = 30.0
    snapshot_limit: int = 200


def get_options(app: Starlette) -> LiveOptions:
    options = getattr(app.state, "live_options", None)
    return options if isinstance(options, LiveOptions) else LiveOptions()


def _origin(url: str) -> str | None:
    """scheme://host[:port], lower-cased, default port dropped; None when it is not a URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname
    if not scheme or not host:
        return None
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def origin_allowed(origin: str, settings: Settings) -> bool:
    """Whether a page from ``origin`` may open the socket: the app's own origin or a CORS one.

    Browsers send the session cookie with a WebSocket handshake from any page, and WebSockets
    are not subject to CORS, so without this check any site could read a signed-in user's
    campaigns (cross-site WebSocket hijacking). A ``*`` among the CORS origins is ignored here:
    a wildcard must not extend to the cookie.
    """
    candidate = _origin(origin)
    if candidate is None:
        return False
    allowed = {_origin(settings.public_url), *(_origin(o) for o in settings.cors_origins)}
    return candidate in allowed


@dataclass(frozen=True, slots=True)
class _Identity:
    user_id: int
    session_id: str


class _Refused(Exception):
    def __init__(self, reason: str, code: int = CLOSE_NOT_AUTHENTICATED) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _short_reason(reason: str) -> str:
    encoded = reason.encode()
    if len(encoded) <= _MAX_REASON_BYTES:
        return reason
    return encoded[: _MAX_REASON_BYTES - 3].decode("utf-8", "ignore") + "..."


async def _check_token(runtime: Runtime, token: str) -> _Identity:
    try:
        # The socket only ever reads: on SQLite its checks and snapshots take the readers' pool
        # (decision 8), so a thousand sockets do not queue on the dispatcher's one writer.
        async with transaction(runtime.read_sessionmaker) as session:
            service = AuthService(session, settings=runtime.settings, limiter=runtime.rate_limiter)
            principal = await service.authenticate(token)
            return _Identity(principal.user.id, principal.session.id)
    except (NotAuthenticated, AccountUnavailable) as error:
        raise _Refused(error.detail) from None


async def _first_message_token(websocket: WebSocket, seconds: float) -> str:
    try:
        async with asyncio.timeout(seconds):
            message = await websocket.receive()
    except TimeoutError:
        raise _Refused(f"Send {{'type': 'auth', 'token': ...}} within {seconds:g} s") from None
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    text = message.get("text")
    try:
        payload = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        payload = None
    token = payload.get("token") if isinstance(payload, dict) else None
    if not (
        isinstance(payload, dict)
        and payload.get("type") == "auth"
        and isinstance(token, str)
        and token
    ):
        raise _Refused("The first message must be {'type': 'auth', 'token': ...}")
    return token


async def _authenticate(websocket: WebSocket, runtime: Runtime, options: LiveOptions) -> _Identity:
    cookie_token = websocket.cookies.get(ACCESS_COOKIE)
    if cookie_token:
        # The Origin was checked before the upgrade; the cookie alone decides, so that a page
        # with an expired cookie learns it at once (and refreshes) rather than after a timeout.
        return await _check_token(runtime, cookie_token)
    return await _check_token(
        runtime, await _first_message_token(websocket, options.auth_timeout_seconds)
    )


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    if websocket.application_state is not WebSocketState.CONNECTED:
        return
    # The client may be gone already.
    with suppress(WebSocketDisconnect, RuntimeError, OSError):
        await websocket.close(code, _short_reason(reason))


@router.websocket("/ws", name="live")
async def live(websocket: WebSocket) -> None:
    runtime: Runtime = websocket.app.state.runtime
    options = get_options(websocket.app)
    origin = websocket.headers.get("origin")
    # No Origin: not a browser (browsers always send it on a WebSocket handshake), so no
    # hijacking to fear; such a client may use the cookie too.
    if origin is not None and not origin_allowed(origin, runtime.settings):
        logger.info("live_origin_refused", origin=origin[:200])
        await _deny(websocket, f"WebSocket connections from {origin[:200]} are not allowed")
        return
    await websocket.accept()
    try:
        identity = await _authenticate(websocket, runtime, options)
    except _Refused as refused:
        await _close(websocket, refused.code, refused.reason)
        return
    except WebSocketDisconnect:
        return
    except Exception:
        # The database is down, say: the client learns to retry rather than see a dead socket.
        logger.exception("live_authentication_failed")
        await _close(websocket, 1011, "Internal error; reconnect")
        return
    connection = _Connection(websocket, runtime, options, identity)
    await connection.serve(runtime.hub)


async def _deny(websocket: WebSocket, detail: str) -> None:
    body = {
        "type": "https://payam.app/problems/forbidden",
        "title": "You are not allowed to do this",
        "status": 403,
        "detail": detail,
    }
    if "websocket.http.response" in (websocket.scope.get("extensions") or {}):
        response = JSONResponse(body, status_code=403, media_type="application/problem+json")
        await websocket.send_denial_response(response)
    else:
        # A plain 403 without the body.
        await websocket.close()


class _Connection:
    """One authenticated socket: snapshot, then events, heartbeats and re-checks until it ends."""

    def __init__(
        self, websocket: WebSocket, runtime: Runtime, options: LiveOptions, identity: _Identity
    ) -> None:
        self.websocket = websocket
        self.runtime = runtime
        self.options = options
        self.identity = identity
        # One sender at a time: the event loop, the heartbeat and the pong share the socket.
        self._send_lock = asyncio.Lock()
        # campaign id -> version of the newest state this client was sent.
        self._latest: dict[int, int] = {}

    async def serve(self, hub: LiveHub) -> None:
        user_id = self.identity.user_id
        log = logger.bind(user_id=user_id)
        limit = self.runtime.settings.live_max_connections_per_user
        # Counted and joined with no await between: two sockets racing in cannot both slip in.
        if hub.listener_count(user_id) >= limit:
            log.info("live_too_many_connections", limit=limit)
            await _close(
                self.websocket,
                CLOSE_TOO_MANY_CONNECTIONS,
                f"Too many live connections: at most {limit} per user; close another first",
            )
            return
        try:
            # Subscribed before the snapshot is read: a change committed in between is then
            # both in the snapshot and queued, rather than in neither.
            async with hub.subscribe(user_id) as events:
                await self._send_snapshot()
                close = await self._run_until_first_ends(events)
        except (WebSocketDisconnect, TimeoutError, OSError):
            # Gone, or not reading (a send timed out): nothing more can reach it.
            log.debug("live_client_gone")
            return
        except Exception:
            log.exception("live_connection_failed")
            await _close(self.websocket, 1011, "Internal error; reconnect")
            return
        if close is not None:
            log.info("live_closed", code=close.code, reason=close.reason)
            await _close(self.websocket, close.code, close.reason)

    async def _run_until_first_ends(self, events: AsyncIterator[Event]) -> _Refused | None:
        # Two tasks per socket, not one per duty: an idle socket's memory is mostly its tasks'.
        tasks = [
            asyncio.create_task(self._deliver(events)),
            asyncio.create_task(self._read_client()),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        # Every task runs until the connection must end: a close to send, or an exception.
        return next(iter(done)).result()

    async def _send(self, message: Event) -> None:
        text = event_text(message)
        # The wait for the lock counts too: it is held by a send to the same stuck client.
        async with asyncio.timeout(self.options.send_timeout_seconds), self._send_lock:
            await self.websocket.send_text(text)

    async def _send_snapshot(self) -> None:
        async with transaction(self.runtime.read_sessionmaker) as session:
            campaigns = await LiveRepository(session).newest_states(
                self.identity.user_id, limit=self.options.snapshot_limit
            )
            states = [campaign_state(campaign) for campaign in campaigns]
        self._latest = {campaign.id: campaign.version for campaign in campaigns}
        await self._send({"type": "snapshot", "campaigns": states, "at": utc_now().isoformat()})

    def _is_stale(self, event: Event) -> bool:
        """Whether the client already has a newer state of this event's campaign.

        Events queued while the snapshot was read may predate it, and events of one campaign
        published by different processes may arrive out of order. Ordered by ``version``, which
        the database raises: the processes' clocks (``updated_at``) may disagree.
        """
        campaign_id = event.get("campaign_id")
        version = event.get("version")
        if not isinstance(campaign_id, int) or not isinstance(version, int):
            return False
        seen = self._latest.get(campaign_id)
        if seen is not None and version < seen:
            return True
        self._latest[campaign_id] = version
        return False

    async def _deliver(self, events: AsyncIterator[Event]) -> _Refused | None:
        """Events as they come; between them, a ping every ``heartbeat_seconds`` and a re-check
        of the session and the account every ``recheck_seconds``."""
        loop = asyncio.get_running_loop()
        next_ping = loop.time() + self.options.heartbeat_seconds
        next_check = loop.time() + self.options.recheck_seconds
        while True:
            if loop.time() >= next_ping:
                # Pings the page can see: the protocol's own pings are invisible to browser
                # scripts, and idle proxies drop silent connections.
                await self._send({"type": "ping", "at": utc_now().isoformat()})
                next_ping = loop.time() + self.options.heartbeat_seconds
            elif loop.time() >= next_check:
                # The session and the account, not the access token: the token expires every
                # few minutes while the page refreshes it over HTTP, but signing out or a ban
                # must end the socket too. Ends made through the API are announced
                # (ACCESS_CHANGED); this catches the rest.
                if (refused := await self._check_access()) is not None:
                    return refused
                next_check = loop.time() + self.options.recheck_seconds
            else:
                try:
                    async with asyncio.timeout_at(min(next_ping, next_check)):
                        event = await anext(events)
                except TimeoutError:
                    continue
                except StopAsyncIteration:
                    return _Refused("The server is shutting down; reconnect", CLOSE_GOING_AWAY)
                if (refused := await self._forward(event)) is not None:
                    return refused

    async def _forward(self, event: Event) -> _Refused | None:
        if event.get("type") == ACCESS_CHANGED:
            return await self._check_access()
        if event.get("type") == RESYNC:
            await self._send_snapshot()
        elif not self._is_stale(event):
            await self._send(event)
        return None

    async def _check_access(self) -> _Refused | None:
        async with transaction(self.runtime.read_sessionmaker) as session:
            found = await AuthRepository(session).get_session_and_user(
                self.identity.session_id, self.identity.user_id
            )
        if found is None:
            return _Refused("This session no longer exists; sign in again")
        auth_session, user = found
        if not user.is_active:
            return _Refused(account_unavailable(user).detail, CLOSE_FORBIDDEN)
        if auth_session.revoked_at is not None:
            return _Refused("This session has ended; sign in again")
        return None

    async def _read_client(self) -> _Refused | None:
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1000))
            text = message.get("text")
            if not isinstance(text, str) or len(text) > _MAX_CLIENT_MESSAGE:
                continue
            try:
                payload = json.loads(text)
            except ValueError:
                continue
            if isinstance(payload, dict) and payload.get("type") == "ping":
                await self._send({"type": "pong", "at": utc_now().isoformat()})
