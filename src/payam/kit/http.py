"""What every outgoing HTTP client shares."""

from __future__ import annotations

import ssl
from functools import cache

import httpx


@cache
def trusted_authorities() -> ssl.SSLContext:
    """httpx's own certificate verification (certifi's authorities), built once per process.

    httpx builds this context again for every client made without one, and reading the
    authorities costs tens of milliseconds of CPU each time: a worker delivering webhooks made a
    client per delivery, and the suite a runtime per test. A context is safe to share.
    """
    return httpx.create_ssl_context()
