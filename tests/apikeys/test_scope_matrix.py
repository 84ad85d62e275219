"""Every route of the OpenAPI schema, with API keys: scope-guarded, or refusing keys outright.

The table below is the test's own statement of what a key may reach; a route added without a
line here fails, so nobody opens a route to keys by accident. For each route that asks for a
signed-in caller, a key holding every scope but the one expected is refused with 403 before the
route runs, and a key holding only that scope gets past the check (whatever the route then says
about the made-up ids and empty bodies it is sent). Routes that refuse keys refuse a key with
every scope.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.apikeys.support import create_key, key_auth
from tests.support import signed_in_headers

READ, CAMPAIGNS, SENDERS, IMPORTS = "read", "campaigns:write", "senders:write", "imports:write"
SCOPES = [READ, CAMPAIGNS, SENDERS, IMPORTS]
REFUSED = None
# Routes anyone may call: keys are neither needed nor looked at.
OPEN = "open"

EXPECTED: dict[tuple[str, str], str | None] = {
    ("POST", "/api/v1/auth/register"): OPEN,
    ("POST", "/api/v1/auth/login"): OPEN,
    ("POST", "/api/v1/auth/refresh"): OPEN,
    ("POST", "/api/v1/auth/logout"): REFUSED,
    ("POST", "/api/v1/auth/otp/request"): OPEN,
    ("POST", "/api/v1/auth/otp/verify"): OPEN,
    ("GET", "/api/v1/users/me"): READ,
    ("GET", "/api/v1/users/me/statistics"): READ,
    ("PATCH", "/api/v1/users/me"): REFUSED,
    ("POST", "/api/v1/users/me/password"): REFUSED,
    ("GET", "/api/v1/users/me/sessions"): REFUSED,
    ("DELETE", "/api/v1/users/me/sessions/{session_id}"): REFUSED,
    ("POST", "/api/v1/api-keys"): REFUSED,
    ("GET", "/api/v1/api-keys"): REFUSED,
    ("DELETE", "/api/v1/api-keys/{key_id}"): REFUSED,
    ("GET", "/api/v1/admin/users"): REFUSED,
    ("GET", "/api/v1/admin/users/{user_id}"): REFUSED,
    ("PUT", "/api/v1/admin/users/{user_id}/status"): REFUSED,
    ("PUT", "/api/v1/admin/users/{user_id}/role"): REFUSED,
    ("GET", "/api/v1/packages"): OPEN,
    ("GET", "/api/v1/subscriptions/me"): READ,
    ("POST", "/api/v1/payments/checkout"): REFUSED,
    ("GET", "/api/v1/payments/callback/{gateway}"): OPEN,
    ("GET", "/api/v1/payments/sandbox/{authority}"): OPEN,
    ("POST", "/api/v1/payments/sandbox/{authority}/{decision}"): OPEN,
    ("GET", "/api/v1/payments"): READ,
    ("GET", "/api/v1/payments/{payment_id}"): READ,
    ("GET", "/api/v1/payments/{payment_id}/invoice"): READ,
    ("GET", "/api/v1/admin/audit"): REFUSED,
    ("GET", "/api/v1/admin/users/{user_id}/overview"): REFUSED,
    ("DELETE", "/api/v1/admin/users/{user_id}/sessions"): REFUSED,
    ("POST", "/api/v1/admin/users/{user_id}/password-reset"): REFUSED,
    ("GET", "/api/v1/users/me/security-events"): REFUSED,
    ("GET", "/api/v1/admin/packages"): REFUSED,
    ("POST", "/api/v1/admin/packages"): REFUSED,
    ("PATCH", "/api/v1/admin/packages/{package_id}"): REFUSED,
    ("DELETE", "/api/v1/admin/packages/{package_id}"): REFUSED,
    ("GET", "/api/v1/admin/payments"): REFUSED,
    ("GET", "/api/v1/admin/users/{user_id}/subscription"): REFUSED,
    ("POST", "/api/v1/admin/users/{user_id}/subscription-grants"): REFUSED,
    ("GET", "/api/v1/senders"): READ,
    ("POST", "/api/v1/senders"): SENDERS,
    ("GET", "/api/v1/senders/{sender_id}"): READ,
    ("PATCH", "/api/v1/senders/{sender_id}"): SENDERS,
    ("DELETE", "/api/v1/senders/{sender_id}"): SENDERS,
    ("GET", "/api/v1/senders/{sender_id}/templates"): READ,
    ("POST", "/api/v1/senders/{sender_id}/link"): SENDERS,
    ("GET", "/api/v1/senders/{sender_id}/qr"): READ,
    ("POST", "/api/v1/senders/{sender_id}/pairing-code"): SENDERS,
    # Meta's webhook: no sign-in, each delivery checked by its signature instead.
    ("GET", "/api/v1/webhooks/whatsapp/{sender_id}"): OPEN,
    ("POST", "/api/v1/webhooks/whatsapp/{sender_id}"): OPEN,
    ("GET", "/api/v1/campaigns"): READ,
    ("POST", "/api/v1/campaigns"): CAMPAIGNS,
    ("GET", "/api/v1/campaigns/{campaign_id}"): READ,
    ("PATCH", "/api/v1/campaigns/{campaign_id}"): CAMPAIGNS,
    ("DELETE", "/api/v1/campaigns/{campaign_id}"): CAMPAIGNS,
    ("POST", "/api/v1/campaigns/{campaign_id}/start"): CAMPAIGNS,
    ("POST", "/api/v1/campaigns/{campaign_id}/pause"): CAMPAIGNS,
    ("POST", "/api/v1/campaigns/{campaign_id}/resume"): CAMPAIGNS,
    ("POST", "/api/v1/campaigns/{campaign_id}/cancel"): CAMPAIGNS,
    ("POST", "/api/v1/campaigns/{campaign_id}/duplicate"): CAMPAIGNS,
    ("POST", "/api/v1/campaigns/{campaign_id}/retry"): CAMPAIGNS,
    ("GET", "/api/v1/campaigns/{campaign_id}/recipients"): READ,
    ("GET", "/api/v1/campaigns/{campaign_id}/preview"): READ,
    ("GET", "/api/v1/campaigns/{campaign_id}/preflight"): READ,
    ("POST", "/api/v1/campaigns/{campaign_id}/test"): CAMPAIGNS,
    ("GET", "/api/v1/campaigns/{campaign_id}/export"): READ,
    ("POST", "/api/v1/campaigns/{campaign_id}/imports"): IMPORTS,
    ("GET", "/api/v1/campaigns/{campaign_id}/imports"): READ,
    ("PUT", "/api/v1/imports/{import_id}/mapping"): IMPORTS,
    ("GET", "/api/v1/imports/{import_id}"): READ,
    ("GET", "/api/v1/imports/{import_id}/rejected.csv"): READ,
    ("POST", "/api/v1/media"): CAMPAIGNS,
    ("GET", "/api/v1/media"): READ,
    ("GET", "/api/v1/media/{media_id}"): READ,
    ("DELETE", "/api/v1/media/{media_id}"): CAMPAIGNS,
    ("GET", "/api/v1/media/{media_id}/content"): READ,
    ("POST", "/api/v1/webhooks/endpoints"): REFUSED,
    ("GET", "/api/v1/webhooks/endpoints"): READ,
    ("GET", "/api/v1/webhooks/endpoints/{endpoint_id}"): READ,
    ("PATCH", "/api/v1/webhooks/endpoints/{endpoint_id}"): REFUSED,
    ("DELETE", "/api/v1/webhooks/endpoints/{endpoint_id}"): REFUSED,
    ("POST", "/api/v1/webhooks/endpoints/{endpoint_id}/rotate-secret"): REFUSED,
    ("GET", "/api/v1/webhooks/endpoints/{endpoint_id}/deliveries"): READ,
    (
        "POST",
        "/api/v1/webhooks/endpoints/{endpoint_id}/deliveries/{delivery_id}/redeliver",
    ): REFUSED,
    ("GET", "/healthz"): OPEN,
    ("GET", "/readyz"): OPEN,
}


def _expected(method: str, path: str) -> str | None:
    # Admin routes refuse keys, whatever they are: a key never reaches one.
    if (method, path) not in EXPECTED and path.startswith("/api/v1/admin/"):
        return REFUSED
    return EXPECTED[(method, path)]


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(method, path template, whether it asks for a signed-in caller) of every operation."""
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            found.append((method.upper(), path, bool(operation.get("security"))))
    return found


def _url(template: str) -> str:
    # Made-up ids: a route a key gets into answers about them (404, 422), never with 403.
    return (
        template.replace("{gateway}", "sandbox").replace("{decision}", "approve").format_map(_Ids())
    )


class _Ids(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "987654"


async def test_every_route_is_scope_guarded_or_refuses_keys(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/v1/openapi.json")).json()
    operations = _operations(schema)
    unclassified = {
        (m, p) for m, p, _ in operations if not p.startswith("/api/v1/admin/")
    } - EXPECTED.keys()
    assert not unclassified, f"say what an API key may do on {sorted(unclassified)}"
    for method, path, secured in operations:
        expected = _expected(method, path)
        assert secured == (expected is not OPEN), (method, path)

    headers = await signed_in_headers(client)
    everything = key_auth(await create_key(client, headers, scopes=SCOPES))
    only = {scope: key_auth(await create_key(client, headers, scopes=[scope])) for scope in SCOPES}
    all_but = {
        scope: key_auth(await create_key(client, headers, scopes=[s for s in SCOPES if s != scope]))
        for scope in SCOPES
    }
    for method, path, secured in operations:
        if not secured:
            continue
        expected = _expected(method, path)
        url = _url(path)
        if expected is REFUSED:
            answer = await client.request(method, url, headers=everything)
            assert answer.status_code == 403, (method, path, answer.text)
            assert "API keys cannot be used here" in answer.json()["detail"], (method, path)
            continue
        assert expected is not None
        refused = await client.request(method, url, headers=all_but[expected])
        assert refused.status_code == 403, (method, path, refused.text)
        assert f"lacks the scope {expected}" in refused.json()["detail"], (method, path)
        allowed = await client.request(method, url, headers=only[expected])
        assert allowed.status_code not in (401, 403, 429), (method, path, allowed.text)


@pytest.fixture
def settings(settings: Any) -> Any:
    # Four requests for most of some sixty routes: the per-key limit is not what this tests.
    return settings.model_copy(update={"rate_limit_api_key": "10000/minute"})
