"""Sends per second through the Cloud API transport on one worker, beside the sandbox, in one run.

Run: ``.venv/bin/python bench/cloud_bench.py [--database-url URL] [--messages 5000]``.
The database (default a temporary SQLite file) is emptied and migrated, as in dispatch_bench.py.

- **sandbox**: the real ``Dispatcher`` sends one campaign through ``--senders`` sandbox numbers at
  interval 0 (zero latency; each send commits the sandbox's ledger row);
- **cloud**: the same campaign through as many Cloud API numbers, each send a real HTTP
  ``POST /{phone-number-id}/messages`` to the fake Graph API (``payam.providers.cloud.fake_graph``)
  served by uvicorn in another process on loopback, answering at once, no webhooks.

Both until the campaign completes. Beside them, **raw HTTP**: the same number of POSTs straight to
the fake with the same client, ``--concurrency`` at a time, no engine and no database: what the
HTTP path alone allows on this machine, so ``cloud / raw HTTP`` is what the engine and the adapter
leave of it.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import socket
import tempfile
import time
from pathlib import Path

import httpx
import uvicorn
from dispatch_bench import prepare, run_engine, seed
from sqlalchemy import select

from payam.config import Settings
from payam.db.session import transaction
from payam.models import CampaignSender, ProviderName, Sender
from payam.providers.cloud.fake_graph import FakeGraph
from payam.providers.registry import cloud_provider
from payam.runtime import Runtime

TOKEN = "EAAG-bench-token-0000"
APP_SECRET = "bench-app-secret-0000"


def serve_fake(port: int, numbers: int) -> None:
    """The fake Graph API, alone in its process, as Meta's servers would be."""
    graph = FakeGraph(auto_statuses=())
    for index in range(numbers):
        graph.add_number(
            phone_number_id=str(100 + index),
            waba_id="900",
            display_phone_number=f"+98 912 100 {index:04d}",
            access_token=TOKEN,
            app_secret=APP_SECRET,
        )
    uvicorn.run(graph.app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def wait_for(url: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            try:
                await client.get(url)
                return
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    raise RuntimeError("the fake Graph API did not start")


async def make_cloud(runtime: Runtime, campaign_id: int, *, graph_url: str) -> None:
    """Turn the campaign's sandbox numbers into Cloud API numbers of the fake."""
    provider = cloud_provider(runtime)
    async with transaction(runtime.sessionmaker) as session:
        senders = await session.scalars(
            select(Sender)
            .join(CampaignSender, CampaignSender.sender_id == Sender.id)
            .where(CampaignSender.campaign_id == campaign_id)
            .order_by(Sender.id)
        )
        for index, sender in enumerate(senders.all()):
            sender.provider = ProviderName.CLOUD
            sender.provider_config = provider.sealed(
                phone_number_id=str(100 + index),
                waba_id="900",
                access_token=TOKEN,
                app_secret=APP_SECRET,
                verify_token="bench-verify-token",
                graph_base_url=graph_url,
            )


async def run_raw_http(
    http: httpx.AsyncClient, graph_url: str, *, messages: int, concurrency: int
) -> float:
    url = f"{graph_url}/v23.0/100/messages"
    body = {
        "messaging_product": "whatsapp",
        "to": "989120000000",
        "type": "text",
        "text": {"body": "x"},
    }
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            response = await http.post(url, json=body, headers={"Authorization": f"Bearer {TOKEN}"})
            response.raise_for_status()

    began = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(messages)))
    return time.perf_counter() - began


async def main(database_url: str, *, messages: int, senders: int, concurrency: int) -> None:
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        secret_key="bench-secret-key-long-enough-for-hs256",
        allowed_intervals=[0],
        pacing_jitter_ratio=0,
        sandbox_latency_ms=0,
        sandbox_not_on_whatsapp_rate=0,
        sandbox_reply_rate=0,
        sandbox_delivery_seconds=3600,
        sandbox_read_seconds=7200,
        cloud_inbox_poll_seconds=60,
        dispatch_poll_seconds=0.01,
        reconcile_seconds=60,
        embedded_worker=False,
    )
    port = free_port()
    fake = multiprocessing.Process(target=serve_fake, args=(port, senders), daemon=True)
    fake.start()
    graph_url = f"http://127.0.0.1:{port}"
    await prepare(settings)
    runtime = Runtime.create(settings)
    try:
        await wait_for(graph_url)
        sandbox_campaign = await seed(runtime, messages=messages, senders=senders, offset=0)
        sandbox_seconds = await run_engine(runtime, sandbox_campaign)
        cloud_campaign = await seed(runtime, messages=messages, senders=senders, offset=messages)
        await make_cloud(runtime, cloud_campaign, graph_url=graph_url)
        cloud_seconds = await run_engine(runtime, cloud_campaign)
        raw_seconds = await run_raw_http(
            runtime.http_client, graph_url, messages=messages, concurrency=concurrency
        )
    finally:
        await runtime.close()
        fake.terminate()
        fake.join()
    sandbox_rate = messages / sandbox_seconds
    cloud_rate = messages / cloud_seconds
    raw_rate = messages / raw_seconds
    backend = database_url.split(":", 1)[0]
    print(f"database: {backend}; messages: {messages}; senders: {senders}")
    print(f"sandbox: {sandbox_rate:8.0f} messages/s ({sandbox_seconds:.2f} s)")
    print(f"cloud:   {cloud_rate:8.0f} messages/s ({cloud_seconds:.2f} s)")
    print(f"raw HTTP: {raw_rate:7.0f} messages/s ({raw_seconds:.2f} s, {concurrency} at a time)")
    print(f"cloud / sandbox: {cloud_rate / sandbox_rate:.2f}")
    print(f"cloud / raw HTTP: {cloud_rate / raw_rate:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--messages", type=int, default=5_000)
    parser.add_argument("--senders", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=100)
    arguments = parser.parse_args()
    url = arguments.database_url
    if url is None:
        url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    asyncio.run(
        main(
            url,
            messages=arguments.messages,
            senders=arguments.senders,
            concurrency=arguments.concurrency,
        )
    )
