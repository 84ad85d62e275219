from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from payam.kit.schemas import Schema


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    DANGER = "danger"


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Finding(Schema):
    code: str = Field(examples=["FAST_PACE_NO_JITTER"])
    severity: Severity
    points: int = Field(description="What this finding adds to the score")
    found: str = Field(description="What was found")
    change: str = Field(description="What to change to lower the risk")


class Preflight(Schema):
    """A campaign's ban risk, scored before it starts from the facts Payam holds."""

    campaign_id: int
    score: int = Field(ge=0, le=100, description="0 safest, 100 riskiest")
    level: RiskLevel = Field(description="low below 25, medium below 50, high from 50")
    recipients: int = Field(description="Recipients still to send to")
    days_needed: int | None = Field(
        description="Days the campaign's numbers need for them at their daily caps (warm-up"
        " included); null when none of its numbers may send"
    )
    findings: list[Finding]
