"""Which transport a sender gets: the sandbox now, a clear refusal for those still to come."""

from __future__ import annotations

import pytest

from payam.kit.errors import InvalidInput
from payam.models import ProviderName
from payam.providers.registry import build_provider, sandbox_provider
from payam.providers.sandbox import SandboxProvider
from payam.runtime import Runtime


async def test_the_sandbox_is_one_provider_per_runtime(runtime: Runtime) -> None:
    provider = build_provider(ProviderName.SANDBOX, runtime=runtime)

    assert isinstance(provider, SandboxProvider)
    assert provider.name == "sandbox"
    assert build_provider(ProviderName.SANDBOX, runtime=runtime) is provider
    assert sandbox_provider(runtime) is provider
    assert provider.settings is runtime.settings


@pytest.mark.parametrize(
    ("name", "label"),
    [(ProviderName.WEB, "WhatsApp Web"), (ProviderName.CLOUD, "WhatsApp Cloud API")],
)
async def test_transports_not_built_yet_are_refused_by_name(
    runtime: Runtime, name: ProviderName, label: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        build_provider(name, runtime=runtime)

    assert raised.value.status_code == 422
    assert raised.value.detail == f"The {label} transport is not available yet"
    assert raised.value.problems[0].field == "provider"
