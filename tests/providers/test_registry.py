"""Which transport a sender gets: one instance of each per process."""

from __future__ import annotations

from payam.models import ProviderName
from payam.providers.cloud.provider import CloudProvider
from payam.providers.registry import (
    build_provider,
    cloud_provider,
    sandbox_provider,
    web_provider,
)
from payam.providers.sandbox import SandboxProvider
from payam.providers.web.provider import WebProvider
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


async def test_whatsapp_web_is_one_provider_per_runtime(runtime: Runtime) -> None:
    provider = build_provider(ProviderName.WEB, runtime=runtime)

    assert isinstance(provider, WebProvider)
    assert build_provider(ProviderName.WEB, runtime=runtime) is provider
    assert web_provider(runtime) is provider
    assert provider.hub is runtime.hub
