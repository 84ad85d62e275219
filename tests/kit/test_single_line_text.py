"""Names and titles are one line of visible text: no controls, no reordering, nothing hidden."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from payam.runtime import Runtime
from tests.support import bearer, signed_in_admin, signed_up

HIDDEN = {
    "NUL": "Sara\x00Admin",
    "ANSI escape": "\x1b[2J\x1b[31mSara",
    "line break": "Sara\nAdmin",
    "right-to-left override": "invoice\u202egpj.exe",
    "isolate": "Sara\u2066Admin\u2069",
    "zero-width space": "Sa\u200bra",
    "zero-width joiner": "Sa\u200dra",
    "byte order mark": "\ufeffSara",
}
# Persian as people type it: ی and ک, digits, and the zero-width non-joiner inside words.
PERSIAN = "کمپین‌های پاییزی ۱۴۰۵ برای مشتری‌ها"


@pytest.fixture
async def surfaces(client: httpx.AsyncClient, runtime: Runtime) -> dict[str, Any]:
    """Where each single-line field is written: (method, path, body without the field, auth)."""
    _, tokens = await signed_up(client)
    user = bearer(tokens)
    admin = bearer(await signed_in_admin(client, runtime))
    package = {"price": "1000", "duration_days": 30, "message_limit": 10}
    return {
        "register name": ("POST", "/api/v1/auth/register", _registration(), None, "name"),
        "profile name": ("PATCH", "/api/v1/users/me", {}, user, "name"),
        "profile username": ("PATCH", "/api/v1/users/me", {}, user, "username"),
        "sender display name": ("POST", "/api/v1/senders", {}, user, "display_name"),
        "campaign title": ("POST", "/api/v1/campaigns", {"message": "سلام"}, user, "title"),
        "package title": ("POST", "/api/v1/admin/packages", package, admin, "title"),
        "package category": (
            "POST",
            "/api/v1/admin/packages",
            {**package, "title": "Starter"},
            admin,
            "category",
        ),
    }


def _registration() -> dict[str, str]:
    return {
        "username": "omid",
        "email": "omid@example.com",
        "phone": "09351234567",
        "password": "a long enough passphrase",
    }


async def _send(
    client: httpx.AsyncClient, surface: tuple[str, str, dict[str, Any], Any, str], value: str
) -> httpx.Response:
    method, path, body, headers, field = surface
    return await client.request(method, path, json={**body, field: value}, headers=headers)


@pytest.mark.parametrize(
    "where",
    [
        "register name",
        "profile name",
        "profile username",
        "sender display name",
        "campaign title",
        "package title",
        "package category",
    ],
)
async def test_hidden_and_control_characters_are_refused_naming_the_field(
    client: httpx.AsyncClient, surfaces: dict[str, Any], where: str
) -> None:
    surface = surfaces[where]
    field = surface[-1]

    for kind, value in HIDDEN.items():
        response = await _send(client, surface, value)

        assert response.status_code == 422, (kind, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        [error] = response.json()["errors"]
        assert error["field"] == field, kind
        assert error["reason"], kind


@pytest.mark.parametrize(
    "where", ["register name", "profile name", "sender display name", "campaign title"]
)
async def test_persian_text_with_its_non_joiner_is_kept_as_typed(
    client: httpx.AsyncClient, surfaces: dict[str, Any], where: str
) -> None:
    surface = surfaces[where]

    response = await _send(client, surface, PERSIAN)

    assert response.status_code in (200, 201), response.text
    assert response.json()[surface[-1]] == PERSIAN


async def test_persian_package_titles_and_categories_are_kept(
    client: httpx.AsyncClient, surfaces: dict[str, Any]
) -> None:
    method, path, body, admin, _ = surfaces["package title"]

    response = await client.request(
        method,
        path,
        json={**body, "title": PERSIAN, "category": "ماهانه‌ی ویژه"},
        headers=admin,
    )

    assert response.status_code == 201, response.text
    assert response.json()["title"] == PERSIAN
    assert response.json()["category"] == "ماهانه‌ی ویژه"


async def test_the_reason_names_the_character(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/register", json={**_registration(), "name": "invoice\u202egpj.exe"}
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "name",
            "reason": "contains U+202E RIGHT-TO-LEFT OVERRIDE, a bidirectional control "
            "character; only visible text on one line is allowed",
        }
    ]
