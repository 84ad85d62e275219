"""Kavenegar's verify/lookup endpoint as its documentation describes it, on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from tests.fakes.http_server import Answer, ReceivedRequest, serve_http

API_KEY = "4E5A7A5A3552596A6B6B7A6A2F6B3D3D"
TEMPLATE = "payam-otp"


@dataclass
class FakeKavenegar:
    url: str = ""
    api_key: str = API_KEY
    template: str = TEMPLATE
    received: list[ReceivedRequest] = field(default_factory=list)
    sent: list[dict[str, str]] = field(default_factory=list)
    # Lookups still to refuse as Kavenegar does when out of credit (-1: every one).
    failures_left: int = 0

    def clear(self) -> None:
        self.received.clear()
        self.sent.clear()
        self.failures_left = 0

    def fail(self, times: int = -1) -> None:
        """Refuse the next ``times`` lookups (every one by default) until ``clear``."""
        self.failures_left = times

    def codes_to(self, receptor: str) -> list[str]:
        """Codes sent to a number in Kavenegar's own form (``0912…``)."""
        return [form["token"] for form in self.sent if form["receptor"] == receptor]

    def last_code_to(self, receptor: str) -> str:
        codes = self.codes_to(receptor)
        assert codes, f"no SMS reached {receptor}"
        return codes[-1]

    def answer(self, request: ReceivedRequest) -> Answer:
        self.received.append(request)
        _, version, api_key, *method = request.path.split("/")
        if version != "v1" or method != ["verify", "lookup.json"]:
            return Answer.of_json(404, {"return": {"status": 404, "message": "متد نامشخص است"}})
        if api_key != self.api_key:
            return Answer.of_json(
                403,
                {
                    "return": {"status": 403, "message": "کد شناسائی API-Key معتبر نمی‌باشد"},
                    "entries": None,
                },
            )
        form = {name: values[0] for name, values in parse_qs(request.body.decode()).items()}
        if self.failures_left:
            self.failures_left -= 1 if self.failures_left > 0 else 0
            return Answer.of_json(
                418, {"return": {"status": 418, "message": "اعتبار حساب شما کافی نیست"}}
            )
        if form.get("template") != self.template:
            return Answer.of_json(
                424,
                {"return": {"status": 424, "message": "الگوی مورد نظر پیدا نشد"}, "entries": None},
            )
        self.sent.append(form)
        return Answer.of_json(
            200,
            {
                "return": {"status": 200, "message": "تایید شد"},
                "entries": [
                    {
                        "messageid": 8792343 + len(self.sent),
                        "message": form["token"],
                        "status": 5,
                        "statustext": "ارسال به مخابرات",
                        "sender": "10004346",
                        "receptor": form["receptor"],
                        "date": 1356619709,
                        "cost": 120,
                    }
                ],
            },
        )


@contextmanager
def serve_kavenegar() -> Iterator[FakeKavenegar]:
    fake = FakeKavenegar()
    with serve_http(fake.answer) as server:
        fake.url = server.url
        yield fake
