"""Fault drills against real `payam worker` processes (see support.py and docs/reliability.md)."""

from __future__ import annotations

from tests.campaign_support import settings, user  # noqa: F401 - this folder's fixtures
