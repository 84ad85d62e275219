"""Deliveries cannot be pointed at our own network: loopback, link-local (the cloud metadata
address), private addresses, names that resolve to them, redirects; answers are capped."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Response

from payam.webhooks.outbound import MAX_ANSWER_BYTES, new_client, post
from tests.support import served
from tests.webhooks.receiver import Receiver


@pytest.fixture
async def outgoing() -> AsyncIterator[httpx.AsyncClient]:
    async with new_client(2.0) as found:
        yield found


async def refused(outgoing: httpx.AsyncClient, url: str) -> str:
    answer = await post(outgoing, url, body="{}", headers={}, allow_private=False)
    assert answer.status_code is None, url
    assert answer.error is not None
    assert answer.error.startswith("refused:"), answer.error
    return answer.error


async def test_loopback_link_local_and_private_addresses_are_refused(
    outgoing: httpx.AsyncClient, receiver: Receiver
) -> None:
    port = httpx.URL(receiver.url).port
    assert "loopback" in await refused(outgoing, f"http://127.0.0.1:{port}/hook")
    assert "loopback" in await refused(outgoing, f"http://[::1]:{port}/hook")
    assert "link-local" in await refused(outgoing, "http://169.254.169.254/latest/meta-data/")
    assert "private" in await refused(outgoing, "https://10.0.0.8/hook")
    assert "private" in await refused(outgoing, "http://192.168.1.1/hook")
    assert "unspecified" in await refused(outgoing, f"http://0.0.0.0:{port}/hook")
    assert "loopback" in await refused(outgoing, f"http://[::ffff:127.0.0.1]:{port}/hook")
    # The receiver is there, and would have answered: nothing reached it.
    assert receiver.hits == 0


async def test_a_name_that_resolves_to_loopback_is_refused(
    outgoing: httpx.AsyncClient, receiver: Receiver
) -> None:
    port = httpx.URL(receiver.url).port
    assert "loopback" in await refused(outgoing, f"http://localhost:{port}/hook")
    assert receiver.hits == 0


async def test_only_http_and_https_are_called(outgoing: httpx.AsyncClient) -> None:
    for url in ("ftp://example.com/x", "file:///etc/passwd", "gopher://127.0.0.1/"):
        assert "http" in await refused(outgoing, url)


async def test_a_redirect_is_not_followed(outgoing: httpx.AsyncClient, receiver: Receiver) -> None:
    bouncer = FastAPI()

    @bouncer.post("/hook")
    async def bounce() -> Response:
        return Response(status_code=307, headers={"location": receiver.url})

    async with served(bouncer) as address:
        # Loopback allowed for the first hop (both servers live on loopback in the test).
        answer = await post(
            outgoing, f"http://{address}/hook", body="{}", headers={}, allow_private=True
        )
    assert answer.status_code == 307
    assert answer.error == "redirects are not followed"
    assert not answer.ok
    assert receiver.hits == 0


async def test_the_answer_is_read_up_to_a_cap(outgoing: httpx.AsyncClient) -> None:
    talker = FastAPI()

    @talker.post("/hook")
    async def talk() -> Response:
        return Response(content=b"a" * (MAX_ANSWER_BYTES * 16))

    async with served(talker) as address:
        answer = await post(
            outgoing, f"http://{address}/hook", body="{}", headers={}, allow_private=True
        )
    assert answer.ok
    assert answer.excerpt is not None
    assert len(answer.excerpt) == 1024


async def test_the_connection_goes_to_the_address_checked_with_the_name_as_host(
    outgoing: httpx.AsyncClient, receiver: Receiver
) -> None:
    port = httpx.URL(receiver.url).port
    receiver.secret = "whsec_" + "A" * 44
    headers = {"webhook-id": "msg_1", "webhook-timestamp": "0", "webhook-signature": "v1,x"}
    answer = await post(
        outgoing, f"http://localhost:{port}/hook", body="{}", headers=headers, allow_private=True
    )
    assert answer.ok, answer
    assert receiver.received[0].host == f"localhost:{port}"
