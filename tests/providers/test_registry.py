"""Which transport a sender gets: the sandbox, the Cloud API, a clear refusal for those to come."""

from __future__ import annotations

import pytest

from payam.kit.errors import InvalidInput
from payam.models import ProviderName
from payam.providers.cloud.provider import CloudProvider
from payam.providers.registry import build_provider, cloud_provider, sandbox_provider
from payam.providers.sandbox import SandboxProvider
from payam.runtime import Runtime


async def test_the_sandbox_is_one_provider_per_runtime(runtime: Runtime) -> None:
    provider = build_provider(ProviderName.SANDBOX, runtime=runtime)

    assert isinstance(provider, SandboxProvider)
    assert provider.name == "sandbox"
    assert build_provider(ProviderName.SANDBOX, runtime=runtime) is provider
    assert sandbox_provider(runtime) is provider
    assert provider.settings is runtime.settings


async def test_the_cloud_api_is_one_provider_per_runtime(runtime: Runtime) -> None:
    provider = build_provider(ProviderName.CLOUD, runtime=runtime)

    assert isinstance(provider, CloudProvider)
    assert build_provider(ProviderName.CLOUD, runtime=runtime) is provider
    assert cloud_provider(runtime) is provider
    assert provider.http is runtime.http_client


@pytest.mark.parametrize(("name", "label"), [(ProviderName.WEB, "WhatsApp Web")])
async def test_transports_not_built_yet_are_refused_by_name(
    runtime: Runtime, name: ProviderName, label: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        build_provider(name, runtime=runtime)

    assert raised.value.status_code == 422
    assert raised.value.detail == f"The {label} transport is not available yet"
    assert raised.value.problems[0].field == "provider"
