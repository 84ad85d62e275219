"""/api/v1/ws over a real server: sign-in, the snapshot, events after commit, isolation, load."""

from __future__ import annotations

import asyncio
import json
import os
import socket
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from payam.auth.tokens import decode_access_token, issue_access_token
from payam.config import Settings
from payam.db.session import transaction
from payam.dispatch.repository import DispatchRepository
from payam.kit.clock import utc_now
from payam.live.events import (
    CAMPAIGN_PROGRESS,
    CAMPAIGN_STATUS,
    campaign_event,
    publish_campaign_after_commit,
)
from payam.live.router import (
    CLOSE_FORBIDDEN,
    CLOSE_GOING_AWAY,
    CLOSE_NOT_AUTHENTICATED,
    CLOSE_TOO_MANY_CONNECTIONS,
    origin_allowed,
)
from payam.models import Campaign, CampaignStatus, RecipientStatus, User, UserStatus
from payam.pubsub.hub import publish_after_commit
from tests.live.conftest import (
    APP_ORIGIN,
    SECOND_USER,
    WAIT,
    HookedHub,
    LiveServer,
    add_campaign,
    close_of,
    receive,
    user_with_token,
)
from tests.support import PASSWORD, bearer, login, register, signed_in_admin


async def snapshot_of(websocket: ClientConnection) -> list[dict[str, Any]]:
    message = await receive(websocket)
    assert message["type"] == "snapshot", message
    campaigns: list[dict[str, Any]] = message["campaigns"]
    return campaigns


async def watching_a_campaign(
    server: LiveServer, *, total_recipients: int
) -> tuple[int, Campaign, ClientConnection]:
    """A user with one campaign, and a socket of theirs past its snapshot."""
    user_id, token = await user_with_token(server)
    campaign = await add_campaign(server.runtime, user_id, total_recipients=total_recipients)
    websocket = await server.connect(token=token)
    await snapshot_of(websocket)
    return user_id, campaign, websocket


# --- Signing in ---------------------------------------------------------------------------


async def test_a_token_in_the_first_message_signs_in_and_brings_the_snapshot(
    live_server: LiveServer,
) -> None:
    user_id, token = await user_with_token(live_server)
    old = await add_campaign(live_server.runtime, user_id, title="old")
    running = await add_campaign(
        live_server.runtime,
        user_id,
        status=CampaignStatus.PAUSED,
        status_reason="quota_exhausted",
        total_recipients=10,
        sending_count=1,
        sent_count=2,
        delivered_count=3,
        read_count=1,
        failed_count=1,
        skipped_count=1,
        unknown_count=0,
    )

    websocket = await live_server.connect(token=token)
    campaigns = await snapshot_of(websocket)

    assert [c["campaign_id"] for c in campaigns] == [running.id, old.id]
    newest = campaigns[0]
    assert newest["status"] == "PAUSED"
    assert newest["status_reason"] == "quota_exhausted"
    assert newest["counts"] == {
        "total": 10,
        "pending": 1,
        "sending": 1,
        "sent": 2,
        "delivered": 3,
        "read": 1,
        "failed": 1,
        "skipped": 1,
        "unknown": 0,
    }
    assert newest["updated_at"] == running.updated_at.isoformat()
    await websocket.close()


async def test_the_snapshot_holds_the_newest_200_campaigns(live_server: LiveServer) -> None:
    user_id, token = await user_with_token(live_server)
    async with transaction(live_server.runtime.sessionmaker) as session:
        session.add_all(
            Campaign(user_id=user_id, message=f"#{n}", status_reason=None) for n in range(205)
        )
    async with transaction(live_server.runtime.sessionmaker) as session:
        ids = (
            await session.scalars(
                select(Campaign.id).where(Campaign.user_id == user_id).order_by(Campaign.id)
            )
        ).all()

    websocket = await live_server.connect(token=token)
    campaigns = await snapshot_of(websocket)

    assert len(ids) == 205
    assert [c["campaign_id"] for c in campaigns] == list(reversed(ids))[:200]
    await websocket.close()


async def browser_cookie(server: LiveServer) -> tuple[int, str]:
    """Sign in as the SPA does (cookies) over HTTP to the same server; user id, access cookie."""
    async with server.http() as client:
        user = await register(client)
        response = await client.post(
            "/api/v1/auth/login",
            json={"login": "sara", "password": PASSWORD, "use_cookies": True},
        )
    assert response.status_code == 200, response.text
    assert response.json()["access_token"] is None
    cookie = response.cookies.get("payam_access")
    assert cookie
    return int(user["id"]), cookie


async def test_a_browser_signs_in_with_its_cookie_from_the_apps_origin(
    live_server: LiveServer,
) -> None:
    user_id, cookie = await browser_cookie(live_server)
    campaign = await add_campaign(live_server.runtime, user_id)
    headers = {"Cookie": f"payam_access={cookie}"}

    from_the_app = await live_server.connect(headers={**headers, "Origin": APP_ORIGIN})
    # Without an Origin it is not a browser, so not a hijack: the cookie is good there too.
    not_a_browser = await live_server.connect(headers=headers)

    for websocket in (from_the_app, not_a_browser):
        assert [c["campaign_id"] for c in await snapshot_of(websocket)] == [campaign.id]
    await from_the_app.close()
    await not_a_browser.close()


async def test_another_sites_page_is_refused_before_the_upgrade(live_server: LiveServer) -> None:
    _, cookie = await browser_cookie(live_server)

    with pytest.raises(InvalidStatus) as with_cookie:
        await live_server.connect(
            headers={"Cookie": f"payam_access={cookie}", "Origin": "https://evil.example"}
        )
    # Such a page may not use the socket at all, as CORS keeps it from the HTTP API.
    with pytest.raises(InvalidStatus) as without_cookie:
        await live_server.connect(headers={"Origin": "https://evil.example"})

    for refused in (with_cookie, without_cookie):
        response = refused.value.response
        assert response.status_code == 403
        assert b"https://evil.example" in response.body


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://payam.example", True),
        ("HTTPS://Payam.Example:443", True),
        ("http://localhost:5173", True),
        ("http://payam.example", False),
        ("https://payam.example:8443", False),
        ("https://payam.example.evil.com", False),
        # "*" in the CORS origins does not open the socket to every page.
        ("https://any.example", False),
        ("null", False),
        ("", False),
        ("https://x.example:99999", False),
    ],
)
def test_origins_are_compared_as_origins(origin: str, allowed: bool) -> None:
    settings = Settings(
        _env_file=None,
        public_url="https://payam.example/app/",
        cors_origins=["http://localhost:5173", "*"],
    )

    assert origin_allowed(origin, settings) is allowed


async def test_a_bad_or_expired_token_is_closed_with_4401(live_server: LiveServer) -> None:
    user_id, token = await user_with_token(live_server)
    claims = decode_access_token(token, signing_key=live_server.runtime.settings.signing_key)
    expired = issue_access_token(
        user_id=user_id,
        session_id=claims.session_id,
        signing_key=live_server.runtime.settings.signing_key,
        lifetime=timedelta(seconds=-1),
    ).token

    for bad, reason in ((token[:-4] + "AAAA", "not valid"), (expired, "expired")):
        websocket = await live_server.connect(token=bad)
        code, why = await close_of(websocket)
        assert code == CLOSE_NOT_AUTHENTICATED
        assert why is not None
        assert reason in why

    stale_cookie = await live_server.connect(headers={"Cookie": f"payam_access={expired}"})
    assert (await close_of(stale_cookie))[0] == CLOSE_NOT_AUTHENTICATED


@pytest.mark.parametrize(
    "first",
    [json.dumps({"type": "hello"}), json.dumps({"type": "auth"}), "not json", b"\x00binary"],
)
async def test_a_first_message_that_is_not_auth_is_closed_with_4401(
    live_server: LiveServer, first: str | bytes
) -> None:
    websocket = await live_server.connect()
    await websocket.send(first)

    code, reason = await close_of(websocket)

    assert code == CLOSE_NOT_AUTHENTICATED
    assert reason is not None
    assert "auth" in reason


async def test_silence_is_closed_with_4401_after_the_auth_timeout(
    live_server: LiveServer,
) -> None:
    live_server.set_options(auth_timeout_seconds=0.2)
    websocket = await live_server.connect()

    code, reason = await close_of(websocket)

    assert code == CLOSE_NOT_AUTHENTICATED
    assert reason is not None
    assert "0.2 s" in reason


async def test_a_ban_or_a_sign_out_ends_an_open_socket(live_server: LiveServer) -> None:
    live_server.set_options(recheck_seconds=0.05)
    sara_id, sara_token = await user_with_token(live_server)
    _, omid_token = await user_with_token(live_server, **SECOND_USER)
    sara = await live_server.connect(token=sara_token)
    omid = await live_server.connect(token=omid_token)
    await snapshot_of(sara)
    await snapshot_of(omid)

    async with transaction(live_server.runtime.sessionmaker) as session:
        (await session.get_one(User, sara_id)).status = UserStatus.BANNED
    async with live_server.http() as client:
        signed_out = await client.post(
            "/api/v1/auth/logout", headers=bearer({"access_token": omid_token})
        )
    assert signed_out.status_code == 204

    assert await close_of(sara) == (CLOSE_FORBIDDEN, "This account is banned; contact support")
    assert await close_of(omid) == (
        CLOSE_NOT_AUTHENTICATED,
        "This session has ended; sign in again",
    )


async def test_a_ban_or_a_revoked_session_through_the_api_closes_sockets_at_once(
    live_server: LiveServer,
) -> None:
    # The periodic check is a minute away (TEST_OPTIONS): only the announcement can close them.
    sara_id, sara_token = await user_with_token(live_server)
    omid_id, omid_token = await user_with_token(live_server, **SECOND_USER)
    async with live_server.http() as client:
        admin = bearer(await signed_in_admin(client, live_server.runtime))
        omid_second_device = await login(client, "omid")
    sara = await live_server.connect(token=sara_token)
    omid = await live_server.connect(token=omid_token)
    omid_elsewhere = await live_server.connect(token=omid_second_device["access_token"])
    for websocket in (sara, omid, omid_elsewhere):
        await snapshot_of(websocket)

    async with live_server.http() as client:
        banned = await client.put(
            f"/api/v1/admin/users/{sara_id}/status",
            json={"status": "BANNED", "reason": "spam"},
            headers=admin,
        )
        assert banned.status_code == 200, banned.text
        sessions = await client.get("/api/v1/users/me/sessions", headers=bearer(omid_second_device))
        first_device = next(row for row in sessions.json() if not row["current"])
        revoked = await client.delete(
            f"/api/v1/users/me/sessions/{first_device['id']}", headers=bearer(omid_second_device)
        )
        assert revoked.status_code == 204, revoked.text

    assert await close_of(sara) == (CLOSE_FORBIDDEN, "This account is banned; contact support")
    assert await close_of(omid) == (
        CLOSE_NOT_AUTHENTICATED,
        "This session has ended; sign in again",
    )
    # Omid's other device stays connected and keeps hearing his events.
    await live_server.hub.publish(omid_id, {"type": "marker"})
    assert await receive(omid_elsewhere) == {"type": "marker"}
    await omid_elsewhere.close()


# --- Events ---------------------------------------------------------------------------------


class Boom(Exception):
    pass


async def fail_after_publishing(server: LiveServer, user_id: int, campaign_id: int) -> None:
    async with transaction(server.runtime.sessionmaker) as session:
        row = await session.get_one(Campaign, campaign_id)
        row.status = CampaignStatus.FAILED
        publish_campaign_after_commit(session, server.hub, row, type=CAMPAIGN_STATUS)
        publish_after_commit(session, server.hub, user_id, {"type": "marker", "n": "rolled back"})
        raise Boom


async def test_an_event_is_sent_after_its_commit_and_never_after_a_rollback(
    live_server: LiveServer,
) -> None:
    runtime, hub = live_server.runtime, live_server.hub
    user_id, token = await user_with_token(live_server)
    campaign = await add_campaign(
        runtime, user_id, status=CampaignStatus.RUNNING, total_recipients=10
    )
    websocket = await live_server.connect(token=token)
    await snapshot_of(websocket)

    async with transaction(runtime.sessionmaker) as session:
        row = await session.get_one(Campaign, campaign.id)
        row.sent_count = 4
        publish_campaign_after_commit(session, hub, row, type=CAMPAIGN_PROGRESS)
        # Published at once, inside the transaction: it must overtake the campaign's event.
        await hub.publish(user_id, {"type": "marker", "n": 1})
        row.delivered_count = 1  # A later change of the same transaction is in the event too.

    assert await receive(websocket) == {"type": "marker", "n": 1}
    progress = await receive(websocket)
    assert progress["type"] == CAMPAIGN_PROGRESS
    assert progress["campaign_id"] == campaign.id
    assert progress["counts"]["sent"] == 4
    assert progress["counts"]["delivered"] == 1
    assert progress["counts"]["pending"] == 5
    assert progress["updated_at"] > campaign.updated_at.isoformat()

    with pytest.raises(Boom):
        await fail_after_publishing(live_server, user_id, campaign.id)
    async with transaction(runtime.sessionmaker) as session:
        publish_after_commit(session, hub, user_id, {"type": "marker", "n": 2})

    # Had anything of the rolled-back transaction been sent, it would come first.
    assert await receive(websocket) == {"type": "marker", "n": 2}
    await websocket.close()


async def test_a_refresh_after_commit_sees_counters_changed_in_bulk(
    live_server: LiveServer,
) -> None:
    runtime, hub = live_server.runtime, live_server.hub
    _, campaign, websocket = await watching_a_campaign(live_server, total_recipients=3)

    async with transaction(runtime.sessionmaker) as session:
        row = await session.get_one(Campaign, campaign.id)
        # As a dispatcher counts: in SQL, leaving the loaded object behind.
        await session.execute(
            update(Campaign)
            .where(Campaign.id == campaign.id)
            .values(failed_count=Campaign.failed_count + 2)
            .execution_options(synchronize_session=False)
        )
        assert row.failed_count == 0
        publish_campaign_after_commit(session, hub, row, type=CAMPAIGN_PROGRESS, refresh=True)

    event = await receive(websocket)
    assert event["counts"]["failed"] == 2
    assert event["counts"]["pending"] == 1
    await websocket.close()


async def test_each_user_hears_only_their_own_campaigns(live_server: LiveServer) -> None:
    runtime, hub = live_server.runtime, live_server.hub
    sara_id, sara_token = await user_with_token(live_server)
    omid_id, omid_token = await user_with_token(live_server, **SECOND_USER)
    saras = await add_campaign(runtime, sara_id, title="sara's")
    omids = await add_campaign(runtime, omid_id, title="omid's")
    sara = await live_server.connect(token=sara_token)
    omid = await live_server.connect(token=omid_token)

    assert [c["campaign_id"] for c in await snapshot_of(sara)] == [saras.id]
    assert [c["campaign_id"] for c in await snapshot_of(omid)] == [omids.id]

    await hub.publish(omid_id, campaign_event(omids, type=CAMPAIGN_PROGRESS))
    await hub.publish(sara_id, campaign_event(saras, type=CAMPAIGN_PROGRESS))

    # Omid's event was published first: had it leaked to Sara, she would see it first.
    assert (await receive(sara))["campaign_id"] == saras.id
    assert (await receive(omid))["campaign_id"] == omids.id
    await hub.publish(omid_id, {"type": "marker"})
    assert await receive(omid) == {"type": "marker"}
    await sara.close()
    await omid.close()


async def test_an_older_state_than_the_client_has_is_not_sent(live_server: LiveServer) -> None:
    hub = live_server.hub
    user_id, campaign, websocket = await watching_a_campaign(live_server, total_recipients=5)
    event = campaign_event(campaign, type=CAMPAIGN_PROGRESS)
    older = {**event, "version": campaign.version - 1}
    newer = {**event, "version": campaign.version + 1}

    await hub.publish(user_id, older)
    await hub.publish(user_id, newer)
    await hub.publish(user_id, older)
    await hub.publish(user_id, {"type": "marker"})

    assert await receive(websocket) == newer
    assert await receive(websocket) == {"type": "marker"}
    await websocket.close()


async def test_a_resync_from_the_hub_sends_a_fresh_snapshot(live_server: LiveServer) -> None:
    runtime, hub = live_server.runtime, live_server.hub
    user_id, token = await user_with_token(live_server)
    websocket = await live_server.connect(token=token)
    assert await snapshot_of(websocket) == []
    # Committed without an event, as if the event had been lost.
    campaign = await add_campaign(runtime, user_id)

    await hub.publish(user_id, {"type": "resync"})

    assert [c["campaign_id"] for c in await snapshot_of(websocket)] == [campaign.id]
    await websocket.close()


async def test_a_change_racing_the_connection_is_in_its_snapshot(
    live_server: LiveServer,
) -> None:
    runtime, hub = live_server.runtime, live_server.hub
    user_id, token = await user_with_token(live_server)
    campaign = await add_campaign(runtime, user_id, total_recipients=5)

    async def send_one() -> None:
        async with transaction(runtime.sessionmaker) as session:
            row = await session.get_one(Campaign, campaign.id)
            row.sent_count += 1
            publish_campaign_after_commit(session, hub, row, type=CAMPAIGN_PROGRESS)

    live_server.hub = HookedHub(hub, before_subscribe=send_one)
    websocket = await live_server.connect(token=token)

    # Read before subscribing, the snapshot would miss the change, and its event would be gone.
    [state] = await snapshot_of(websocket)
    assert state["counts"]["sent"] == 1
    await websocket.close()


async def test_heartbeats_and_pongs(live_server: LiveServer) -> None:
    live_server.set_options(heartbeat_seconds=0.05)
    _, token = await user_with_token(live_server)
    websocket = await live_server.connect(token=token)
    await snapshot_of(websocket)

    assert (await receive(websocket, skip_pings=False))["type"] == "ping"
    await websocket.send(json.dumps({"type": "ping"}))
    assert (await receive(websocket))["type"] == "pong"
    await websocket.close()


async def test_closing_the_hub_tells_clients_to_reconnect(live_server: LiveServer) -> None:
    _, token = await user_with_token(live_server)
    websocket = await live_server.connect(token=token)
    await snapshot_of(websocket)

    await live_server.hub.close()

    code, _ = await close_of(websocket)
    assert code == CLOSE_GOING_AWAY


# --- Load -----------------------------------------------------------------------------------


async def test_a_client_that_stops_reading_holds_up_no_one(live_server: LiveServer) -> None:
    live_server.set_options(send_timeout_seconds=1.0)
    hub = HookedHub(live_server.hub)
    live_server.hub = hub
    user_id, token = await user_with_token(live_server)
    # A tiny receive window, so that the server's sends to it soon stall rather than vanish
    # into kernel buffers.
    stuck_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    stuck_socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stuck_socket.setblocking(False)
    await asyncio.get_running_loop().sock_connect(
        stuck_socket, ("127.0.0.1", int(live_server.base_url.rsplit(":", 1)[1]))
    )
    stuck = await connect(
        live_server.ws_url, sock=stuck_socket, proxy=None, compression=None, max_queue=1
    )
    await stuck.send(json.dumps({"type": "auth", "token": token}))
    await snapshot_of(stuck)
    reader = await live_server.connect(token=token)
    await snapshot_of(reader)
    padding = os.urandom(8192).hex()  # 16 KiB that no compression can shrink

    async with asyncio.timeout(60):
        for n in range(640):  # 10 MiB: more than the kernel buffers on both ends hold
            await hub.publish(user_id, {"type": "marker", "n": n, "pad": padding})
            # In step with the reader: a stall anywhere upstream of it would stop the test here.
            assert (await receive(reader))["n"] == n

    # The stuck client was dropped once a send to it had waited for a second; well before
    # the server's protocol pings (every 20 s) would have found it unresponsive.
    async with asyncio.timeout(10):
        assert await hub.ended.get() == user_id
    assert hub.listener_count(user_id) == 1
    await hub.publish(user_id, {"type": "marker", "n": "still there"})
    assert (await receive(reader))["n"] == "still there"
    # Not read to the end: through a 4 KiB window, megabytes take a while.
    stuck.transport.abort()
    await reader.close()


async def test_two_hundred_clients_of_one_user_each_get_every_event(
    live_server: LiveServer,
) -> None:
    allow_connections(live_server, 200)
    user_id, token = await user_with_token(live_server)
    campaign = await add_campaign(live_server.runtime, user_id, total_recipients=1000)
    state = campaign_event(campaign, type=CAMPAIGN_PROGRESS)
    events = [{**state, "n": n, "version": campaign.version + n} for n in range(25)]

    async with asyncio.timeout(120):
        clients = await asyncio.gather(*(live_server.connect(token=token) for _ in range(200)))
        snapshots = await asyncio.gather(*(snapshot_of(client) for client in clients))
        assert all(len(snapshot) == 1 for snapshot in snapshots)
        for event in events:
            await live_server.hub.publish(user_id, event)

        async def every_event(client: ClientConnection) -> list[int]:
            return [(await receive(client))["n"] for _ in events]

        received = await asyncio.gather(*(every_event(client) for client in clients))
        assert received == [list(range(len(events)))] * 200
        await asyncio.gather(*(client.close() for client in clients))


def allow_connections(server: LiveServer, limit: int) -> None:
    runtime = server.runtime
    runtime.settings = runtime.settings.model_copy(update={"live_max_connections_per_user": limit})


async def test_one_connection_over_the_users_limit_is_refused_with_4429(
    live_server: LiveServer,
) -> None:
    allow_connections(live_server, 2)
    hub = live_server.hub = HookedHub(live_server.hub)
    user_id, token = await user_with_token(live_server)
    _, others_token = await user_with_token(live_server, **SECOND_USER)
    first = await live_server.connect(token=token)
    second = await live_server.connect(token=token)
    await snapshot_of(first)
    await snapshot_of(second)

    third = await live_server.connect(token=token)
    code, reason = await close_of(third)

    # The newest is refused; the open ones go on hearing events.
    assert code == CLOSE_TOO_MANY_CONNECTIONS
    assert reason is not None
    assert "at most 2" in reason
    await hub.publish(user_id, {"type": "marker"})
    assert await receive(first) == {"type": "marker"}
    assert await receive(second) == {"type": "marker"}
    # The limit is per user: someone else still connects.
    others = await live_server.connect(token=others_token)
    assert (await receive(others))["type"] == "snapshot"
    # A socket closed makes room for one more.
    await first.close()
    async with asyncio.timeout(WAIT):
        assert await hub.ended.get() == user_id
    again = await live_server.connect(token=token)
    assert (await receive(again))["type"] == "snapshot"
    for websocket in (second, others, again):
        await websocket.close()


async def test_states_are_ordered_by_the_database_not_by_the_processes_clocks(
    live_server: LiveServer,
) -> None:
    runtime, hub = live_server.runtime, live_server.hub
    user_id, campaign, websocket = await watching_a_campaign(live_server, total_recipients=5)

    async def one_more_sent(*, clock_behind: timedelta | None = None) -> None:
        async with transaction(runtime.sessionmaker) as session:
            if clock_behind is None:
                # The engine's own bulk UPDATE of counters.
                await DispatchRepository(session).bump_counters(
                    {campaign.id: Counter({RecipientStatus.SENT: 1})}
                )
            else:
                # Another API process whose clock is an hour behind stamps the row.
                await session.execute(
                    update(Campaign)
                    .where(Campaign.id == campaign.id)
                    .values(sent_count=Campaign.sent_count + 1, updated_at=utc_now() - clock_behind)
                )
            row = await session.get_one(Campaign, campaign.id)
            publish_campaign_after_commit(session, hub, row, type=CAMPAIGN_PROGRESS, refresh=True)

    await one_more_sent()
    first = await receive(websocket)
    await one_more_sent(clock_behind=timedelta(hours=1))
    second = await receive(websocket)
    # The first state arriving again late (another process's slow publish) is not shown.
    await hub.publish(user_id, first)
    await hub.publish(user_id, {"type": "marker"})

    assert second["updated_at"] < first["updated_at"]
    assert [first["counts"]["sent"], second["counts"]["sent"]] == [1, 2]
    assert second["version"] > first["version"] > campaign.version
    assert await receive(websocket) == {"type": "marker"}
    await websocket.close()
