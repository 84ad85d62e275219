"""Which transport serves a sender: one provider per process, shared by all its numbers."""

from __future__ import annotations

import weakref

from payam.kit.errors import InvalidInput
from payam.models import ProviderName
from payam.providers.base import Provider
from payam.providers.sandbox import SandboxProvider
from payam.runtime import Runtime

_NOT_YET = {
    ProviderName.WEB: "WhatsApp Web",
    ProviderName.CLOUD: "WhatsApp Cloud API",
}

# One sandbox per Runtime (that is, per process): its sessions share one receipt poller and one
# ledger writer, and a test that drives account faults must reach the instance the engine uses.
# Keyed by id() because Runtime is an unhashable dataclass; the entry goes with the runtime.
_sandboxes: dict[int, SandboxProvider] = {}


def sandbox_provider(runtime: Runtime) -> SandboxProvider:
    """The process's sandbox transport, typed as such (for link() and set_account_status())."""
    key = id(runtime)
    provider = _sandboxes.get(key)
    if provider is None:
        provider = SandboxProvider(sessionmaker=runtime.sessionmaker, settings=runtime.settings)
        _sandboxes[key] = provider
        weakref.finalize(runtime, _sandboxes.pop, key, None)
    return provider


def build_provider(name: ProviderName, *, runtime: Runtime) -> Provider:
    """The transport for ``name``; the same instance on every call with the same runtime."""
    if name == ProviderName.SANDBOX:
        return sandbox_provider(runtime)
    label = _NOT_YET.get(ProviderName(name), str(name))
    raise InvalidInput(f"The {label} transport is not available yet", field="provider")
