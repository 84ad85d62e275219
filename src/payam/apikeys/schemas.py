from __future__ import annotations

import ipaddress
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field, field_validator

from payam.apikeys.scopes import Scope
from payam.kit.schemas import InputSchema, Schema, SingleLineText


def _network(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except ValueError:
        raise ValueError("use an IP address or a network such as 203.0.113.0/24") from None


Network = Annotated[str, Field(max_length=64, examples=["203.0.113.7"]), AfterValidator(_network)]


class ApiKeyCreate(InputSchema):
    name: Annotated[SingleLineText, Field(max_length=100, examples=["CRM"])]
    scopes: list[Scope] = Field(min_length=1, examples=[["read", "campaigns:write"]])
    expires_at: AwareDatetime | None = Field(
        default=None, description="When the key stops working; never when omitted"
    )
    allowed_networks: list[Network] = Field(
        default_factory=list,
        max_length=20,
        description="Client addresses or networks the key may be used from; anywhere when empty",
    )

    @field_validator("scopes")
    @classmethod
    def _distinct(cls, scopes: list[Scope]) -> list[Scope]:
        return sorted(set(scopes))


class ApiKey(Schema):
    id: int
    name: str
    prefix: str = Field(description="The secret's first characters, to recognise the key by")
    scopes: list[Scope]
    allowed_networks: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None = Field(description="Kept to within a minute")
    last_used_ip: str | None
    revoked_at: datetime | None


class CreatedApiKey(ApiKey):
    secret: str = Field(description="Shown this once: send it as `Authorization: Bearer <secret>`")
