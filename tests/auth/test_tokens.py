"""Access tokens as a client meets them: accepted while valid, refused once not, whatever a
server remembers of the tokens it has already checked."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx

from payam.auth.tokens import decode_access_token, issue_access_token
from payam.runtime import Runtime
from tests.support import bearer, signed_up


def authorization(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_token_that_was_accepted_is_refused_from_the_second_it_expires(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    _, tokens = await signed_up(client)
    signing_key = runtime.settings.signing_key
    claims = decode_access_token(tokens["access_token"], signing_key=signing_key)
    brief = issue_access_token(
        user_id=claims.user_id,
        session_id=claims.session_id,
        signing_key=signing_key,
        lifetime=timedelta(seconds=2),
    )

    accepted = await client.get("/api/v1/users/me", headers=authorization(brief.token))
    await asyncio.sleep(max(0.0, brief.expires_at.timestamp() - time.time()) + 0.1)
    refused = await client.get("/api/v1/users/me", headers=authorization(brief.token))

    assert accepted.status_code == 200
    assert refused.status_code == 401
    assert refused.json()["detail"] == "The access token has expired; refresh it"


async def test_a_token_signed_with_another_key_or_altered_is_refused(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    _, tokens = await signed_up(client)
    claims = decode_access_token(tokens["access_token"], signing_key=runtime.settings.signing_key)
    forged = issue_access_token(
        user_id=claims.user_id,
        session_id=claims.session_id,
        signing_key="a key that is not the server's, long enough to sign with",
        lifetime=timedelta(minutes=5),
    ).token
    header, payload, signature = tokens["access_token"].split(".")
    altered = f"{header}.{payload}.{signature[::-1]}"

    for token in (forged, altered):
        refused = await client.get("/api/v1/users/me", headers=authorization(token))
        assert refused.status_code == 401
        assert refused.json()["detail"] == "The access token is not valid"


async def test_a_token_that_was_accepted_is_refused_once_its_session_signs_out(
    client: httpx.AsyncClient,
) -> None:
    _, tokens = await signed_up(client)
    assert (await client.get("/api/v1/users/me", headers=bearer(tokens))).status_code == 200

    signed_out = await client.post("/api/v1/auth/logout", headers=bearer(tokens))

    assert signed_out.status_code == 204
    assert (await client.get("/api/v1/users/me", headers=bearer(tokens))).status_code == 401
