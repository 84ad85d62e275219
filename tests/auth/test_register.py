from __future__ import annotations

import httpx
import pytest

from tests.fakes.kavenegar import FakeKavenegar
from tests.fakes.smtp import FakeMailbox
from tests.support import (
    PASSWORD,
    bearer,
    login,
    problem_fields,
    register,
    signed_up,
    verify_contacts,
)


async def test_register_normalizes_the_phone_and_sends_a_verification_code(
    client: httpx.AsyncClient, kavenegar: FakeKavenegar
) -> None:
    user = await register(client, phone="۰۹۱۲ ۱۲۳ ۴۵۶۷", email="Sara@Example.com")

    assert user["phone"] == "+989121234567"
    assert user["email"] == "sara@example.com"
    assert user["role"] == "USER"
    assert user["status"] == "ACTIVE"
    assert user["phone_verified"] is False
    assert "password" not in user
    assert "password_hash" not in user
    assert len(kavenegar.last_code_to("09121234567")) == 6


@pytest.mark.parametrize(
    "phone", ["+98 912 123 4567", "00989121234567", "9121234567", "٠٩١٢١٢٣٤٥٦٧"]
)
async def test_every_common_spelling_of_a_phone_is_the_same_number(
    client: httpx.AsyncClient, phone: str
) -> None:
    user = await register(client, phone=phone)
    assert user["phone"] == "+989121234567"


@pytest.mark.parametrize(
    ("field", "value"),
    [("email", "SARA@example.com"), ("username", "sara"), ("phone", "+989121234567")],
)
async def test_a_taken_username_or_verified_email_or_phone_is_a_conflict_naming_the_field(
    client: httpx.AsyncClient,
    kavenegar: FakeKavenegar,
    mailbox: FakeMailbox,
    field: str,
    value: str,
) -> None:
    await register(client)
    await verify_contacts(client, kavenegar, mailbox)
    other = {
        "name": "Other",
        "username": "other",
        "email": "other@example.com",
        "phone": "09351234567",
        "password": "another password",
        field: value,
    }

    response = await client.post("/api/v1/auth/register", json=other)

    assert response.status_code == 409
    assert problem_fields(response) == [field]


async def test_bad_input_names_each_field_and_reason(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/register",
        json={"name": "", "username": "9lives", "email": "nope", "phone": "12", "password": "x"},
    )

    assert response.status_code == 422
    assert set(problem_fields(response)) == {"name", "username", "email", "phone", "password"}
    assert all(error["reason"] for error in response.json()["errors"])


async def test_a_number_that_cannot_exist_is_refused_on_the_phone_field(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/api/v1/auth/register",
        json={
            "name": "Sara",
            "username": "sara",
            "email": "sara@example.com",
            "phone": "0912",
            "password": "long enough password",
        },
    )

    assert response.status_code == 422
    assert problem_fields(response) == ["phone"]


async def test_unknown_fields_and_broken_json_are_clear_errors(client: httpx.AsyncClient) -> None:
    extra = await client.post(
        "/api/v1/auth/register",
        json={
            "name": "Sara",
            "username": "sara",
            "email": "sara@example.com",
            "phone": "09121234567",
            "password": "long enough password",
            "role": "SUPER_ADMIN",
        },
    )
    broken = await client.post(
        "/api/v1/auth/register", content=b"{not json", headers={"content-type": "application/json"}
    )

    assert extra.status_code == 422
    assert problem_fields(extra) == ["role"]
    assert broken.status_code == 422
    problem_fields(broken)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("password", "most common passwords"),
        ("12345678", "most common passwords"),
        ("aaaaaaaa", "most common passwords"),
        ("Password", "most common passwords"),
        ("۱۲۳۴۵۶۷۸", "most common passwords"),
        ("abcabcabcabc", "repeats or counts"),
        ("lmnopqrstu", "repeats or counts"),
        ("zzzzzzzzzzzzz", "repeats or counts"),
    ],
)
async def test_a_common_or_trivial_password_is_refused_with_the_reason(
    client: httpx.AsyncClient, password: str, reason: str
) -> None:
    response = await client.post(
        "/api/v1/auth/register",
        json={
            "name": "Sara",
            "username": "sara",
            "email": "sara@example.com",
            "phone": "09121234567",
            "password": password,
        },
    )

    assert response.status_code == 422
    assert problem_fields(response) == ["password"]
    assert reason in response.json()["errors"][0]["reason"]


@pytest.mark.parametrize("squatted_by", ["sign-up", "profile"])
@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("email", "Owner@Example.com", "owner@example.com"),
        ("phone", "0935 111 2233", "+989351112233"),
    ],
)
async def test_an_unverified_email_or_phone_yields_to_its_owner_signing_up(
    client: httpx.AsyncClient,
    kavenegar: FakeKavenegar,
    squatted_by: str,
    field: str,
    value: str,
    stored: str,
) -> None:
    squatter_details = {"username": "squatter", "email": "sq@example.com", "phone": "09121234567"}
    if squatted_by == "sign-up":
        squatter_details[field] = value
    _, squatter = await signed_up(client, **squatter_details)
    if squatted_by == "profile":
        squatted = await client.patch(
            "/api/v1/users/me", headers=bearer(squatter), json={field: value}
        )
        assert squatted.status_code == 200

    owner = await client.post(
        "/api/v1/auth/register",
        json={
            "name": "Owner",
            "username": "owner",
            "email": "owner@example.com",
            "phone": "09351112233",
            "password": PASSWORD,
        },
    )
    squatter_now = (await client.get("/api/v1/users/me", headers=bearer(squatter))).json()

    assert owner.status_code == 201, owner.text
    assert owner.json()[field] == stored
    # The squatter never proved it, so it keeps nothing of it.
    assert squatter_now[field] is None
    assert squatter_now["username"] == "squatter"
    await login(client, value)
    assert kavenegar.last_code_to("09351112233")
