from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from pydantic import AnyUrl, Field, UrlConstraints, field_validator

from payam.kit.schemas import InputSchema, Schema, SingleLineText
from payam.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from payam.webhooks.events import EventType

WebhookUrl = Annotated[
    AnyUrl,
    UrlConstraints(max_length=2048, allowed_schemes=["http", "https"], host_required=True),
]


def _distinct(events: list[EventType]) -> list[EventType]:
    return sorted(set(events))


class EndpointCreate(InputSchema):
    url: WebhookUrl = Field(examples=["https://crm.example.com/payam-events"])
    events: list[EventType] = Field(min_length=1)
    description: Annotated[SingleLineText, Field(max_length=255)] | None = None

    _events = field_validator("events")(_distinct)


class EndpointUpdate(InputSchema):
    url: WebhookUrl | None = None
    events: list[EventType] | None = Field(default=None, min_length=1)
    description: Annotated[SingleLineText, Field(max_length=255)] | None = None
    enabled: bool | None = Field(
        default=None, description="true enables a disabled endpoint again; waiting events follow"
    )

    @field_validator("events")
    @classmethod
    def _events(cls, events: list[EventType] | None) -> list[EventType] | None:
        return None if events is None else _distinct(events)


class Endpoint(Schema):
    id: int
    url: str
    description: str | None
    events: list[EventType]
    enabled: bool
    disabled_reason: str | None
    failure_streak: int = Field(description="Failed attempts in a row")
    previous_secret_until: datetime | None = Field(
        description="After a rotation: until when the old secret also signs every delivery"
    )
    created_at: datetime


class CreatedEndpoint(Endpoint):
    secret: str = Field(
        description=(
            "Shown this once (at creation or rotation): the key that signs every delivery "
            "(`whsec_…`)"
        )
    )


class Attempt(Schema):
    attempted_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None
    response_excerpt: str | None


class Delivery(Schema):
    id: int
    message_id: str = Field(description="The `webhook-id` header, the same on every retry")
    status: DeliveryStatus
    event_count: int
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    body: str = Field(description="Exactly what was signed and sent")
    tries: list[Attempt] = Field(default_factory=list, description="Its attempts, oldest first")


def to_delivery(delivery: WebhookDelivery, attempts: Sequence[WebhookAttempt]) -> Delivery:
    view = Delivery.model_validate(delivery)
    view.tries = [Attempt.model_validate(attempt) for attempt in attempts]
    return view
