"""The pacing rules on their own: interval and jitter, quiet hours, daily cap, longer pauses."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from payam.pacing import (
    WARMUP_FIRST_DAY_CAP,
    PacingState,
    SenderLimits,
    Warmup,
    after_send,
    allowed_now,
    daily_cap_on,
    earliest_send,
    reschedule,
    warmup_day,
)

TEHRAN = ZoneInfo("Asia/Tehran")
FRESH = PacingState(next_send_at=None, sent_on_day=None, sent_today=0, sent_since_pause=0)


def limits(**overrides: object) -> SenderLimits:
    values: dict[str, object] = {
        "daily_cap": 1000,
        "quiet_start_minute": None,
        "quiet_end_minute": None,
        "pause_every": None,
        "pause_seconds": 300,
    }
    values.update(overrides)
    return SenderLimits(**values)  # type: ignore[arg-type]


def tehran(hour: int, minute: int = 0, *, day: int = 26) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=TEHRAN).astimezone(UTC)


def test_jitter_only_ever_adds_to_the_interval() -> None:
    rng = random.Random(7)
    sent_at = tehran(12)
    waits = []
    for _ in range(500):
        state = after_send(
            sent_at,
            limits=limits(),
            state=FRESH,
            interval_seconds=10,
            jitter_ratio=0.3,
            zone=TEHRAN,
            rng=rng,
        )
        assert state.next_send_at is not None
        waits.append((state.next_send_at - sent_at).total_seconds())

    assert min(waits) >= 10
    assert max(waits) <= 13
    assert max(waits) - min(waits) > 2  # it really varies


def test_quiet_hours_across_midnight_hold_until_their_end() -> None:
    quiet = limits(quiet_start_minute=22 * 60, quiet_end_minute=8 * 60)

    late = earliest_send(tehran(23, 30), limits=quiet, state=FRESH, zone=TEHRAN)
    early = earliest_send(tehran(7, 59), limits=quiet, state=FRESH, zone=TEHRAN)
    day = earliest_send(tehran(12), limits=quiet, state=FRESH, zone=TEHRAN)

    assert late == tehran(8, 0, day=27)
    assert early == tehran(8, 0)
    assert day == tehran(12)


def test_the_daily_cap_waits_for_the_users_midnight_then_counts_afresh() -> None:
    capped = limits(daily_cap=3)
    state = PacingState(None, sent_on_day=date(2026, 11, 26), sent_today=3, sent_since_pause=0)

    resume = earliest_send(tehran(15), limits=capped, state=state, zone=TEHRAN)

    assert resume == tehran(0, 0, day=27)
    assert allowed_now(capped, state, zone=TEHRAN, now=resume) == 3
    assert allowed_now(capped, state, zone=TEHRAN, now=tehran(23, 59)) == 0


def test_a_cap_reached_before_quiet_hours_end_waits_for_both() -> None:
    both = limits(daily_cap=1, quiet_start_minute=23 * 60, quiet_end_minute=9 * 60)
    state = PacingState(None, sent_on_day=date(2026, 11, 26), sent_today=1, sent_since_pause=0)

    assert earliest_send(tehran(18), limits=both, state=state, zone=TEHRAN) == tehran(9, day=27)


def test_a_longer_pause_comes_after_every_n_messages() -> None:
    pausing = limits(pause_every=3, pause_seconds=600)
    rng = random.Random(1)
    state = FRESH
    gaps = []
    moment = tehran(10)
    for _ in range(6):
        state = after_send(
            moment,
            limits=pausing,
            state=state,
            interval_seconds=5,
            jitter_ratio=0,
            zone=TEHRAN,
            rng=rng,
        )
        assert state.next_send_at is not None
        gaps.append((state.next_send_at - moment).total_seconds())
        moment = state.next_send_at

    assert gaps == [5, 5, 600, 5, 5, 600]
    assert state.sent_today == 6


def test_a_new_local_day_restarts_the_count() -> None:
    state = PacingState(None, sent_on_day=date(2026, 11, 25), sent_today=999, sent_since_pause=0)

    after = after_send(
        tehran(9),
        limits=limits(),
        state=state,
        interval_seconds=5,
        jitter_ratio=0,
        zone=TEHRAN,
        rng=random.Random(0),
    )

    assert after.sent_today == 1
    assert after.sent_on_day == date(2026, 11, 26)
    assert tehran(9) + timedelta(seconds=5) == after.next_send_at


def test_reschedule_recomputes_under_new_limits_from_the_last_send() -> None:
    sent_at = tehran(23, 30)
    # The old limits held the number until 06:30; without quiet hours only the interval holds.
    held = PacingState(
        next_send_at=tehran(6, 30, day=27), sent_on_day=None, sent_today=0, sent_since_pause=3
    )

    free = reschedule(
        sent_at + timedelta(seconds=2),
        limits=limits(),
        state=held,
        last_sent_at=sent_at,
        interval_seconds=10,
        zone=TEHRAN,
    )
    quiet = reschedule(
        sent_at + timedelta(seconds=2),
        limits=limits(quiet_start_minute=23 * 60, quiet_end_minute=7 * 60),
        state=held,
        last_sent_at=sent_at,
        interval_seconds=10,
        zone=TEHRAN,
    )

    assert free == sent_at + timedelta(seconds=10)
    assert quiet == tehran(7, 0, day=27)


def test_a_new_number_warms_up_from_20_a_day_to_its_cap_on_the_last_day() -> None:
    connected = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # 09:30 in Tehran
    warming = limits(daily_cap=500, warmup=Warmup(connected, days=14))
    days = [connected.date() + timedelta(days=n) for n in range(16)]

    caps = [daily_cap_on(warming, day, zone=TEHRAN) for day in days]

    assert caps[0] == WARMUP_FIRST_DAY_CAP == 20
    assert caps == sorted(caps)  # never shrinks
    assert all(1.2 < later / earlier < 1.35 for earlier, later in pairwise(caps[:14]))
    assert caps[13:] == [500, 500, 500]
    assert [warmup_day(warming, day, zone=TEHRAN) for day in days[:2]] == [1, 2]
    assert warmup_day(warming, days[14], zone=TEHRAN) is None


def test_the_warm_up_cap_holds_a_number_until_its_next_day() -> None:
    connected = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    warming = limits(daily_cap=500, warmup=Warmup(connected, days=14))
    now = connected + timedelta(hours=1)
    today = now.astimezone(TEHRAN).date()
    state = PacingState(next_send_at=None, sent_on_day=today, sent_today=20, sent_since_pause=0)

    assert allowed_now(warming, state, zone=TEHRAN, now=now) == 0
    resumes = earliest_send(now, limits=warming, state=state, zone=TEHRAN)
    assert resumes.astimezone(TEHRAN) == datetime(2026, 12, 2, tzinfo=TEHRAN)
    # No warm-up, or a cap already below the first day's: the number's own cap holds.
    assert allowed_now(limits(daily_cap=500), state, zone=TEHRAN, now=now) == 480
    small = limits(daily_cap=10, warmup=Warmup(connected, days=14))
    assert daily_cap_on(small, today, zone=TEHRAN) == 10
