"""Prometheus metrics for the HTTP API, kept in Payam's own registry.

A private ``CollectorRegistry`` (not prometheus_client's global one) lets tests and repeated
app factories import this module without "Duplicated timeseries" errors. Each process has its
own registry: with several worker processes, every worker must be scraped on its own.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.responses import Response

__all__ = [
    "CLAIMS_LOST",
    "HTTP_EXCEPTIONS",
    "HTTP_REQUESTS",
    "HTTP_REQUEST_DURATION",
    "REGISTRY",
    "UNMATCHED_ROUTE",
    "metric_method",
    "metrics_response",
]

REGISTRY = CollectorRegistry(auto_describe=True)

# The route label for requests no route matched; a raw path there would let any client
# create unlimited time series.
UNMATCHED_ROUTE = "unmatched"

HTTP_REQUESTS = Counter(
    "payam_http_requests_total",
    "HTTP requests answered, by route template and status code.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_REQUEST_DURATION = Histogram(
    "payam_http_request_duration_seconds",
    "Time from receiving an HTTP request to sending the last byte of its response.",
    ["method", "route"],
    registry=REGISTRY,
)
HTTP_EXCEPTIONS = Counter(
    "payam_http_exceptions_total",
    "HTTP requests whose handling raised an exception no handler turned into a response.",
    ["method", "route"],
    registry=REGISTRY,
)

CLAIMS_LOST = Counter(
    "payam_dispatch_claims_lost_total",
    "Claims whose lease ran out before their worker recorded them (frozen or starved worker, "
    "send slower than the lease); their recipients stayed UNKNOWN for receipts to settle.",
    registry=REGISTRY,
)

_KNOWN_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}
)


def metric_method(method: str) -> str:
    """The method label: clients can send any token as a method, so unknown ones share one."""
    return method if method in _KNOWN_METHODS else "OTHER"


def metrics_response() -> Response:
    """The registry in Prometheus' text exposition format (version 0.0.4)."""
    # generate_latest() writes the 0.0.4 format; prometheus_client's CONTENT_TYPE_LATEST names
    # 1.0.0 in recent releases, so the content type is pinned to match what is actually written.
    return Response(content=generate_latest(REGISTRY), media_type=CONTENT_TYPE_PLAIN_0_0_4)
