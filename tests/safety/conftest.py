"""Sara and Omid, signed in, with sandbox numbers paced as in production (a random extra wait)."""

import pytest

from payam.config import Settings
from tests.campaign_support import FAST, stranger, user  # noqa: F401 - this folder's fixtures


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={**FAST, "pacing_jitter_ratio": 0.3})
