"""The dispatcher: one per worker process (or inside ``payam serve`` when embedded).

It leases WhatsApp numbers (senders) that have running campaigns, holds their connections, and
at each tick, for every number whose pace allows a send, claims recipients in one transaction for
all of them (PENDING → SENDING with an attempt id, a lease and our own message id, quota
reserved), commits, sends per number, and records outcomes in groups as they come back, each in
a transaction of its own. A worker killed between the two leaves SENDING rows whose
lease runs out; the reconciler turns them UNKNOWN, never PENDING, so nothing is sent twice, and a
receipt carrying our message id settles them later. DESIGN.md §5 is the contract.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import random
import secrets
import socket
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from payam.billing.errors import QuotaRefusal, QuotaRefused
from payam.billing.quota import QuotaService, Reservation
from payam.db.session import transaction
from payam.dispatch.events import EventHandler
from payam.dispatch.presence import PresenceChecker, absent_since
from payam.dispatch.reconciler import reconcile
from payam.dispatch.repository import (
    ClaimedRecipient,
    DispatchRepository,
    NewClaim,
    Transition,
)
from payam.kit.clock import utc_now
from payam.media.service import load_media_payload
from payam.message.ids import new_message_id
from payam.message.templating import Template, parse_template, recipient_values, render_for
from payam.message.whatsapp_templates import TemplateMapping
from payam.models import Campaign, RecipientStatus, Sender, SenderStatus
from payam.observability.metrics import CLAIMS_LOST
from payam.pacing import after_send, allowed_now, earliest_send, limits_of, state_of
from payam.providers.base import (
    FaultKind,
    MediaPayload,
    OutgoingMessage,
    ProviderFault,
    ProviderSession,
    SendAccepted,
    SenderIdentity,
    TemplateChoice,
)
from payam.providers.registry import build_provider
from payam.runtime import Runtime

logger = structlog.get_logger(__name__)

CampaignsChanged = Callable[[set[int]], Awaitable[None]]
# A claim's outcome moves only rows still SENDING under its attempt: once the reconciler has
# made them UNKNOWN (the lease ran out), the claim is no longer this worker's to record.
CLAIMED = frozenset({RecipientStatus.SENDING})
# A batch only when the pace allows no gap at all (interval 0, the sandbox); else one at a time.
MAX_BATCH = 100
ZONE_CACHE_SECONDS = 60.0
# Paced numbers fall due one after another (2,000 a second at 10,000 numbers every 5 s): ticks
# this far apart start them in groups, well within the lateness a turn may have (250 ms).
MIN_TICK_SECONDS = 0.02
RECORD_ATTEMPTS = 3
# How long a tick waits for numbers still connecting before it claims for the others.
CONNECT_WAIT_SECONDS = 0.5
# Numbers one claim transaction takes (at 10,000 numbers every 5 s and a 20 ms tick, about 40
# are due at once; more after a stall) and claims one recording takes.
MAX_CLAIM_NUMBERS = 200
MAX_RECORD_CLAIMS = 500
# Rounds of picking a tick's recipients (a number whose campaign ran short asks the next).
PICK_ROUNDS = 4
CONNECT_RETRY_SECONDS = 30
LEASE_MARGIN_SECONDS = 3
LEASE_RAN_OUT = "the worker was held up past its claim's lease before sending"
NO_ANSWER = "WhatsApp did not answer within the claim's lease"


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass(frozen=True, slots=True)
class Hold:
    """What a claim did to its number's pace before sending (see ``Dispatcher._hold``)."""

    wait_seconds: float  # the interval (with jitter) or pause the claim's sends start
    counted_on: date | None  # the day its sends were counted against the daily cap
    pause_started: bool


@dataclass(frozen=True, slots=True)
class Claim:
    sender_id: int
    sender_phone: str | None
    campaign_id: int
    user_id: int
    message: str
    media_id: int | None
    campaign_updated_at: datetime
    reservation_id: int
    recipients: list[ClaimedRecipient]
    # time.monotonic() after which no send of this claim starts and none is awaited: its send
    # window (``Dispatcher._send_window``), which ends before the claim's lease does.
    deadline: float
    hold: Hold
    # The campaign's approved WhatsApp template, sent instead of the message (Cloud API).
    whatsapp_template: TemplateMapping | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    recipient: ClaimedRecipient
    accepted: SendAccepted | None = None
    fault: ProviderFault | None = None


@dataclass(frozen=True, slots=True)
class Want:
    """A number due at this tick: its running campaigns in turn and how many it may claim."""

    sender: Sender
    campaigns: list[Campaign]
    batch: int
    interval: int


@dataclass(frozen=True, slots=True)
class Picked:
    want: Want
    campaign: Campaign
    rows: list[Any]  # pending recipient rows, locked


def _quota_parts(choices: list[Picked]) -> list[tuple[int, str | None]]:
    return [(len(choice.rows), f"campaign:{choice.campaign.id}") for choice in choices]


@dataclass(frozen=True, slots=True)
class Sent:
    """A claim and what came of its sends, to record."""

    claim: Claim
    outcomes: list[Outcome]
    # When the last answer came back: the number's pace counts from here, not from when the
    # outcome is recorded (a recording waits for the one before it).
    answered_at: datetime


def identity_of(sender: Sender) -> SenderIdentity:
    return SenderIdentity(
        sender_id=sender.id, phone=sender.phone, provider_config=dict(sender.provider_config)
    )


class Dispatcher:
    def __init__(
        self,
        runtime: Runtime,
        *,
        worker_id: str | None = None,
        rng: random.Random | None = None,
        on_campaigns_changed: CampaignsChanged | None = None,
        take_senders_per_tick: int = 200,
    ) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.worker_id = worker_id or new_worker_id()
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not secrets
        self.take_senders_per_tick = take_senders_per_tick
        self._notify = on_campaigns_changed
        self._sessions: dict[int, ProviderSession] = {}
        self._event_tasks: dict[int, asyncio.Task[None]] = {}
        self._opening: dict[int, asyncio.Task[ProviderSession]] = {}
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        # Sends waiting to be recorded, each with what its task awaits (set once recorded).
        self._to_record: list[tuple[Sent, asyncio.Future[None]]] = []
        self._recorder: asyncio.Task[None] | None = None
        self._owned: dict[int, Sender] = {}
        # Connections that could not take their number's new settings: opened again.
        self._reopen: set[int] = set()
        self._templates: dict[tuple[int, datetime], Template] = {}
        self._media: dict[int, MediaPayload] = {}
        self._zones: dict[int, tuple[ZoneInfo, float]] = {}
        self._events = EventHandler(runtime, notify=self._campaigns_changed)
        self._presence = PresenceChecker(runtime)
        self._last_reconcile = 0.0
        self._last_lease_pass = -math.inf

    # ---- the loop ------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        logger.info("dispatcher_started", worker_id=self.worker_id)
        try:
            while not stop.is_set():
                try:
                    wait = await self.run_once()
                except Exception:
                    logger.exception("dispatcher_tick_failed", worker_id=self.worker_id)
                    wait = self.settings.dispatch_poll_seconds
                with contextlib.suppress(TimeoutError):
                    # Never sooner than a tick apart: numbers falling due in between start
                    # together at the next tick, which costs its look-ups once for all of them.
                    await asyncio.wait_for(stop.wait(), timeout=max(wait, MIN_TICK_SECONDS))
        finally:
            await self.shutdown()

    async def run_once(self) -> float:
        """One pass: reconcile when due, lease, start due senders; returns how long to sleep."""
        monotonic = time.monotonic()
        if monotonic - self._last_reconcile >= self.settings.reconcile_seconds:
            self._last_reconcile = monotonic
            await self._campaigns_changed(await reconcile(self.runtime, now=utc_now()))
        now = utc_now()
        # Leases are looked after once per poll, not at every tick (a tick per due number when
        # thousands are paced), and renewed only past half their life: a claim needs 3 s left.
        lease_pass = monotonic - self._last_lease_pass >= self.settings.dispatch_poll_seconds
        lease = timedelta(seconds=self.settings.sender_lease_seconds)
        newly_owned: list[Sender] = []
        async with transaction(self.runtime.sessionmaker) as session:
            repo = DispatchRepository(session)
            if lease_pass:
                owned = await repo.lease_senders(
                    worker_id=self.worker_id,
                    now=now,
                    until=now + lease,
                    # Take at most as many new numbers as already held (1, 2, 4, …): workers
                    # that start together share the numbers out instead of the first taking all.
                    take_at_most=min(self.take_senders_per_tick, max(1, len(self._owned))),
                    renew_before=now + lease / 2,
                )
                newly_owned = await repo.senders_by_id(owned - set(self._owned))
            due = await repo.due_senders(worker_id=self.worker_id, now=now)
            soonest = await repo.next_due_at(worker_id=self.worker_id, now=now)
            # Held by this worker before this process knew it (a restart with the same id).
            newly_owned += await repo.senders_by_id(
                set(due) - set(self._owned) - {sender.id for sender in newly_owned}
            )
        if lease_pass:
            self._last_lease_pass = monotonic
            await self._drop_sessions(set(self._owned) - owned)
        self._owned.update({sender.id: sender for sender in newly_owned})
        for sender in newly_owned:
            # Connect every number held, busy or not: receipts and replies come in on it.
            self._connect(sender.id)
        ready = [sender_id for sender_id in due if sender_id not in self._in_flight]
        if ready:
            self._track(ready, asyncio.create_task(self._serve(ready)))
        wait = self.settings.dispatch_poll_seconds
        if soonest is not None:
            wait = min(wait, (soonest - utc_now()).total_seconds())
        return max(0.0, wait)

    def _track(self, sender_ids: list[int], task: asyncio.Task[None]) -> None:
        """``task`` is in charge of these numbers now: none starts another turn until it ends
        (or hands one over to a task of its own)."""
        for sender_id in sender_ids:
            self._in_flight[sender_id] = task

        def forget(_: asyncio.Task[None]) -> None:
            for sender_id in sender_ids:
                if self._in_flight.get(sender_id) is task:
                    del self._in_flight[sender_id]

        task.add_done_callback(forget)

    async def wait_idle(self) -> None:
        """Wait for the sends in flight (tests and shutdown)."""
        while self._in_flight:
            await asyncio.gather(*list(self._in_flight.values()), return_exceptions=True)

    async def shutdown(self) -> None:
        await self.wait_idle()
        await self._drop_sessions(set(self._owned))
        with contextlib.suppress(Exception):
            async with transaction(self.runtime.sessionmaker) as session:
                await DispatchRepository(session).release_senders(worker_id=self.worker_id)
        logger.info("dispatcher_stopped", worker_id=self.worker_id)

    # ---- the numbers due at a tick --------------------------------------------------------

    async def _load_zones(
        self, repo: DispatchRepository, user_ids: set[int]
    ) -> dict[int, ZoneInfo]:
        moment = time.monotonic()
        stale = {
            user_id
            for user_id in user_ids
            if user_id not in self._zones or moment - self._zones[user_id][1] >= ZONE_CACHE_SECONDS
        }
        for user_id, name in (await repo.time_zones_of(stale)).items():
            self._zones[user_id] = (ZoneInfo(name or self.settings.user_time_zone), moment)
        default = ZoneInfo(self.settings.user_time_zone)
        return {
            user_id: self._zones[user_id][0] if user_id in self._zones else default
            for user_id in user_ids
        }

    async def _serve(self, sender_ids: list[int]) -> None:
        """One tick's turns: claim for every number due in one transaction (their round trips
        shared), then send and record each number's claim on its own (``_send_and_record``),
        so one slow send holds up no other number."""
        for sender_id in self._reopen.intersection(sender_ids):
            self._reopen.discard(sender_id)
            await self._disconnect(sender_id)
        connections = await self._connections(sender_ids)
        # Outside any transaction: the transports are asked who of the next recipients is on
        # WhatsApp, so that the claim skips those who are not.
        still_checking: set[int] = set()
        try:
            still_checking = await self._presence.check_ahead(connections)
        except Exception:
            # The database, most likely: the claim will say so too. A send still answers
            # "not on WhatsApp" for itself.
            logger.exception("presence_check_failed", sender_ids=sender_ids)
            still_checking = self._presence.pending(connections)
        ready = sorted(set(connections) - still_checking)
        for first in range(0, len(ready), MAX_CLAIM_NUMBERS):
            numbers = ready[first : first + MAX_CLAIM_NUMBERS]
            try:
                claims = await self._claim(numbers)
            except Exception:
                logger.exception("claim_failed", sender_ids=numbers, worker_id=self.worker_id)
                continue
            for claim in claims:
                connection = connections[claim.sender_id]
                self._track(
                    [claim.sender_id],
                    asyncio.create_task(self._send_and_record(claim, connection)),
                )

    async def _connections(self, sender_ids: list[int]) -> dict[int, ProviderSession]:
        """The numbers' connections, opened where need be. Connected before claiming: a number
        that cannot connect must not strand claims, and is not claimed for. A number still
        connecting after ``CONNECT_WAIT_SECONDS`` (WhatsApp Web may take many seconds) is left
        for a later tick, so that it holds up no other number's claim meanwhile."""
        connections = {i: self._sessions[i] for i in sender_ids if i in self._sessions}
        opening = {i: self._connect(i) for i in sender_ids if i not in connections}
        if opening:
            await asyncio.wait(opening.values(), timeout=CONNECT_WAIT_SECONDS)
        for sender_id, task in opening.items():
            if not task.done() or task.cancelled():
                continue
            error = task.exception()
            if error is None:
                connections[sender_id] = task.result()
                continue
            # A failed connection is tried again at a later turn.
            self._opening.pop(sender_id, None)
            if isinstance(error, ProviderFault):
                await self._connection_failed(sender_id, error)
            elif isinstance(error, Exception):
                logger.error("sender_connect_failed", sender_id=sender_id, exc_info=error)
                await self._connection_failed(
                    sender_id, ProviderFault(FaultKind.TRANSIENT, "could not connect")
                )
            else:
                raise error
        return connections

    async def _send_and_record(self, claim: Claim, connection: ProviderSession) -> None:
        try:
            outcomes = await self._send(claim, connection)
        except Exception as error:
            # Nothing reached WhatsApp (rendering or the attachment failed): put them back.
            logger.exception("send_prepare_failed", sender_id=claim.sender_id)
            not_sent = ProviderFault(FaultKind.TRANSIENT, type(error).__name__)
            outcomes = [Outcome(recipient, fault=not_sent) for recipient in claim.recipients]
        recorded = asyncio.get_running_loop().create_future()
        self._to_record.append((Sent(claim, outcomes, answered_at=utc_now()), recorded))
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._record_waiting())
        await recorded

    async def _record_waiting(self) -> None:
        """Record outcomes in groups as they come back: those that arrive while one group is
        being recorded make the next group, one transaction for all of them, so a number's
        outcome waits for at most one recording, never for the slowest send of its tick."""
        while self._to_record:
            group = self._to_record[:MAX_RECORD_CLAIMS]
            del self._to_record[:MAX_RECORD_CLAIMS]
            try:
                await self._record_with_retries([sent for sent, _ in group])
            finally:
                for _, recorded in group:
                    if not recorded.done():
                        recorded.set_result(None)

    async def _record_with_retries(self, group: list[Sent]) -> None:
        """Recording is idempotent (attempt ids, one settle), so a deadlock victim tries again;
        a group that still fails is recorded claim by claim, so that one claim's trouble (a lock
        it waits on, a row it cannot write) leaves no other claim's outcome unrecorded. A claim
        still unrecorded after that runs out its lease and becomes UNKNOWN."""
        if await self._recorded(group) or len(group) == 1:
            return
        for item in group:
            await self._recorded([item])

    async def _recorded(self, group: list[Sent]) -> bool:
        for attempt in range(1, RECORD_ATTEMPTS + 1):
            try:
                await self._record(group)
                return True
            except Exception:
                sender_ids = [item.claim.sender_id for item in group]
                logger.exception("record_failed", sender_ids=sender_ids, attempt=attempt)
                await asyncio.sleep(0.05 * attempt)
        return False

    async def _connection_failed(self, sender_id: int, fault: ProviderFault) -> None:
        now = utc_now()
        changed: set[int] = set()
        async with transaction(self.runtime.sessionmaker) as session:
            repo = DispatchRepository(session)
            sender = await repo.sender_for_update(sender_id)
            if sender is None:
                return
            if fault.kind is FaultKind.ACCOUNT:
                sender.status = fault.sender_status or SenderStatus.LOGGED_OUT
                sender.status_reason = fault.reason[:255]
                self._let_go(sender)
                changed = set(await repo.pause_for_sender(sender, reason=fault.reason))
            else:
                sender.next_send_at = now + timedelta(seconds=CONNECT_RETRY_SECONDS)
        await self._drop_sessions({sender_id})
        await self._campaigns_changed(changed)

    async def _claim(self, sender_ids: list[int]) -> list[Claim]:
        """Claim for each of these numbers what its pace allows, in one transaction whose
        statements serve them all: the numbers locked (in id order), their campaigns read, each
        one's next recipients picked (``_pick``), one reservation per claim, reserved per user
        (``_reserve``), every row marked claimed, each number's pace held (``_hold``)."""
        changed: set[int] = set()
        claims: list[Claim] = []
        refreshed: list[Sender] = []
        async with transaction(self.runtime.sessionmaker) as session:
            repo = DispatchRepository(session)
            senders = await repo.senders_for_update(sender_ids)
            now, now_monotonic = utc_now(), time.monotonic()
            senders = [
                sender
                for sender in senders
                if self._still_ours(sender, now=now) and self._settings_taken(sender, refreshed)
            ]
            zones = await self._load_zones(repo, {sender.user_id for sender in senders})
            ready: list[Sender] = []
            for sender in senders:
                earliest = self._earliest_claim(sender, now=now, zone=zones[sender.user_id])
                if earliest > now:
                    sender.next_send_at = earliest
                else:
                    ready.append(sender)
            in_turn = await repo.running_campaigns_in_turn(sender.id for sender in ready)
            wants: dict[int, Want] = {}
            for sender in ready:
                campaigns = in_turn.get(sender.id, [])
                # Campaigns sharing a number share its pace: the slowest one's interval holds.
                interval = max((campaign.interval_seconds for campaign in campaigns), default=0)
                zone = zones[sender.user_id]
                room = allowed_now(limits_of(sender), state_of(sender), zone=zone, now=now)
                batch = min(MAX_BATCH, room) if interval == 0 else min(1, room)
                if campaigns and batch > 0:
                    wants[sender.id] = Want(sender, campaigns, batch=batch, interval=interval)
            picked = await self._pick(repo, wants, now=now, changed=changed)
            reserved = await self._reserve(session, repo, picked, changed=changed)
            new_claims = [
                NewClaim(
                    campaign_id=choice.campaign.id,
                    sender_id=choice.want.sender.id,
                    reservation_id=reservation.id,
                    recipients=[
                        ClaimedRecipient(
                            id=row.id,
                            phone=row.phone,
                            name=row.name,
                            variables=dict(row.variables or {}),
                            attempt=row.attempt + 1,
                            attempt_id=str(uuid.uuid4()),
                            message_id=new_message_id(),
                        )
                        for row in choice.rows
                    ],
                )
                for choice, reservation in reserved
            ]
            lease_until = now + timedelta(seconds=self.settings.claim_lease_seconds)
            await repo.mark_claimed(new_claims, now=now, lease_until=lease_until)
            # From the moment the leases and holds count from, however long this transaction
            # took: a send may not start later than the hold allows for.
            deadline = now_monotonic + self._send_window()
            for (choice, _), new in zip(reserved, new_claims, strict=True):
                sender, campaign = choice.want.sender, choice.campaign
                hold = self._hold(
                    sender,
                    count=len(new.recipients),
                    now=now,
                    interval=choice.want.interval,
                    zone=zones[sender.user_id],
                )
                claims.append(
                    Claim(
                        sender_id=sender.id,
                        sender_phone=sender.phone,
                        campaign_id=campaign.id,
                        user_id=campaign.user_id,
                        message=campaign.message,
                        media_id=campaign.media_id,
                        campaign_updated_at=campaign.updated_at,
                        reservation_id=new.reservation_id,
                        recipients=list(new.recipients),
                        deadline=deadline,
                        hold=hold,
                        whatsapp_template=(
                            TemplateMapping.of(campaign.whatsapp_template)
                            if campaign.whatsapp_template
                            else None
                        ),
                    )
                )
        # Kept only once committed: a rolled-back transaction leaves its rows expired, and
        # unreadable once it has ended. Until then the old row stands, and the next claim
        # hands the new settings over again (``reconfigure`` may be called twice).
        self._owned.update({sender.id: sender for sender in refreshed})
        await self._campaigns_changed(changed | {claim.campaign_id for claim in claims})
        return claims

    def _settings_taken(self, sender: Sender, refreshed: list[Sender]) -> bool:
        """Whether the number's connection has its settings as the locked row holds them now
        (the user may have changed them since it connected: "typing…", a Cloud API token),
        handing them over when it had not (the row goes to ``refreshed``, to be kept once the
        claim commits). A connection that cannot take them is not claimed for: it is opened
        again, with them, at the number's next tick (``_serve``)."""
        held = self._owned.get(sender.id)
        if held is None or held.provider_config == sender.provider_config:
            return True
        refreshed.append(sender)
        session = self._sessions.get(sender.id)
        if session is None:
            return True  # it connects with them
        try:
            session.reconfigure(identity_of(sender))
        except Exception:
            logger.warning("sender_reconfigure_failed", sender_id=sender.id, exc_info=True)
            self._reopen.add(sender.id)
            return False
        return True

    def _still_ours(self, sender: Sender, *, now: datetime) -> bool:
        return (
            sender.lease_owner == self.worker_id
            and sender.status is SenderStatus.CONNECTED
            # A lease about to run out may pass to another worker mid-send: renew first.
            and sender.lease_expires_at is not None
            and sender.lease_expires_at >= now + timedelta(seconds=LEASE_MARGIN_SECONDS)
        )

    async def _pick(
        self, repo: DispatchRepository, wants: dict[int, Want], *, now: datetime, changed: set[int]
    ) -> list[Picked]:
        """Each number's recipients from the first of its campaigns (in turn) with any pending,
        in rounds of one statement batch for every number still wanting: a campaign wanted by
        several numbers shares its first rows out among them; a number whose campaign ran short
        asks its next campaign in the next round. Recipients opted out or known not on WhatsApp are
        SKIPPED on the way."""
        picked: dict[int, Picked] = {}
        turn = dict.fromkeys(wants, 0)  # each number's campaign being asked
        short: set[int] = set()  # campaigns with nothing more pending for this tick
        one_by_one: set[int] = set()  # a first row was another claim's: read with a LIMIT
        # Rows handed to a number in an earlier round: still PENDING (and locked by this very
        # transaction, which SKIP LOCKED does not skip) until the claims are marked.
        taken: set[int] = set()
        for _ in range(PICK_ROUNDS):
            asking: dict[int, list[Want]] = defaultdict(list)
            campaign_of: dict[int, Campaign] = {}
            for sender_id, want in wants.items():
                if sender_id in picked:
                    continue
                campaigns = want.campaigns
                while turn[sender_id] < len(campaigns) and campaigns[turn[sender_id]].id in short:
                    turn[sender_id] += 1
                if turn[sender_id] < len(campaigns):
                    campaign = campaigns[turn[sender_id]]
                    asking[campaign.id].append(want)
                    campaign_of[campaign.id] = campaign
            if not asking:
                break
            wanted = {campaign_id: sum(w.batch for w in ws) for campaign_id, ws in asking.items()}
            found = await repo.pending_recipients(
                wanted, one_by_one=frozenset(one_by_one), taken=frozenset(taken)
            )
            not_to_send = await repo.not_to_send_among(
                (
                    (campaign_of[campaign_id].user_id, row.phone)
                    for campaign_id, rows in found.items()
                    for row in rows
                ),
                absent_since=absent_since(self.settings, now=now),
            )
            skipped: list[Transition] = []
            for campaign_id, ws in asking.items():
                rows = found.get(campaign_id, [])
                if len(rows) < wanted[campaign_id]:
                    if wanted[campaign_id] > 1 or campaign_id in one_by_one:
                        short.add(campaign_id)
                    else:
                        one_by_one.add(campaign_id)
                user_id = campaign_of[campaign_id].user_id
                skipped += [
                    Transition(
                        row.id,
                        RecipientStatus.SKIPPED,
                        frozenset({RecipientStatus.PENDING}),
                        values={"error": not_to_send[(user_id, row.phone)]},
                    )
                    for row in rows
                    if (user_id, row.phone) in not_to_send
                ]
                rows = [row for row in rows if (user_id, row.phone) not in not_to_send]
                for want in ws:
                    share, rows = rows[: want.batch], rows[want.batch :]
                    if share:
                        picked[want.sender.id] = Picked(want, campaign_of[campaign_id], share)
                        taken.update(row.id for row in share)
            if skipped:
                skipping = (await repo.apply_transitions(skipped)).campaigns
                # A campaign whose last recipients were skipped has nothing left to record: it
                # ends here.
                changed |= skipping | set(await repo.finish_campaigns(skipping, now=now))
        return list(picked.values())

    async def _reserve(
        self,
        session: AsyncSession,
        repo: DispatchRepository,
        picked: list[Picked],
        *,
        changed: set[int],
    ) -> list[tuple[Picked, Reservation]]:
        """A reservation per claim, every user's reserved together (``reserve_many``). A user
        short of quota sends what is left, in turn, and pauses on a later turn."""
        if not picked:
            return []
        # The campaign rows before the subscription rows, as every other transaction takes them.
        await repo.lock_campaigns(choice.campaign.id for choice in picked)
        quota = QuotaService(session)
        by_user: dict[int, list[Picked]] = defaultdict(list)
        for choice in picked:
            by_user[choice.campaign.user_id].append(choice)
        answers = await quota.reserve_many({u: _quota_parts(c) for u, c in by_user.items()})
        reserved: list[tuple[Picked, Reservation]] = []
        short: dict[int, list[Picked]] = {}
        for user_id, choices in by_user.items():
            answer = answers[user_id]
            if not isinstance(answer, QuotaRefused):
                reserved += zip(choices, answer, strict=True)
            elif answer.reason is QuotaRefusal.QUOTA_EXHAUSTED and answer.available > 0:
                # Send what is left, in turn, then pause on a later turn.
                left, short[user_id] = answer.available, []
                for choice in choices:
                    if left > 0:
                        short[user_id].append(replace(choice, rows=choice.rows[:left]))
                        left -= len(short[user_id][-1].rows)
            else:
                campaign_ids = [choice.campaign.id for choice in choices]
                changed.update(await repo.pause_campaigns(campaign_ids, reason=answer.detail))
        if short:
            # The subscriptions are locked since the first answer: what was left still is.
            answers = await quota.reserve_many({u: _quota_parts(c) for u, c in short.items()})
            for user_id, choices in short.items():
                answer = answers[user_id]
                if not isinstance(answer, QuotaRefused):
                    reserved += zip(choices, answer, strict=True)
        return reserved

    def _earliest_claim(self, sender: Sender, *, now: datetime, zone: ZoneInfo) -> datetime:
        """The first moment the number may be claimed for: when it may send, and not while the
        claim's sends could still be going out when its quiet hours begin (they go out within
        the send window, not at the claim)."""
        limits, state = limits_of(sender), state_of(sender)
        earliest = earliest_send(now, limits=limits, state=state, zone=zone)
        if earliest > now:
            return earliest
        window_end = now + timedelta(seconds=self._send_window() + LEASE_MARGIN_SECONDS)
        after_window = earliest_send(window_end, limits=limits, state=state, zone=zone)
        # Only the quiet hours move a moment this close to now this far: the daily cap counts
        # on the claim's day, and the interval is already behind.
        return after_window if after_window > window_end else now

    def _send_window(self) -> float:
        """Seconds after a claim within which its sends start and are answered: the send
        timeout, and always a margin before the claim's lease ends, to record in."""
        settings = self.settings
        return min(
            settings.send_timeout_seconds, settings.claim_lease_seconds - LEASE_MARGIN_SECONDS
        )

    def _hold(
        self, sender: Sender, *, count: int, now: datetime, interval: int, zone: ZoneInfo
    ) -> Hold:
        """Pace the number before its sends, in the claim's transaction: count them as sent and
        hold it until its send window is over plus the wait. Recording corrects both; a worker
        that never records (killed, the database gone for longer than its retries) leaves the
        number counted and waiting at least its interval after any send the claim may have made.
        """
        limits = limits_of(sender)
        state = after_send(
            now,
            limits=limits,
            state=state_of(sender),
            interval_seconds=interval,
            jitter_ratio=self.settings.pacing_jitter_ratio,
            zone=zone,
            rng=self.rng,
            sent=count,
        )
        assert state.next_send_at is not None
        # The last moment a send of this claim may go out: its send window, and a margin for
        # one that left just before the window closed.
        window = timedelta(seconds=self._send_window() + LEASE_MARGIN_SECONDS)
        sender.next_send_at = state.next_send_at + window
        sender.last_sent_at = now
        sender.sent_on_day = state.sent_on_day
        sender.sent_today = state.sent_today
        sender.sent_since_pause = state.sent_since_pause
        return Hold(
            wait_seconds=(state.next_send_at - now).total_seconds(),
            counted_on=state.sent_on_day,
            pause_started=limits.pause_every is not None and state.sent_since_pause == 0,
        )

    async def _send(self, claim: Claim, session: ProviderSession) -> list[Outcome]:
        template = self._template(claim)
        media = await self._media_for(claim)
        if len(claim.recipients) > 1:
            # Only a zero interval makes batches; sending them at once keeps the window in which
            # a crash leaves claims unknown as short as one round trip.
            return list(
                await asyncio.gather(
                    *(
                        self._send_one(session, template, media, r, claim=claim)
                        for r in claim.recipients
                    )
                )
            )
        recipient = claim.recipients[0]
        return [await self._send_one(session, template, media, recipient, claim=claim)]

    async def _send_one(
        self,
        session: ProviderSession,
        template: Template,
        media: MediaPayload | None,
        recipient: ClaimedRecipient,
        *,
        claim: Claim,
    ) -> Outcome:
        deadline = claim.deadline
        values = recipient_values(
            name=recipient.name, phone=recipient.phone, variables=recipient.variables
        )
        whatsapp = claim.whatsapp_template
        message = OutgoingMessage(
            to=recipient.phone,
            text=render_for(template, values, seed=recipient.id),
            message_id=recipient.message_id,
            media=media,
            template=(
                TemplateChoice(whatsapp.name, whatsapp.language, whatsapp.parameters(values))
                if whatsapp is not None
                else None
            ),
        )
        if time.monotonic() >= deadline:
            # The worker was held up (frozen, starved) past its claim: the lease may have gone
            # to the reconciler, so this send must not start. Nothing went out.
            return Outcome(recipient, fault=ProviderFault(FaultKind.TRANSIENT, LEASE_RAN_OUT))
        try:
            async with asyncio.timeout(deadline - time.monotonic()):
                return Outcome(recipient, accepted=await session.send(message))
        except ProviderFault as fault:
            return Outcome(recipient, fault=fault)
        except TimeoutError:
            # No answer within the claim: it may have gone out. Recorded UNKNOWN while the
            # claim is still ours; a receipt settles it.
            return Outcome(recipient, fault=ProviderFault(FaultKind.UNCERTAIN, NO_ANSWER))
        except Exception as error:
            # We cannot tell whether WhatsApp took it: never resend blindly.
            logger.exception("send_raised", recipient_id=recipient.id)
            uncertain = ProviderFault(FaultKind.UNCERTAIN, type(error).__name__)
            return Outcome(recipient, fault=uncertain)

    async def _record(self, group: list[Sent]) -> None:
        """Record claims' outcomes in one transaction, each fenced by its attempt ids: rows the
        reconciler took (the lease ran out) stay as it left them, UNKNOWN, for a receipt."""
        now = utc_now()
        # A send's time is when WhatsApp answered it, not when its group came to be recorded.
        transitions = [
            self._transition(outcome, sent_at=item.answered_at)
            for item in group
            for outcome in item.outcomes
        ]
        changed: set[int] = {item.claim.campaign_id for item in group}
        async with transaction(self.runtime.sessionmaker) as session:
            repo = DispatchRepository(session)
            # One lock order everywhere: senders, recipients, campaigns, subscriptions.
            senders = await repo.senders_for_update(item.claim.sender_id for item in group)
            applied = await repo.apply_transitions(transitions)
            changed |= applied.campaigns
            # A receipt may have beaten us to a row (its move to SENT, which stamps the send
            # time, did not happen); it still needs its send time.
            sent_now = {t.recipient_id for t in applied.moved if t.to is RecipientStatus.SENT}
            for item in group:
                overtaken = [
                    outcome.recipient
                    for outcome in item.outcomes
                    if outcome.accepted is not None and outcome.recipient.id not in sent_now
                ]
                if overtaken:
                    await repo.stamp_sent(overtaken, now=item.answered_at)
            # Charged by what the rows show once moved (read under lock), never by what this
            # worker believes: a reservation settles once, whoever (worker or reconciler) gets
            # there first.
            charged = applied.charged()
            held = await QuotaService(session).settle_each(
                {item.claim.reservation_id: charged[item.claim.reservation_id] for item in group}
            )
            sender_of = {sender.id: sender for sender in senders}
            for item in group:
                sender = sender_of.get(item.claim.sender_id)
                if sender is not None:
                    held_now = item.claim.reservation_id in held
                    changed |= await self._pace(repo, sender, item, now=now, held=held_now)
            changed |= set(await repo.finish_campaigns(changed, now=now))
        moved = {transition.recipient_id for transition in applied.moved}
        for item in group:
            claim = item.claim
            if claim.reservation_id not in held and not any(
                recipient.id in moved for recipient in claim.recipients
            ):
                self._claim_lost(claim, item.outcomes)
        await self._campaigns_changed(changed)

    def _claim_lost(self, claim: Claim, outcomes: list[Outcome]) -> None:
        """The claim was no longer ours when its outcome came to be recorded: said, not written."""
        went_out = sum(1 for outcome in outcomes if outcome.accepted is not None)
        CLAIMS_LOST.inc()
        logger.warning(
            "claim_lost",
            worker_id=self.worker_id,
            sender_id=claim.sender_id,
            campaign_id=claim.campaign_id,
            recipients=len(outcomes),
            sent=went_out,
            detail="the claim's lease ran out before its outcome was recorded; its recipients "
            "stay UNKNOWN until a receipt settles them",
        )

    def _transition(self, outcome: Outcome, *, sent_at: datetime) -> Transition:
        recipient = outcome.recipient

        def to(status: RecipientStatus, **values: Any) -> Transition:
            return Transition(
                recipient.id, status, CLAIMED, attempt_id=recipient.attempt_id, values=values
            )

        if outcome.accepted is not None:
            return to(
                RecipientStatus.SENT,
                provider_message_id=outcome.accepted.provider_message_id,
                sent_at=sent_at,
                lease_expires_at=None,
                error=None,
            )
        fault = outcome.fault
        assert fault is not None
        reason = fault.reason[:1000]
        if fault.kind is FaultKind.NOT_ON_WHATSAPP:
            return to(RecipientStatus.SKIPPED, error=reason, lease_expires_at=None)
        if fault.kind is FaultKind.RECIPIENT_INVALID:
            return to(RecipientStatus.FAILED, error=reason, lease_expires_at=None)
        if fault.kind is FaultKind.UNCERTAIN:
            return to(RecipientStatus.UNKNOWN, error=reason, lease_expires_at=None)
        if (
            fault.kind is FaultKind.TRANSIENT
            and recipient.attempt >= self.settings.max_send_attempts
        ):
            return to(RecipientStatus.FAILED, error=reason, lease_expires_at=None)
        # Not sent, and not the recipient's fault: back in line. Only a real try counts.
        attempt = recipient.attempt if fault.kind is FaultKind.TRANSIENT else recipient.attempt - 1
        return to(
            RecipientStatus.PENDING,
            error=reason,
            attempt=attempt,
            attempt_id=None,
            message_id=None,
            lease_expires_at=None,
            quota_reservation_id=None,
        )

    async def _pace(
        self, repo: DispatchRepository, sender: Sender, sent: Sent, *, now: datetime, held: bool
    ) -> set[int]:
        """The number's next moment once the outcomes are known. The claim counted its sends and
        held the number (``_hold``); a claim still ``held`` (this worker's, recorded now) gives
        back the count of what surely did not go out and waits from its last answer instead of
        the hold. A claim the reconciler took leaves both as they are: its sends may all have
        happened. So does a send left uncertain: a server that did not answer in time may still
        take the message after its client gave up (a slow Graph API does), so the number waits
        its interval from the end of the claim's send window, as the hold says, not from the
        moment the worker stopped waiting."""
        claim, outcomes = sent.claim, sent.outcomes
        uncertain = sum(
            1
            for outcome in outcomes
            if outcome.fault is not None and outcome.fault.kind is FaultKind.UNCERTAIN
        )
        reached = uncertain + sum(1 for outcome in outcomes if outcome.accepted is not None)
        next_send_at = sender.next_send_at or now
        if held:
            not_sent = len(outcomes) - reached
            if not_sent and sender.sent_on_day == claim.hold.counted_on:
                sender.sent_today = max(0, sender.sent_today - not_sent)
            if not_sent and not claim.hold.pause_started:
                sender.sent_since_pause = max(0, sender.sent_since_pause - not_sent)
            from_the_answer = sent.answered_at + timedelta(seconds=claim.hold.wait_seconds)
            # At interval 0 there is no spacing to keep, only throughput to lose.
            if uncertain and claim.hold.wait_seconds > 0:
                # The hold, unless an edit of the number's limits moved it sooner meanwhile.
                next_send_at = max(next_send_at, from_the_answer)
            else:
                next_send_at = from_the_answer
            sender.last_sent_at = sent.answered_at if reached else sender.last_sent_at
        faults = [outcome.fault for outcome in outcomes if outcome.fault is not None]
        for fault in faults:
            if fault.kind is FaultKind.RATE_LIMITED:
                wait = fault.retry_after_seconds or 60.0
                next_send_at = max(next_send_at, now + timedelta(seconds=wait))
            if fault.kind is FaultKind.TRANSIENT:
                backoff = min(300.0, 2.0 ** min(max(r.attempt for r in claim.recipients), 8))
                next_send_at = max(next_send_at, now + timedelta(seconds=backoff))
        sender.next_send_at = next_send_at
        account = next((fault for fault in faults if fault.kind is FaultKind.ACCOUNT), None)
        if account is None:
            return set()
        sender.status = account.sender_status or SenderStatus.LOGGED_OUT
        sender.status_reason = account.reason[:255]
        self._let_go(sender)
        return set(await repo.pause_for_sender(sender, reason=account.reason))

    def _let_go(self, sender: Sender) -> None:
        """Give up a number that cannot send; the next tick's lease pass (not one a poll later)
        closes its connection, so nothing more comes in on it."""
        sender.lease_owner = None
        sender.lease_expires_at = None
        self._last_lease_pass = -math.inf

    # ---- connections, templates, media ---------------------------------------------------

    def _connect(self, sender_id: int) -> asyncio.Task[ProviderSession]:
        opening = self._opening.get(sender_id)
        if opening is None:
            opening = asyncio.create_task(self._open(sender_id))
            self._opening[sender_id] = opening
        return opening

    async def _open(self, sender_id: int) -> ProviderSession:
        sender = self._owned[sender_id]
        provider = build_provider(sender.provider, runtime=self.runtime)
        session = await provider.open(identity_of(sender))
        self._sessions[sender_id] = session
        self._event_tasks[sender_id] = asyncio.create_task(
            self._events.consume(sender_id=sender.id, user_id=sender.user_id, session=session)
        )
        return session

    async def _session_for(self, sender_id: int) -> ProviderSession:
        existing = self._sessions.get(sender_id)
        if existing is not None:
            return existing
        try:
            return await self._connect(sender_id)
        except BaseException:
            # A failed connection is tried again at the next turn.
            self._opening.pop(sender_id, None)
            raise

    async def _drop_sessions(self, sender_ids: set[int]) -> None:
        for sender_id in sender_ids:
            if sender_id in self._in_flight:
                continue
            self._owned.pop(sender_id, None)
            self._reopen.discard(sender_id)
            await self._presence.forget({sender_id})
            await self._disconnect(sender_id)

    async def _disconnect(self, sender_id: int) -> None:
        """Close the number's connection (the next turn that needs it opens it again)."""
        opening = self._opening.pop(sender_id, None)
        if opening is not None and not opening.done():
            opening.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await opening
        task = self._event_tasks.pop(sender_id, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        session = self._sessions.pop(sender_id, None)
        if session is not None:
            with contextlib.suppress(Exception):
                await session.close()

    def _template(self, claim: Claim) -> Template:
        key = (claim.campaign_id, claim.campaign_updated_at)
        template = self._templates.get(key)
        if template is None:
            template = parse_template(claim.message)
            self._templates[key] = template
        return template

    async def _media_for(self, claim: Claim) -> MediaPayload | None:
        if claim.media_id is None:
            return None
        payload = self._media.get(claim.media_id)
        if payload is None:
            async with transaction(self.runtime.sessionmaker) as session:
                payload = await load_media_payload(session, claim.media_id, settings=self.settings)
            self._media[claim.media_id] = payload
        return payload

    async def _campaigns_changed(self, campaign_ids: set[int]) -> None:
        if campaign_ids and self._notify is not None:
            try:
                await self._notify(campaign_ids)
            except Exception:
                logger.exception("progress_notify_failed")
