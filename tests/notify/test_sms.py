from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from urllib.parse import parse_qs

import httpx
import pytest

from payam.models.auth import OtpPurpose
from payam.notify.messages import code_message
from payam.notify.sms import (
    ConsoleSmsSender,
    HttpGatewaySmsSender,
    KavenegarSmsSender,
    SmsDeliveryError,
)
from tests.fakes.http_server import Answer, FakeHttpServer, ReceivedRequest, serve_http
from tests.fakes.kavenegar import API_KEY as KAVENEGAR_KEY
from tests.fakes.kavenegar import TEMPLATE as KAVENEGAR_TEMPLATE
from tests.fakes.kavenegar import FakeKavenegar, serve_kavenegar
from tests.support import free_port

PHONE = "+989121234567"


@pytest.fixture
async def http_client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=2.0) as client:
        yield client


@pytest.fixture
def kavenegar() -> Iterator[FakeKavenegar]:
    with serve_kavenegar() as fake:
        yield fake


def kavenegar_sender(
    server: FakeKavenegar | FakeHttpServer,
    http_client: httpx.AsyncClient,
    *,
    api_key: str = KAVENEGAR_KEY,
    template: str = KAVENEGAR_TEMPLATE,
) -> KavenegarSmsSender:
    return KavenegarSmsSender(
        api_key=api_key, template=template, base_url=server.url + "/", http_client=http_client
    )


async def test_kavenegar_posts_the_lookup_form(
    kavenegar: FakeKavenegar, http_client: httpx.AsyncClient
) -> None:
    sender = kavenegar_sender(kavenegar, http_client)

    await sender.send_code(phone=PHONE, code="482913", purpose=OtpPurpose.LOGIN)

    [request] = kavenegar.received
    assert request.method == "POST"
    assert request.path == f"/v1/{KAVENEGAR_KEY}/verify/lookup.json"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.body.decode()) == {
        "receptor": ["09121234567"],
        "token": ["482913"],
        "template": [KAVENEGAR_TEMPLATE],
    }


async def test_kavenegar_gets_foreign_numbers_with_00(
    kavenegar: FakeKavenegar, http_client: httpx.AsyncClient
) -> None:
    sender = kavenegar_sender(kavenegar, http_client)

    await sender.send_code(phone="+447911123456", code="482913", purpose=OtpPurpose.VERIFY_PHONE)

    assert parse_qs(kavenegar.received[0].body.decode())["receptor"] == ["00447911123456"]


async def test_kavenegar_wrong_key_reports_its_message_without_the_key(
    kavenegar: FakeKavenegar, http_client: httpx.AsyncClient
) -> None:
    wrong_key = "7A6B2F3D3D5A7A6B6B7A6A2F6B3D3D99"
    sender = kavenegar_sender(kavenegar, http_client, api_key=wrong_key)

    with pytest.raises(SmsDeliveryError) as raised:
        await sender.send_code(phone=PHONE, code="482913", purpose=OtpPurpose.LOGIN)

    assert "کد شناسائی API-Key معتبر نمی‌باشد" in str(raised.value)
    assert "403" in str(raised.value)
    assert wrong_key not in str(raised.value)
    assert wrong_key not in repr(sender)
    assert kavenegar.received[0].path == f"/v1/{wrong_key}/verify/lookup.json"


async def test_kavenegar_unknown_template_is_an_error(
    kavenegar: FakeKavenegar, http_client: httpx.AsyncClient
) -> None:
    sender = kavenegar_sender(kavenegar, http_client, template="no-such-template")

    with pytest.raises(SmsDeliveryError, match="الگوی مورد نظر پیدا نشد"):
        await sender.send_code(phone=PHONE, code="482913", purpose=OtpPurpose.LOGIN)


async def test_kavenegar_answer_without_status_is_an_error(http_client: httpx.AsyncClient) -> None:
    def bad_gateway(request: ReceivedRequest) -> Answer:
        return Answer(502, body=b"<html>502 Bad Gateway</html>", content_type="text/html")

    with serve_http(bad_gateway) as server:
        sender = kavenegar_sender(server, http_client)
        with pytest.raises(SmsDeliveryError, match="HTTP 502") as raised:
            await sender.send_code(phone=PHONE, code="482913", purpose=OtpPurpose.LOGIN)

    assert KAVENEGAR_KEY not in str(raised.value)


async def test_kavenegar_timeout_is_an_error_without_the_key() -> None:
    def too_slow(request: ReceivedRequest) -> Answer:
        return Answer(200, body=b"{}", delay_seconds=5)

    # Long enough for the request to reach the server on a loaded machine.
    async with httpx.AsyncClient(timeout=1.0) as impatient_client:
        with serve_http(too_slow) as server:
            sender = kavenegar_sender(server, impatient_client)
            with pytest.raises(SmsDeliveryError, match="in time") as raised:
                await sender.send_code(phone=PHONE, code="482913", purpose=OtpPurpose.LOGIN)

    assert KAVENEGAR_KEY not in str(raised.value)
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__
    assert server.received  # the request did reach the server before the client gave up


async def test_kavenegar_unreachable_is_an_error(http_client: httpx.AsyncClient) -> None:
    sender = KavenegarSmsSender(
        api_key=KAVENEGAR_KEY,
        template=KAVENEGAR_TEMPLATE,
        base_url=f"http://127.0.0.1:{free_port()}",
        http_client=http_client,
    )

    with pytest.raises(SmsDeliveryError, match="could not reach Kavenegar") as raised:
        await sender.send_code(phone=PHONE, code="482913", purpose=OtpPurpose.LOGIN)

    assert KAVENEGAR_KEY not in str(raised.value)


def gateway_accepts(request: ReceivedRequest) -> Answer:
    return Answer(202, body=b'{"queued": true}')


async def test_http_gateway_posts_the_documented_json(http_client: httpx.AsyncClient) -> None:
    with serve_http(gateway_accepts) as gateway:
        sender = HttpGatewaySmsSender(
            url=gateway.url + "/sms", token="gw-secret", http_client=http_client, ttl_minutes=5
        )
        await sender.send_code(phone=PHONE, code="482913", purpose=OtpPurpose.PASSWORD_RESET)

    [request] = gateway.received
    assert request.path == "/sms"
    assert request.headers["authorization"] == "Bearer gw-secret"
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {
        "to": PHONE,
        "message": code_message(code="482913", purpose=OtpPurpose.PASSWORD_RESET, ttl_minutes=5),
        "code": "482913",
        "purpose": "PASSWORD_RESET",
    }
    assert "482913" in request.json()["message"]


async def test_http_gateway_without_token_sends_no_authorization(
    http_client: httpx.AsyncClient,
) -> None:
    with serve_http(gateway_accepts) as gateway:
        sender = HttpGatewaySmsSender(
            url=gateway.url, token=None, http_client=http_client, ttl_minutes=5
        )
        await sender.send_code(phone=PHONE, code="482913", purpose=OtpPurpose.LOGIN)

    assert "authorization" not in gateway.received[0].headers


async def test_http_gateway_error_answer_is_an_error(http_client: httpx.AsyncClient) -> None:
    def broken(request: ReceivedRequest) -> Answer:
        return Answer.of_json(500, {"error": "upstream provider is down"})

    with serve_http(broken) as gateway:
        sender = HttpGatewaySmsSender(
            url=gateway.url, token="gw-secret", http_client=http_client, ttl_minutes=5
        )
        with pytest.raises(SmsDeliveryError) as raised:
            await sender.send_code(phone=PHONE, code="482913", purpose=OtpPurpose.LOGIN)

    assert "HTTP 500" in str(raised.value)
    assert "upstream provider is down" in str(raised.value)
    assert len(gateway.received) == 1


async def test_http_gateway_echoing_the_token_does_not_leak_it(
    http_client: httpx.AsyncClient,
) -> None:
    def echo_headers(request: ReceivedRequest) -> Answer:
        return Answer(401, body=json.dumps({"got": request.headers["authorization"]}).encode())

    with serve_http(echo_headers) as gateway:
        sender = HttpGatewaySmsSender(
            url=gateway.url, token="gw-secret", http_client=http_client, ttl_minutes=5
        )
        with pytest.raises(SmsDeliveryError) as raised:
            await sender.send_code(phone=PHONE, code="482913", purpose=OtpPurpose.LOGIN)

    assert "HTTP 401" in str(raised.value)
    assert "gw-secret" not in str(raised.value)


async def test_http_gateway_timeout_is_an_error() -> None:
    def too_slow(request: ReceivedRequest) -> Answer:
        return Answer(200, delay_seconds=5)

    async with httpx.AsyncClient(timeout=0.2) as impatient_client:
        with serve_http(too_slow) as gateway:
            sender = HttpGatewaySmsSender(
                url=gateway.url, token=None, http_client=impatient_client, ttl_minutes=5
            )
            with pytest.raises(SmsDeliveryError, match="in time"):
                await sender.send_code(phone=PHONE, code="482913", purpose=OtpPurpose.LOGIN)


async def test_console_sms_shows_the_code(capsys: pytest.CaptureFixture[str]) -> None:
    await ConsoleSmsSender().send_code(phone=PHONE, code="482913", purpose=OtpPurpose.LOGIN)

    printed = capsys.readouterr().out
    assert f"[payam] SMS to {PHONE}: your Payam code is 482913 (purpose: login)" in printed
