"""The events an endpoint may choose, and which of them are batched."""

from __future__ import annotations

from enum import StrEnum

from payam.models import CampaignStatus, RecipientStatus, SenderStatus


class EventType(StrEnum):
    CAMPAIGN_STARTED = "campaign.started"
    CAMPAIGN_PAUSED = "campaign.paused"
    CAMPAIGN_COMPLETED = "campaign.completed"
    CAMPAIGN_FAILED = "campaign.failed"
    RECIPIENT_SENT = "recipient.sent"
    RECIPIENT_DELIVERED = "recipient.delivered"
    RECIPIENT_READ = "recipient.read"
    RECIPIENT_FAILED = "recipient.failed"
    RECIPIENT_SKIPPED = "recipient.skipped"
    RECIPIENT_REPLIED = "recipient.replied"
    RECIPIENT_OPTED_OUT = "recipient.opted_out"
    SENDER_CONNECTED = "sender.connected"
    SENDER_DISCONNECTED = "sender.disconnected"
    SENDER_LOGGED_OUT = "sender.logged_out"
    SENDER_BANNED = "sender.banned"
    IMPORT_FINISHED = "import.finished"

    @property
    def batched(self) -> bool:
        """Recipient events come by the thousand: they travel together, one batch a second."""
        return self.value.startswith("recipient.")


CAMPAIGN_EVENTS: dict[CampaignStatus, EventType] = {
    CampaignStatus.RUNNING: EventType.CAMPAIGN_STARTED,
    CampaignStatus.PAUSED: EventType.CAMPAIGN_PAUSED,
    CampaignStatus.COMPLETED: EventType.CAMPAIGN_COMPLETED,
    CampaignStatus.FAILED: EventType.CAMPAIGN_FAILED,
}

RECIPIENT_EVENTS: dict[RecipientStatus, EventType] = {
    RecipientStatus.SENT: EventType.RECIPIENT_SENT,
    RecipientStatus.DELIVERED: EventType.RECIPIENT_DELIVERED,
    RecipientStatus.READ: EventType.RECIPIENT_READ,
    RecipientStatus.FAILED: EventType.RECIPIENT_FAILED,
    RecipientStatus.SKIPPED: EventType.RECIPIENT_SKIPPED,
}

SENDER_EVENTS: dict[SenderStatus, EventType] = {
    SenderStatus.CONNECTED: EventType.SENDER_CONNECTED,
    SenderStatus.DISCONNECTED: EventType.SENDER_DISCONNECTED,
    SenderStatus.LOGGED_OUT: EventType.SENDER_LOGGED_OUT,
    SenderStatus.BANNED: EventType.SENDER_BANNED,
}
