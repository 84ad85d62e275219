from __future__ import annotations

from datetime import datetime

from payam.kit.schemas import Schema
from payam.models import MediaKind


class Media(Schema):
    """An attachment: what its content turned out to be, not what its name claimed."""

    id: int
    kind: MediaKind
    mime_type: str
    size_bytes: int
    sha256: str
    filename: str
    created_at: datetime
