from __future__ import annotations

from typing import Any

import httpx
import pytest

from payam.models import UserRole
from payam.runtime import Runtime
from tests.support import bearer, problem_fields, register, signed_in_admin, signed_up

USERS = "/api/v1/admin/users"


async def _register_people(client: httpx.AsyncClient) -> None:
    await register(client)
    await register(
        client, name="Omid Rezaei", username="omid", email="omid@example.com", phone="09351234567"
    )
    await register(
        client, name="Nima Tehrani", username="nima", email="n.t@mail.ir", phone="09191112233"
    )


async def _search(
    client: httpx.AsyncClient, admin: dict[str, Any], **params: str | int
) -> dict[str, Any]:
    response = await client.get(USERS, headers=bearer(admin), params=params)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def _usernames(page: dict[str, Any]) -> list[str]:
    return [user["username"] for user in page["items"]]


async def test_a_plain_user_may_not_list_accounts(client: httpx.AsyncClient) -> None:
    _, tokens = await signed_up(client)

    response = await client.get(USERS, headers=bearer(tokens))
    one = await client.get(f"{USERS}/1", headers=bearer(tokens))

    assert response.status_code == one.status_code == 403
    problem_fields(response)
    assert response.json()["type"].endswith("/forbidden")
    assert "sara" not in response.text


async def test_listing_accounts_needs_a_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.get(USERS)

    assert response.status_code == 401
    problem_fields(response)


@pytest.mark.parametrize("role", [UserRole.ADMIN, UserRole.SUPER_ADMIN])
async def test_admins_list_every_account_newest_first(
    client: httpx.AsyncClient, runtime: Runtime, role: UserRole
) -> None:
    admin = await signed_in_admin(client, runtime, role=role)
    await _register_people(client)

    page = await _search(client, admin)

    assert _usernames(page) == ["nima", "omid", "sara", "boss"]
    assert page["total"] == 4
    assert page["page"] == 1
    assert page["page_size"] == 50
    assert all("password_hash" not in user for user in page["items"])


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("OMID@EXAMPLE", ["omid"]),
        ("nim", ["nima"]),
        ("ahmadi", ["sara"]),
        ("Tehrani", ["nima"]),
        ("0912 123", ["sara"]),
        ("+98 935 123", ["omid"]),
        ("۰۹۱۹", ["nima"]),
        ("mail.ir", ["nima"]),
        ("nobody", []),
    ],
)
async def test_search_finds_people_by_email_username_name_or_phone_as_typed(
    client: httpx.AsyncClient, runtime: Runtime, query: str, found: list[str]
) -> None:
    admin = await signed_in_admin(client, runtime)
    await _register_people(client)

    page = await _search(client, admin, q=query)

    assert _usernames(page) == found
    assert page["total"] == len(found)


@pytest.mark.parametrize("query", ["%", "_", "n_t"])
async def test_search_wildcards_are_taken_literally(
    client: httpx.AsyncClient, runtime: Runtime, query: str
) -> None:
    admin = await signed_in_admin(client, runtime)
    await _register_people(client)

    page = await _search(client, admin, q=query)

    assert page["items"] == []


async def test_search_can_filter_by_role_and_status(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    admin = await signed_in_admin(client, runtime)
    await _register_people(client)
    omid = (await _search(client, admin, q="omid"))["items"][0]
    banned = await client.put(
        f"{USERS}/{omid['id']}/status", headers=bearer(admin), json={"status": "BANNED"}
    )
    assert banned.status_code == 200, banned.text

    admins = await _search(client, admin, role="SUPER_ADMIN")
    users = await _search(client, admin, role="USER")
    banned_users = await _search(client, admin, status="BANNED")
    active_users = await _search(client, admin, role="USER", status="ACTIVE")

    assert _usernames(admins) == ["boss"]
    assert _usernames(users) == ["nima", "omid", "sara"]
    assert _usernames(banned_users) == ["omid"]
    assert _usernames(active_users) == ["nima", "sara"]


async def test_pages_split_the_list_and_report_the_total(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    admin = await signed_in_admin(client, runtime)
    await _register_people(client)

    first = await _search(client, admin, page_size=3)
    second = await _search(client, admin, page_size=3, page=2)
    beyond = await _search(client, admin, page_size=3, page=3)

    assert _usernames(first) == ["nima", "omid", "sara"]
    assert _usernames(second) == ["boss"]
    assert beyond["items"] == []
    assert first["total"] == second["total"] == beyond["total"] == 4
    assert (second["page"], second["page_size"]) == (2, 3)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": 201}, "page_size"),
        ({"page_size": 0}, "page_size"),
        ({"page": 0}, "page"),
        ({"role": "OWNER"}, "role"),
        ({"status": "DELETED"}, "status"),
        ({"q": "x" * 101}, "q"),
    ],
)
async def test_bad_list_parameters_are_refused_by_name(
    client: httpx.AsyncClient, runtime: Runtime, params: dict[str, str | int], field: str
) -> None:
    admin = await signed_in_admin(client, runtime)

    response = await client.get(USERS, headers=bearer(admin), params=params)

    assert response.status_code == 422
    assert problem_fields(response) == [field]


async def test_an_admin_can_read_one_account_and_an_unknown_id_is_not_found(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    admin = await signed_in_admin(client, runtime, role=UserRole.ADMIN)
    sara = await register(client)

    found = await client.get(f"{USERS}/{sara['id']}", headers=bearer(admin))
    missing = await client.get(f"{USERS}/{sara['id'] + 1000}", headers=bearer(admin))

    assert found.status_code == 200
    assert found.json()["email"] == "sara@example.com"
    assert missing.status_code == 404
    problem_fields(missing)
