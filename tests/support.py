"""What tests do over and over, done the way a client of the API does it."""

from __future__ import annotations

from typing import Any

import httpx

from payam.admin.bootstrap import create_super_admin
from payam.db.session import transaction
from payam.models import UserRole
from payam.runtime import Runtime
from payam.users.repository import UserRepository

PASSWORD = "correct horse battery"
PROBLEM_JSON = "application/problem+json"


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def register(
    client: httpx.AsyncClient,
    *,
    name: str = "Sara Ahmadi",
    username: str = "sara",
    email: str = "sara@example.com",
    phone: str = "09121234567",
    password: str = PASSWORD,
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/auth/register",
        json={
            "name": name,
            "username": username,
            "email": email,
            "phone": phone,
            "password": password,
        },
    )
    assert response.status_code == 201, response.text
    user: dict[str, Any] = response.json()
    return user


async def login(
    client: httpx.AsyncClient, login: str = "sara", password: str = PASSWORD
) -> dict[str, Any]:
    response = await client.post("/api/v1/auth/login", json={"login": login, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


async def signed_up(
    client: httpx.AsyncClient, **fields: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Register a user and sign it in; returns the user and its tokens."""
    user = await register(client, **fields)
    tokens = await login(client, user["username"], fields.get("password", PASSWORD))
    return user, tokens


async def signed_in_admin(
    client: httpx.AsyncClient,
    runtime: Runtime,
    *,
    role: UserRole = UserRole.SUPER_ADMIN,
    username: str = "boss",
    phone: str = "09350000001",
) -> dict[str, Any]:
    """An admin made the way `payam create-admin` makes one, then signed in over HTTP."""
    async with transaction(runtime.sessionmaker) as session:
        admin = await create_super_admin(
            session,
            runtime.settings,
            email=f"{username}@example.com",
            password=PASSWORD,
            name="The Boss",
            username=username,
            phone=phone,
        )
        admin.role = role
    return await login(client, username)


async def set_role(runtime: Runtime, username: str, role: UserRole) -> None:
    async with transaction(runtime.sessionmaker) as session:
        user = await UserRepository(session).get_by_username(username)
        assert user is not None
        user.role = role


def problem_fields(response: httpx.Response) -> list[str | None]:
    """The fields a problem+json answer names, after checking it is one."""
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.text
    body = response.json()
    assert body["status"] == response.status_code
    return [error["field"] for error in body["errors"]]
