from __future__ import annotations

import httpx

from tests.support import bearer, problem_fields, signed_up


async def refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token})


async def test_refresh_rotates_the_token(client: httpx.AsyncClient) -> None:
    _, tokens = await signed_up(client)

    renewed = await refresh(client, tokens["refresh_token"])

    assert renewed.status_code == 200
    new_tokens = renewed.json()
    assert new_tokens["refresh_token"] != tokens["refresh_token"]
    me = await client.get("/api/v1/users/me", headers=bearer(new_tokens))
    assert me.status_code == 200


async def test_reusing_a_rotated_refresh_token_ends_the_whole_session(
    client: httpx.AsyncClient,
) -> None:
    _, tokens = await signed_up(client)
    renewed = (await refresh(client, tokens["refresh_token"])).json()

    replay = await refresh(client, tokens["refresh_token"])

    assert replay.status_code == 401
    assert problem_fields(replay) == ["refresh_token"]
    # The thief's replay also cuts off the legitimate holder of the newer tokens.
    assert (await refresh(client, renewed["refresh_token"])).status_code == 401
    me = await client.get("/api/v1/users/me", headers=bearer(renewed))
    assert me.status_code == 401


async def test_reuse_in_one_session_leaves_other_sessions_alone(client: httpx.AsyncClient) -> None:
    _, phone_tokens = await signed_up(client)
    laptop = (
        await client.post(
            "/api/v1/auth/login", json={"login": "sara", "password": "correct horse battery"}
        )
    ).json()
    await refresh(client, phone_tokens["refresh_token"])
    await refresh(client, phone_tokens["refresh_token"])

    assert (await client.get("/api/v1/users/me", headers=bearer(laptop))).status_code == 200


async def test_an_unknown_refresh_token_is_refused(client: httpx.AsyncClient) -> None:
    response = await refresh(client, "not-a-token")

    assert response.status_code == 401
    assert problem_fields(response) == ["refresh_token"]


async def test_logout_ends_the_session(client: httpx.AsyncClient) -> None:
    _, tokens = await signed_up(client)

    out = await client.post("/api/v1/auth/logout", headers=bearer(tokens))

    assert out.status_code == 204
    assert (await client.get("/api/v1/users/me", headers=bearer(tokens))).status_code == 401
    assert (await refresh(client, tokens["refresh_token"])).status_code == 401


async def test_logout_needs_a_session(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/logout")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
