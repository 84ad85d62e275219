"""Browsers: tokens as httpOnly Secure SameSite cookies, with a CSRF token on every change."""

from __future__ import annotations

import httpx

from tests.support import PASSWORD, problem_fields, register


async def browser_login(client: httpx.AsyncClient) -> str:
    response = await client.post(
        "/api/v1/auth/login", json={"login": "sara", "password": PASSWORD, "use_cookies": True}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["access_token"] is None
    assert body["refresh_token"] is None
    csrf_token: str = body["csrf_token"]
    return csrf_token


async def test_cookie_sign_in_sets_hardened_cookies(client: httpx.AsyncClient) -> None:
    await register(client)

    response = await client.post(
        "/api/v1/auth/login", json={"login": "sara", "password": PASSWORD, "use_cookies": True}
    )

    set_cookies = {
        header.split("=", 1)[0]: header.lower()
        for header in response.headers.get_list("set-cookie")
    }
    assert set(set_cookies) == {"payam_access", "payam_refresh", "payam_csrf"}
    for name, header in set_cookies.items():
        assert "secure" in header
        assert "samesite=lax" in header
        assert ("httponly" in header) == (name != "payam_csrf")
    assert "path=/api/v1/auth" in set_cookies["payam_refresh"]


async def test_cookie_session_reads_freely_but_changes_need_the_csrf_header(
    client: httpx.AsyncClient,
) -> None:
    await register(client)
    csrf_token = await browser_login(client)

    me = await client.get("/api/v1/users/me")
    forged = await client.patch("/api/v1/users/me", json={"name": "Mallory"})
    wrong = await client.patch(
        "/api/v1/users/me", json={"name": "Mallory"}, headers={"X-CSRF-Token": "guess"}
    )
    genuine = await client.patch(
        "/api/v1/users/me", json={"name": "Sara A."}, headers={"X-CSRF-Token": csrf_token}
    )

    assert me.status_code == 200
    assert forged.status_code == 403
    assert problem_fields(forged) == ["X-CSRF-Token"]
    assert wrong.status_code == 403
    assert genuine.status_code == 200
    assert genuine.json()["name"] == "Sara A."


async def test_cookie_refresh_rotates_the_cookies(client: httpx.AsyncClient) -> None:
    await register(client)
    csrf_token = await browser_login(client)
    old_refresh = client.cookies.get("payam_refresh", path="/api/v1/auth")

    without_csrf = await client.post("/api/v1/auth/refresh", json={})
    renewed = await client.post(
        "/api/v1/auth/refresh", json={}, headers={"X-CSRF-Token": csrf_token}
    )

    assert without_csrf.status_code == 403
    assert renewed.status_code == 200
    assert renewed.json()["refresh_token"] is None
    assert client.cookies.get("payam_refresh", path="/api/v1/auth") != old_refresh
    new_csrf = renewed.json()["csrf_token"]
    changed = await client.patch(
        "/api/v1/users/me", json={"locale": "en"}, headers={"X-CSRF-Token": new_csrf}
    )
    assert changed.status_code == 200


async def test_cookie_logout_clears_the_cookies(client: httpx.AsyncClient) -> None:
    await register(client)
    csrf_token = await browser_login(client)

    out = await client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf_token})

    assert out.status_code == 204
    assert "payam_access" not in client.cookies
    assert (await client.get("/api/v1/users/me")).status_code == 401


async def test_a_bearer_token_needs_no_csrf_header(client: httpx.AsyncClient) -> None:
    await register(client)
    tokens = (
        await client.post("/api/v1/auth/login", json={"login": "sara", "password": PASSWORD})
    ).json()

    changed = await client.patch(
        "/api/v1/users/me",
        json={"name": "Script"},
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )

    assert changed.status_code == 200
    assert not client.cookies


def plant_csrf_cookie(client: httpx.AsyncClient, value: str) -> None:
    """Overwrite the page's CSRF cookie, as a script on a sibling subdomain could."""
    for cookie in client.cookies.jar:
        if cookie.name == "payam_csrf":
            cookie.value = value


async def test_a_planted_csrf_cookie_and_header_not_issued_for_the_session_are_refused(
    client: httpx.AsyncClient,
) -> None:
    await register(client)
    await register(client, username="mallory", email="mallory@example.com", phone="09351234567")
    # Mallory's own genuine token, issued for her own session.
    mallory = await client.post(
        "/api/v1/auth/login",
        json={"login": "mallory", "password": PASSWORD, "use_cookies": True},
    )
    genuine_elsewhere = mallory.json()["csrf_token"]
    await browser_login(client)

    for planted in ("made-up-by-mallory", genuine_elsewhere):
        plant_csrf_cookie(client, planted)
        changed = await client.patch(
            "/api/v1/users/me", json={"name": "Mallory"}, headers={"X-CSRF-Token": planted}
        )
        refreshed = await client.post(
            "/api/v1/auth/refresh", json={}, headers={"X-CSRF-Token": planted}
        )

        assert changed.status_code == 403, planted
        assert problem_fields(changed) == ["X-CSRF-Token"]
        assert changed.json()["type"].endswith("/csrf-failed")
        assert refreshed.status_code == 403, planted
        assert problem_fields(refreshed) == ["X-CSRF-Token"]
    assert (await client.get("/api/v1/users/me")).json()["name"] == "Sara Ahmadi"


async def test_the_csrf_token_stays_with_the_session_across_refreshes(
    client: httpx.AsyncClient,
) -> None:
    await register(client)
    csrf_token = await browser_login(client)

    renewed = await client.post(
        "/api/v1/auth/refresh", json={}, headers={"X-CSRF-Token": csrf_token}
    )
    changed = await client.patch(
        "/api/v1/users/me", json={"locale": "en"}, headers={"X-CSRF-Token": csrf_token}
    )

    assert renewed.status_code == 200
    assert renewed.json()["csrf_token"] == csrf_token
    assert changed.status_code == 200
