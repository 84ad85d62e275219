from __future__ import annotations

import httpx
from sqlalchemy import select

from payam.models import AuditLogEntry
from payam.runtime import Runtime
from tests.support import PASSWORD, bearer, login, problem_fields, signed_up

CHANGE = "/api/v1/users/me/password"
NEW_PASSWORD = "a brand new passphrase"


async def test_a_wrong_current_password_changes_nothing(client: httpx.AsyncClient) -> None:
    _, tokens = await signed_up(client)

    response = await client.post(
        CHANGE,
        headers=bearer(tokens),
        json={"current_password": "not my password", "new_password": NEW_PASSWORD},
    )

    assert response.status_code == 401
    assert problem_fields(response) == ["current_password"]
    # Still signed in, and still the old password: a typo must not lock anyone out.
    assert (await client.get("/api/v1/users/me", headers=bearer(tokens))).status_code == 200
    await login(client, "sara", PASSWORD)


async def test_a_too_short_new_password_is_refused_by_name(client: httpx.AsyncClient) -> None:
    _, tokens = await signed_up(client)

    response = await client.post(
        CHANGE, headers=bearer(tokens), json={"current_password": PASSWORD, "new_password": "short"}
    )

    assert response.status_code == 422
    assert problem_fields(response) == ["new_password"]


async def test_a_common_new_password_is_refused_and_the_old_one_kept(
    client: httpx.AsyncClient,
) -> None:
    _, tokens = await signed_up(client)

    response = await client.post(
        CHANGE,
        headers=bearer(tokens),
        json={"current_password": PASSWORD, "new_password": "iloveyou"},
    )

    assert response.status_code == 422
    assert problem_fields(response) == ["new_password"]
    assert "most common passwords" in response.json()["errors"][0]["reason"]
    await login(client, "sara", PASSWORD)


async def test_changing_the_password_needs_a_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.post(
        CHANGE, json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )

    assert response.status_code == 401
    problem_fields(response)


async def test_a_new_password_replaces_the_old_one_and_signs_out_other_devices(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    _, laptop = await signed_up(client)
    phone = await login(client)

    response = await client.post(
        CHANGE,
        headers=bearer(laptop),
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )

    assert response.status_code == 204
    assert response.content == b""

    old = await client.post("/api/v1/auth/login", json={"login": "sara", "password": PASSWORD})
    assert old.status_code == 401
    await login(client, "sara", NEW_PASSWORD)

    phone_me = await client.get("/api/v1/users/me", headers=bearer(phone))
    phone_refresh = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": phone["refresh_token"]}
    )
    assert phone_me.status_code == 401
    problem_fields(phone_me)
    assert phone_refresh.status_code == 401
    assert problem_fields(phone_refresh) == ["refresh_token"]

    # The device that made the change stays signed in, refresh included.
    assert (await client.get("/api/v1/users/me", headers=bearer(laptop))).status_code == 200
    laptop_refresh = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": laptop["refresh_token"]}
    )
    assert laptop_refresh.status_code == 200

    async with runtime.sessionmaker() as session:
        actions = (await session.scalars(select(AuditLogEntry.action))).all()
    assert "user.password_changed" in actions


async def test_guessing_the_current_password_is_delayed_like_signing_in(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    _, tokens = await signed_up(client)

    for _ in range(runtime.settings.login_lockout_threshold):
        wrong = await client.post(
            CHANGE,
            json={"current_password": "not it at all", "new_password": "another long one"},
            headers=bearer(tokens),
        )
        assert wrong.status_code == 401
    # Even the right password waits now: otherwise the delay would confirm a good guess.
    refused = await client.post(
        CHANGE,
        json={"current_password": PASSWORD, "new_password": "another long one"},
        headers=bearer(tokens),
    )

    assert refused.status_code == 429
    assert (
        0 < int(refused.headers["Retry-After"]) <= runtime.settings.login_lockout_base_seconds + 1
    )
    problem_fields(refused)
    await login(client, "sara", PASSWORD)
