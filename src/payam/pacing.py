"""When a WhatsApp number may send next: interval with jitter, quiet hours, daily cap, pauses.

Pure functions over a sender's limits and counters, so the rules are tested without a clock.
Days and quiet hours are the user's local ones (``Asia/Tehran`` by default). The engine paces by
them (``dispatch``); a change of a number's limits recomputes its next moment by them
(``senders``, :func:`reschedule`), so both follow one rule.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from payam.models import Sender


WARMUP_FIRST_DAY_CAP = 20


@dataclass(frozen=True, slots=True)
class Warmup:
    """A daily cap growing over the first ``days`` days from ``connected_at`` (day 1)."""

    connected_at: datetime
    days: int


@dataclass(frozen=True, slots=True)
class SenderLimits:
    daily_cap: int
    quiet_start_minute: int | None
    quiet_end_minute: int | None
    pause_every: int | None
    pause_seconds: int
    warmup: Warmup | None = None


@dataclass(frozen=True, slots=True)
class PacingState:
    next_send_at: datetime | None
    sent_on_day: date | None
    sent_today: int
    sent_since_pause: int


def limits_of(sender: Sender) -> SenderLimits:
    return SenderLimits(
        daily_cap=sender.daily_cap,
        quiet_start_minute=sender.quiet_start_minute,
        quiet_end_minute=sender.quiet_end_minute,
        pause_every=sender.pause_every,
        pause_seconds=sender.pause_seconds,
        warmup=(
            Warmup(sender.connected_at, sender.warmup_days)
            if sender.connected_at is not None and sender.warmup_days > 0
            else None
        ),
    )


def warmup_day(limits: SenderLimits, day: date, *, zone: ZoneInfo) -> int | None:
    """Which day of its warm-up ``day`` is for the number (1 = the day it was first
    connected), or None once it is over (or the number does not warm up)."""
    warmup = limits.warmup
    if warmup is None:
        return None
    number = (day - warmup.connected_at.astimezone(zone).date()).days + 1
    return max(1, number) if number <= warmup.days else None


def daily_cap_on(limits: SenderLimits, day: date, *, zone: ZoneInfo) -> int:
    """The number's cap on ``day``: while it warms up, ``WARMUP_FIRST_DAY_CAP`` on day 1 growing
    by one factor a day to reach the configured cap on its last warm-up day; then that cap."""
    number = warmup_day(limits, day, zone=zone)
    if number is None or limits.warmup is None or limits.daily_cap <= WARMUP_FIRST_DAY_CAP:
        return limits.daily_cap
    last = max(1, limits.warmup.days - 1)
    growth: float = (limits.daily_cap / WARMUP_FIRST_DAY_CAP) ** ((number - 1) / last)
    return min(limits.daily_cap, round(WARMUP_FIRST_DAY_CAP * growth))


def state_of(sender: Sender) -> PacingState:
    return PacingState(
        next_send_at=sender.next_send_at,
        sent_on_day=sender.sent_on_day,
        sent_today=sender.sent_today,
        sent_since_pause=sender.sent_since_pause,
    )


def _in_quiet_hours(local: datetime, limits: SenderLimits) -> bool:
    start, end = limits.quiet_start_minute, limits.quiet_end_minute
    if start is None or end is None:
        return False
    minute = local.hour * 60 + local.minute
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end  # the window spans midnight


def _quiet_end_after(local: datetime, limits: SenderLimits) -> datetime:
    assert limits.quiet_end_minute is not None
    end = local.replace(
        hour=limits.quiet_end_minute // 60,
        minute=limits.quiet_end_minute % 60,
        second=0,
        microsecond=0,
    )
    return end if end > local else end + timedelta(days=1)


def _next_midnight(local: datetime) -> datetime:
    tomorrow = local.date() + timedelta(days=1)
    return datetime.combine(tomorrow, time.min, tzinfo=local.tzinfo)


def earliest_send(
    now: datetime, *, limits: SenderLimits, state: PacingState, zone: ZoneInfo
) -> datetime:
    """The first moment at or after ``now`` this number may send, by every rule at once."""
    moment = max(now, state.next_send_at) if state.next_send_at else now
    # Each rule can push the moment into another's window (a cap's midnight into quiet hours),
    # so apply them until none moves it; two rounds suffice, four is a safe bound.
    for _ in range(4):
        local = moment.astimezone(zone)
        moved = moment
        sent_today = state.sent_today if state.sent_on_day == local.date() else 0
        if sent_today >= daily_cap_on(limits, local.date(), zone=zone):
            moved = _next_midnight(local).astimezone(now.tzinfo)
            # Tomorrow the count starts again; stop counting yesterday's sends.
            state = PacingState(state.next_send_at, None, 0, state.sent_since_pause)
        local = moved.astimezone(zone)
        if _in_quiet_hours(local, limits):
            moved = _quiet_end_after(local, limits).astimezone(now.tzinfo)
        if moved == moment:
            return moment
        moment = moved
    return moment


def after_send(
    sent_at: datetime,
    *,
    limits: SenderLimits,
    state: PacingState,
    interval_seconds: int,
    jitter_ratio: float,
    zone: ZoneInfo,
    rng: random.Random,
    sent: int = 1,
) -> PacingState:
    """The counters and the next allowed moment once ``sent`` messages went out at ``sent_at``."""
    today = sent_at.astimezone(zone).date()
    sent_today = (state.sent_today if state.sent_on_day == today else 0) + sent
    since_pause = state.sent_since_pause + sent
    # The interval is a floor: jitter only ever adds to it.
    wait = interval_seconds + rng.uniform(0, interval_seconds * jitter_ratio)
    pausing = limits.pause_every is not None and since_pause >= limits.pause_every
    next_send_at = sent_at + timedelta(seconds=_wait_after(wait, limits, pausing=pausing))
    if pausing:
        since_pause = 0
    return PacingState(
        next_send_at=next_send_at,
        sent_on_day=today,
        sent_today=sent_today,
        sent_since_pause=since_pause,
    )


def _wait_after(wait: float, limits: SenderLimits, *, pausing: bool) -> float:
    """Seconds from a send to the next: the interval's wait, or the longer pause it starts."""
    return max(wait, limits.pause_seconds) if pausing and limits.pause_every is not None else wait


def reschedule(
    now: datetime,
    *,
    limits: SenderLimits,
    state: PacingState,
    last_sent_at: datetime | None,
    interval_seconds: int,
    zone: ZoneInfo,
) -> datetime:
    """The next allowed moment recomputed under (new) ``limits``, whatever the old ones made it.

    From the last send: the interval (without jitter, which only ever adds) and, when that send
    started a pause (``after_send`` zeroed the count), the pause as the limits now say; then quiet
    hours and the daily cap by :func:`earliest_send`. Never before ``now``, never earlier than
    the interval allows.
    """
    moment = now
    if last_sent_at is not None:
        pausing = state.sent_since_pause == 0
        wait = _wait_after(interval_seconds, limits, pausing=pausing)
        moment = max(now, last_sent_at + timedelta(seconds=wait))
    return earliest_send(now, limits=limits, state=replace(state, next_send_at=moment), zone=zone)


def allowed_now(limits: SenderLimits, state: PacingState, *, zone: ZoneInfo, now: datetime) -> int:
    """How many messages the daily cap still allows today (at least 0)."""
    today = now.astimezone(zone).date()
    sent_today = state.sent_today if state.sent_on_day == today else 0
    return max(0, daily_cap_on(limits, today, zone=zone) - sent_today)
