"""Logs, metrics, request ids and health probes for the HTTP service."""

from payam.observability.health import router as health_router
from payam.observability.logging import configure_logging
from payam.observability.metrics import REGISTRY, metrics_response
from payam.observability.middleware import RequestContextMiddleware

__all__ = [
    "REGISTRY",
    "RequestContextMiddleware",
    "configure_logging",
    "health_router",
    "metrics_response",
]
