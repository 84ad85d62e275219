"""The clock at the edges the pace depends on: a worker whose clock (libfaketime: the machine's
time as the process sees it) reaches the start of a number's quiet hours, and the midnight that
resets its daily cap, while it sends. Nothing goes out inside quiet hours, no day gets more than
the cap, and the campaign goes on when the quiet hours end and the new day begins."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from payam.kit.clock import utc_now
from payam.runtime import Runtime
from tests.campaign_support import link_sender
from tests.drills.sizes import long_drill
from tests.drills.support import (
    assert_promises_kept,
    drill_environment,
    paced_campaign,
    run_to_the_end,
    sandbox_ledger,
)
from tests.support import spawn_worker

pytestmark = [pytest.mark.drill, long_drill]

FAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1")  # Debian's faketime
NUMBERS = 2
# Time for a worker to start on a loaded machine before its clock reaches the edge.
HEAD_START = timedelta(seconds=45)


def clock_at(moment: datetime) -> dict[str, str]:
    """The environment that starts a process with its clock at ``moment`` (then running)."""
    if not FAKETIME.exists():
        pytest.skip(f"no libfaketime at {FAKETIME} (apt-get install faketime)")
    offset = round((moment - utc_now()).total_seconds())
    return {"LD_PRELOAD": str(FAKETIME), "FAKETIME": f"{offset:+d}s"}


async def drill_at(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    tmp_path: Path,
    *,
    edge: datetime,
    recipients: int,
    **limits: object,
) -> dict[str, list[tuple[str, datetime]]]:
    """Numbers with ``limits`` and a campaign through them, sent by a worker whose clock starts
    ``HEAD_START`` before ``edge``; returns what WhatsApp accepted, once the campaign is done."""
    senders = [
        await link_sender(client, user, phone=f"0990000{i:04d}", **limits) for i in range(NUMBERS)
    ]
    campaign = await paced_campaign(client, runtime, user, recipients=recipients, senders=senders)
    environment = {
        **drill_environment(runtime, tmp_path, runtime.settings.database_url),
        **clock_at(edge - HEAD_START),
    }
    workers = [spawn_worker(environment, tmp_path / "worker.log")]
    await run_to_the_end(
        client, runtime, user, campaign["id"], workers, recipients=recipients, numbers=NUMBERS
    )
    await assert_promises_kept(client, runtime, user, campaign["id"], recipients=recipients)
    return await sandbox_ledger(runtime)


def next_local(zone: ZoneInfo, clock: time) -> datetime:
    """The next moment the user's clock shows ``clock``, a day ahead at the latest."""
    now = utc_now().astimezone(zone)
    moment = datetime.combine(now.date(), clock, tzinfo=zone)
    return moment if moment > now + HEAD_START else moment + timedelta(days=1)


async def zone_of(client: httpx.AsyncClient, user: dict[str, str]) -> ZoneInfo:
    return ZoneInfo((await client.get("/api/v1/users/me", headers=user)).json()["time_zone"])


async def test_nothing_goes_out_in_quiet_hours_that_begin_mid_campaign(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], tmp_path: Path
) -> None:
    zone = await zone_of(client, user)
    quiet_start = next_local(zone, time(23, 0))
    quiet_end = quiet_start + timedelta(minutes=1)
    accepted = await drill_at(
        client,
        runtime,
        user,
        tmp_path,
        edge=quiet_start,
        recipients=100,
        daily_cap=100_000,
        quiet_hours={"start": "23:00", "end": "23:01"},
    )
    moments = [moment for sends in accepted.values() for _, moment in sends]
    inside = sorted(moment for moment in moments if quiet_start <= moment < quiet_end)
    assert not inside, f"sent in quiet hours: {inside[:5]}"
    # Both sides of the edge were drilled: sends right up to it, and after it. The last claim
    # before the edge leaves a whole claim lease for its sends (Dispatcher._earliest_claim: 5 s
    # in the drills), and turns come an interval apart (1 s, up to 30 % more): the last send
    # lands 5 to 6.3 s before the edge.
    last_before = timedelta(seconds=5 + 1.3 + 1)
    assert any(quiet_start - last_before <= moment < quiet_start for moment in moments)
    assert any(moment >= quiet_end for moment in moments)


async def test_the_daily_cap_holds_across_midnight_and_resets_there(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], tmp_path: Path
) -> None:
    cap = 5
    zone = await zone_of(client, user)
    midnight = next_local(zone, time(0, 0))
    # Each number sends its cap before midnight, waits, and its cap again after it.
    accepted = await drill_at(
        client,
        runtime,
        user,
        tmp_path,
        edge=midnight,
        recipients=NUMBERS * cap * 2,
        daily_cap=cap,
    )
    per_day: Counter[tuple[str, date]] = Counter(
        (number, moment.astimezone(zone).date())
        for sends in accepted.values()
        for number, moment in sends
    )
    days = sorted({day for _, day in per_day})
    assert days == [(midnight - timedelta(days=1)).date(), midnight.date()], days
    assert set(per_day.values()) == {cap}, per_day
