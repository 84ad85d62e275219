"""Linking a WhatsApp Web number: QR codes to a real WebSocket client, pairing codes, codes that
run out, and unlinking that logs the device out."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import httpx
from sqlalchemy import update

from payam.db.session import transaction
from payam.dispatch.engine import Dispatcher
from payam.kit.clock import utc_now
from payam.models import Sender
from payam.runtime import Runtime
from tests.campaign_support import run_until
from tests.fakes.neonize import FakeWhatsAppWeb, stored_device
from tests.live.conftest import LiveServer, receive
from tests.providers.web.conftest import linking_client, start_linking
from tests.support import signed_up, wait_for


async def test_qr_codes_reach_the_live_socket_and_a_scan_links_the_number(
    live_server: LiveServer, world: FakeWhatsAppWeb, runtime: Runtime
) -> None:
    async with live_server.http() as client:
        _, tokens = await signed_up(client)
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        websocket = await live_server.connect(token=str(tokens["access_token"]))
        assert (await receive(websocket))["type"] == "snapshot"

        sender = await start_linking(client, headers)
        assert sender["status"] == "LINKING"
        assert sender["phone"] is None

        first = await receive(websocket)
        assert first["type"] == "sender.qr"
        assert first["sender_id"] == sender["id"]
        assert first["code"].startswith("2@")
        assert first["svg"].startswith("data:image/svg+xml")
        assert first["png"].startswith("data:image/png;base64,")
        shown = await client.get(f"/api/v1/senders/{sender['id']}/qr", headers=headers)
        assert shown.status_code == 200
        assert shown.json()["code"] == first["code"]

        linking = await linking_client(world)
        second_code = await world.new_qr(linking)
        second = await receive(websocket)
        assert second["code"] == second_code != first["code"]
        shown = await client.get(f"/api/v1/senders/{sender['id']}/qr", headers=headers)
        assert shown.json()["code"] == second_code  # each replaces the last

        device = await world.scan(linking, "989121112233")
        linked = await receive(websocket)
        assert linked == {**linked, "type": "sender.status", "status": "CONNECTED"}
        read = (await client.get(f"/api/v1/senders/{sender['id']}", headers=headers)).json()
        assert read["status"] == "CONNECTED"
        assert read["phone"] == "+989121112233"
        assert "device_jid" not in json.dumps(read)  # nothing of the device leaves the server
        # The linking connection lets go: only the worker holding the number connects now.
        await wait_for(lambda: not world.of_device(device), explain="never: the linker let go")
        await websocket.close()
        gone = await client.get(f"/api/v1/senders/{sender['id']}/qr", headers=headers)
        assert gone.status_code == 409


async def test_a_pairing_code_links_by_phone_number(
    client: httpx.AsyncClient, user: dict[str, str], world: FakeWhatsAppWeb
) -> None:
    sender = await start_linking(client, user)

    bad = await client.post(
        f"/api/v1/senders/{sender['id']}/pairing-code", json={"phone": "12"}, headers=user
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "phone"
    response = await client.post(
        f"/api/v1/senders/{sender['id']}/pairing-code",
        json={"phone": "09121112233"},
        headers=user,
    )

    assert response.status_code == 200, response.text
    assert response.json() == {"code": "ABCD1234"}
    linking = await linking_client(world)
    assert linking.pairing_phone == "989121112233"  # digits, no + (as whatsmeow wants)
    await world.scan(linking, "989121112233")
    read = (await client.get(f"/api/v1/senders/{sender['id']}", headers=user)).json()
    assert (read["status"], read["phone"]) == ("CONNECTED", "+989121112233")


async def test_when_codes_stop_the_number_says_why_and_links_again(
    client: httpx.AsyncClient, user: dict[str, str], world: FakeWhatsAppWeb
) -> None:
    sender = await start_linking(client, user)
    await world.codes_stop(await linking_client(world))

    read = (await client.get(f"/api/v1/senders/{sender['id']}", headers=user)).json()
    assert read["status"] == "DISCONNECTED"
    assert "QR" in read["status_reason"]
    refused = await client.post(
        f"/api/v1/senders/{sender['id']}/pairing-code", json={"phone": "09121112233"}, headers=user
    )
    assert refused.status_code == 409

    again = await client.post(f"/api/v1/senders/{sender['id']}/link", headers=user)
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "LINKING"
    await world.scan(await linking_client(world), "989121112233")
    read = (await client.get(f"/api/v1/senders/{sender['id']}", headers=user)).json()
    assert read["status"] == "CONNECTED"


async def test_whatsapp_out_of_reach_while_linking_is_a_503_and_linking_again_works(
    client: httpx.AsyncClient, user: dict[str, str], world: FakeWhatsAppWeb
) -> None:
    world.unreachable = True
    refused = await client.post(
        "/api/v1/senders", json={"provider": "web", "display_name": "Shop"}, headers=user
    )
    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "link it again" in refused.json()["detail"]
    sender = (await client.get("/api/v1/senders", headers=user)).json()[0]
    again_refused = await client.post(f"/api/v1/senders/{sender['id']}/link", headers=user)
    assert again_refused.status_code == 503

    world.unreachable = False
    again = await client.post(f"/api/v1/senders/{sender['id']}/link", headers=user)
    assert again.status_code == 200, again.text
    await world.scan(await linking_client(world), "989121112233")
    read = (await client.get(f"/api/v1/senders/{sender['id']}", headers=user)).json()
    assert read["status"] == "CONNECTED"


async def test_unlinking_logs_the_device_out_and_forgets_its_keys(
    client: httpx.AsyncClient, user: dict[str, str], world: FakeWhatsAppWeb
) -> None:
    sender = await start_linking(client, user)
    linking = await linking_client(world)
    device = await world.scan(linking, "989121112233")
    assert stored_device(linking.store) == device

    response = await client.delete(f"/api/v1/senders/{sender['id']}", headers=user)

    assert response.status_code == 204
    assert device in world.logged_out
    assert stored_device(linking.store) is None


async def test_only_web_numbers_link_by_code_and_a_phone_is_not_given(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    given = await client.post(
        "/api/v1/senders",
        json={"provider": "web", "display_name": "Shop", "phone": "09121112233"},
        headers=user,
    )
    assert given.status_code == 422
    assert given.json()["errors"][0]["field"] == "phone"
    sandbox = await client.post("/api/v1/senders", json={"display_name": "Sim"}, headers=user)
    sandbox_id = sandbox.json()["id"]
    for path in ("link", "pairing-code"):
        refused = await client.post(
            f"/api/v1/senders/{sandbox_id}/{path}", json={"phone": "09121112233"}, headers=user
        )
        assert refused.status_code == 422, path
    assert (await client.get(f"/api/v1/senders/{sandbox_id}/qr", headers=user)).status_code == 422


async def test_unlinking_a_number_a_worker_holds_has_that_worker_log_it_out(
    client: httpx.AsyncClient, user: dict[str, str], runtime: Runtime, world: FakeWhatsAppWeb
) -> None:
    sender = await start_linking(client, user)
    linking = await linking_client(world)
    device = await world.scan(linking, "989121112233")
    worker = Dispatcher(runtime, worker_id="holder")
    try:

        def held_by_worker() -> bool:
            return [c for c in world.of_device(device) if c is not linking] != []

        await run_until(worker, held_by_worker)
        [held] = [c for c in world.of_device(device) if c is not linking]
        clients = len(world.clients)

        unlink = asyncio.create_task(client.delete(f"/api/v1/senders/{sender['id']}", headers=user))
        await run_until(worker, unlink.done)
        response = unlink.result()
    finally:
        await worker.shutdown()

    assert response.status_code == 204
    assert device in world.logged_out
    assert not held.connected
    assert len(world.clients) == clients  # the API never connected a second client
    assert stored_device(linking.store) is None
    gone = await client.get(f"/api/v1/senders/{sender['id']}", headers=user)
    assert gone.status_code == 404


async def test_a_number_whose_worker_died_is_logged_out_by_the_api_once_its_lease_runs_out(
    client: httpx.AsyncClient, user: dict[str, str], runtime: Runtime, world: FakeWhatsAppWeb
) -> None:
    sender = await start_linking(client, user)
    linking = await linking_client(world)
    device = await world.scan(linking, "989121112233")
    async with transaction(runtime.sessionmaker) as session:
        await session.execute(
            update(Sender)
            .where(Sender.id == sender["id"])
            .values(lease_owner="dead-worker", lease_expires_at=utc_now() + timedelta(seconds=1))
        )

    response = await client.delete(f"/api/v1/senders/{sender['id']}", headers=user)

    assert response.status_code == 204
    assert device in world.logged_out
    assert stored_device(linking.store) is None
