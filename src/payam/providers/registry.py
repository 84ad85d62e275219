"""Which transport serves a sender: one provider per process, shared by all its numbers."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from payam.models import ProviderName
from payam.providers.base import Provider
from payam.providers.cloud.provider import CloudProvider
from payam.providers.sandbox import SandboxProvider
from payam.providers.web.provider import WebProvider
from payam.runtime import Runtime

# One provider of each kind per Runtime (that is, per process): the sandbox's sessions share one
# receipt poller and one ledger writer, and a test that drives account faults must reach the
# instance the engine uses. Keyed by id() because Runtime is an unhashable dataclass; the
# entries go with the runtime.
_instances: dict[tuple[int, ProviderName], Any] = {}
ProviderT = TypeVar("ProviderT")


def _kept(runtime: Runtime, name: ProviderName, make: Callable[[], ProviderT]) -> ProviderT:
    key = (id(runtime), name)
    provider: ProviderT | None = _instances.get(key)
    if provider is None:
        provider = make()
        _instances[key] = provider
        weakref.finalize(runtime, _instances.pop, key, None)
    return provider


def sandbox_provider(runtime: Runtime) -> SandboxProvider:
    """The process's sandbox transport, typed as such (for link() and set_account_status())."""
    return _kept(
        runtime,
        ProviderName.SANDBOX,
        lambda: SandboxProvider(sessionmaker=runtime.sessionmaker, settings=runtime.settings),
    )


def cloud_provider(runtime: Runtime) -> CloudProvider:
    """The process's Cloud API transport."""
    return _kept(
        runtime,
        ProviderName.CLOUD,
        lambda: CloudProvider(
            sessionmaker=runtime.sessionmaker,
            settings=runtime.settings,
            http=runtime.http_client,
        ),
    )


def web_provider(runtime: Runtime) -> WebProvider:
    """The process's WhatsApp Web transport (and its linking sessions)."""
    return _kept(
        runtime,
        ProviderName.WEB,
        lambda: WebProvider(
            sessionmaker=runtime.sessionmaker, settings=runtime.settings, hub=runtime.hub
        ),
    )


def build_provider(name: ProviderName, *, runtime: Runtime) -> Provider:
    """The transport for ``name``; the same instance on every call with the same runtime."""
    if name == ProviderName.SANDBOX:
        return sandbox_provider(runtime)
    if name == ProviderName.CLOUD:
        return cloud_provider(runtime)
    return web_provider(runtime)
