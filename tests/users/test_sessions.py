from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update

from payam.db.session import transaction
from payam.kit.clock import utc_now
from payam.models import RefreshToken
from payam.runtime import Runtime
from tests.support import PASSWORD, bearer, problem_fields, signed_up

SESSIONS = "/api/v1/users/me/sessions"


async def _sign_in_on(
    client: httpx.AsyncClient, device: str, login: str = "sara"
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/auth/login",
        json={"login": login, "password": PASSWORD},
        headers={"User-Agent": device},
    )
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


async def _sessions(client: httpx.AsyncClient, tokens: dict[str, Any]) -> list[dict[str, Any]]:
    response = await client.get(SESSIONS, headers=bearer(tokens))
    assert response.status_code == 200, response.text
    sessions: list[dict[str, Any]] = response.json()
    return sessions


async def test_sessions_list_every_device_and_mark_the_current_one(
    client: httpx.AsyncClient,
) -> None:
    await signed_up(client)
    laptop = await _sign_in_on(client, "Firefox on a laptop")
    await _sign_in_on(client, "Payam for Android")

    sessions = await _sessions(client, laptop)

    # signed_up's own sign-in is the third device.
    assert len(sessions) == 3
    assert len({row["id"] for row in sessions}) == 3
    current = [row for row in sessions if row["current"]]
    assert [row["user_agent"] for row in current] == ["Firefox on a laptop"]
    assert {row["user_agent"] for row in sessions} >= {"Firefox on a laptop", "Payam for Android"}
    assert all(row["ip_address"] == "203.0.113.7" for row in sessions)
    assert all(row["created_at"] and row["last_used_at"] for row in sessions)


async def test_sessions_of_other_users_are_not_listed(client: httpx.AsyncClient) -> None:
    await signed_up(client)
    _, other = await signed_up(
        client, username="omid", email="omid@example.com", phone="09351234567"
    )

    sessions = await _sessions(client, other)

    assert len(sessions) == 1
    assert sessions[0]["current"] is True


async def test_signing_a_device_out_ends_its_tokens_and_only_its_tokens(
    client: httpx.AsyncClient,
) -> None:
    await signed_up(client)
    laptop = await _sign_in_on(client, "laptop")
    phone = await _sign_in_on(client, "phone")
    phone_id = next(row["id"] for row in await _sessions(client, phone) if row["current"])

    response = await client.delete(f"{SESSIONS}/{phone_id}", headers=bearer(laptop))

    assert response.status_code == 204
    phone_me = await client.get("/api/v1/users/me", headers=bearer(phone))
    phone_refresh = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": phone["refresh_token"]}
    )
    assert phone_me.status_code == 401
    problem_fields(phone_me)
    assert phone_refresh.status_code == 401
    assert (await client.get("/api/v1/users/me", headers=bearer(laptop))).status_code == 200
    assert phone_id not in {row["id"] for row in await _sessions(client, laptop)}


async def test_signing_out_a_device_twice_is_harmless(client: httpx.AsyncClient) -> None:
    await signed_up(client)
    laptop = await _sign_in_on(client, "laptop")
    phone = await _sign_in_on(client, "phone")
    phone_id = next(row["id"] for row in await _sessions(client, phone) if row["current"])

    first = await client.delete(f"{SESSIONS}/{phone_id}", headers=bearer(laptop))
    second = await client.delete(f"{SESSIONS}/{phone_id}", headers=bearer(laptop))

    assert first.status_code == second.status_code == 204


async def test_another_users_session_is_not_found_and_stays_signed_in(
    client: httpx.AsyncClient,
) -> None:
    _, sara = await signed_up(client)
    _, omid = await signed_up(
        client, username="omid", email="omid@example.com", phone="09351234567"
    )
    omid_session = (await _sessions(client, omid))[0]["id"]

    response = await client.delete(f"{SESSIONS}/{omid_session}", headers=bearer(sara))
    missing = await client.delete(f"{SESSIONS}/no-such-session", headers=bearer(sara))

    # The same answer as for an id that does not exist: a prober learns nothing.
    assert response.status_code == missing.status_code == 404
    problem_fields(response)
    assert _without_request_details(response) == _without_request_details(missing)
    assert response.json()["detail"] == "No such session"
    assert (await client.get("/api/v1/users/me", headers=bearer(omid))).status_code == 200


def _without_request_details(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    del body["request_id"], body["instance"]
    return body


async def test_sessions_need_a_sign_in(client: httpx.AsyncClient) -> None:
    listed = await client.get(SESSIONS)
    deleted = await client.delete(f"{SESSIONS}/anything")

    assert listed.status_code == deleted.status_code == 401
    problem_fields(listed)
    problem_fields(deleted)


CHROME_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)
SAFARI_ON_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)


async def test_each_session_names_its_device_and_keeps_the_raw_user_agent(
    client: httpx.AsyncClient,
) -> None:
    await signed_up(client)
    windows = await _sign_in_on(client, CHROME_ON_WINDOWS)
    await _sign_in_on(client, SAFARI_ON_IPHONE)
    await _sign_in_on(client, "a tool nobody has heard of")

    by_agent = {row["user_agent"]: row for row in await _sessions(client, windows)}

    assert by_agent[CHROME_ON_WINDOWS]["device"] == "Chrome on Windows"
    assert by_agent[SAFARI_ON_IPHONE]["device"] == "Mobile Safari on iOS"
    # Nothing recognisable: no guess, the raw header is still there to show.
    assert by_agent["a tool nobody has heard of"]["device"] is None


async def test_an_expired_session_is_not_listed(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    await signed_up(client)
    laptop = await _sign_in_on(client, "laptop")
    phone = await _sign_in_on(client, "phone")
    phone_id = next(row["id"] for row in await _sessions(client, phone) if row["current"])
    # The phone was not used for longer than a refresh token lives: it can never refresh again.
    async with transaction(runtime.sessionmaker) as session:
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.session_id == phone_id)
            .values(expires_at=utc_now() - timedelta(seconds=1))
        )

    listed = await _sessions(client, laptop)
    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": phone["refresh_token"]}
    )

    assert refreshed.status_code == 401
    assert phone_id not in {row["id"] for row in listed}
    assert len(listed) == 2


async def test_a_refreshed_session_shows_its_last_use_first(
    client: httpx.AsyncClient,
) -> None:
    await signed_up(client)
    laptop = await _sign_in_on(client, "laptop")
    phone = await _sign_in_on(client, "phone")
    before = {row["id"]: row for row in await _sessions(client, laptop)}

    refreshed = await client.post(
        "/api/v1/auth/refresh",
        json={"refresh_token": phone["refresh_token"]},
    )
    assert refreshed.status_code == 200, refreshed.text
    after = {row["id"]: row for row in await _sessions(client, laptop)}

    (phone_id,) = [key for key, row in after.items() if row["user_agent"] == "phone"]
    assert after[phone_id]["last_used_at"] > before[phone_id]["last_used_at"]
    # Refreshing moves the session up: the most recently used device comes first.
    assert next(iter(after)) == phone_id
