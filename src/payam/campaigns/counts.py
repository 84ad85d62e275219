"""A campaign's recipients by status, from the counters kept beside them."""

from __future__ import annotations

from payam.campaigns.schemas import Counts
from payam.models import Campaign


def counts_of(campaign: Campaign) -> Counts:
    in_states = (
        campaign.sending_count
        + campaign.sent_count
        + campaign.delivered_count
        + campaign.read_count
        + campaign.failed_count
        + campaign.skipped_count
        + campaign.unknown_count
    )
    return Counts(
        total=campaign.total_recipients,
        pending=campaign.total_recipients - in_states,
        sending=campaign.sending_count,
        sent=campaign.sent_count,
        delivered=campaign.delivered_count,
        read=campaign.read_count,
        failed=campaign.failed_count,
        skipped=campaign.skipped_count,
        unknown=campaign.unknown_count,
    )
