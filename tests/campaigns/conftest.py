"""Sara and Omid, signed in, with quick sandbox numbers (tests/campaign_support.py)."""

from tests.campaign_support import settings, stranger, user  # noqa: F401 - this folder's fixtures
