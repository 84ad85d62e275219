"""The periodic sweep that keeps promises when workers die: never skipped, never stuck.

- A claim whose lease ran out becomes UNKNOWN (its worker may have sent it; only a receipt can
  tell), and its reservation is settled by its rows, UNKNOWN counted as used: a message that may
  have gone out is paid for. The claim is then no longer its worker's: the worker's late outcome
  is fenced off by the attempt id (it moves only rows still SENDING), so nothing it writes can
  change what this settlement charged.
- A quota reservation whose claim ended without being recorded is settled by its rows.
- A scheduled campaign whose time has come starts (or pauses, saying why, if it cannot).
- A running campaign with nothing left to send is completed.

Every step is a conditional change under lock, so any number of workers may sweep at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from payam.billing.quota import QuotaService
from payam.billing.repository import ReservationRepository
from payam.db.session import transaction
from payam.dispatch.repository import DispatchRepository, Transition, claim_in_flight
from payam.models import CampaignStatus, RecipientStatus
from payam.runtime import Runtime
from payam.senders.repository import SenderRepository

SWEEP_LIMIT = 1000
SWEEP_RESERVATIONS = 500
LEASE_LAPSED = "the worker sending it stopped before recording the outcome; waiting for a receipt"
NO_SENDER = "no connected WhatsApp number: link or reconnect one, then resume"


async def reconcile(runtime: Runtime, *, now: datetime) -> set[int]:
    changed: set[int] = set()
    async with transaction(runtime.sessionmaker) as session:
        repo = DispatchRepository(session)
        expired = await repo.expired_claims(now=now, limit=SWEEP_LIMIT)
        applied = await repo.apply_transitions(
            [
                Transition(
                    row.id,
                    RecipientStatus.UNKNOWN,
                    frozenset({RecipientStatus.SENDING}),
                    attempt_id=row.attempt_id,
                    values={"error": LEASE_LAPSED, "lease_expires_at": None},
                )
                for row in expired
            ]
        )
        changed |= applied.campaigns
        # Settle each claim that ran out once none of its rows is SENDING any more (a sweep's
        # limit may split one): by its rows, like every settlement.
        ran_out = sorted({row.quota_reservation_id for row in expired} - {None})
        over = set(ran_out) - await repo.still_sending(ran_out)
        # A claim's worker may die after a receipt moved its rows on, leaving nothing SENDING
        # to expire: settle such reservations by what their rows show.
        stale = await ReservationRepository(session).held_since(
            now - timedelta(seconds=2 * runtime.settings.claim_lease_seconds),
            unless=claim_in_flight,
            limit=SWEEP_RESERVATIONS,
        )
        settle = sorted(over | set(stale))
        charged = await repo.charged_counts(settle)
        await QuotaService(session).settle_each(
            {reservation_id: charged.get(reservation_id, 0) for reservation_id in settle}
        )
        due = await repo.due_scheduled(now=now)
        connected = await SenderRepository(session).connected_counts([c.id for c in due])
        for campaign in due:
            if connected.get(campaign.id):
                campaign.status = CampaignStatus.RUNNING
                campaign.status_reason = None
            else:
                campaign.status = CampaignStatus.PAUSED
                campaign.status_reason = NO_SENDER
            changed.add(campaign.id)
        changed |= set(await repo.finish_all_done(now=now))
    return changed
