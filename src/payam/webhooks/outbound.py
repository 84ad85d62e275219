"""Requests to addresses users give us, made so they cannot reach our own network.

A webhook URL is the user's choice, so it is checked where it matters, at delivery: http or
https only; the name is resolved and every address it has is checked (loopback, link-local
such as the cloud metadata service at 169.254.169.254, private, multicast, unspecified and
reserved ranges are refused unless PAYAM_WEBHOOK_ALLOW_PRIVATE_NETWORKS says otherwise); the
connection then goes to the address that was checked, the name kept for the Host header and
TLS (SNI and certificate), so a name that resolves differently a moment later (DNS rebinding)
changes nothing. Redirects are not followed, answers are read up to a cap, timeouts are short.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from dataclasses import dataclass

import httpx

from payam.kit.http import trusted_authorities

MAX_ANSWER_BYTES = 64 * 1024
EXCERPT_CHARS = 1024
_CONNECT_SECONDS = 5.0

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeTarget(Exception):
    """The URL may not be called: its scheme, or where its name points."""


@dataclass(frozen=True, slots=True)
class Answer:
    status_code: int | None
    duration_ms: int
    excerpt: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def check_scheme(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise UnsafeTarget(f"not a URL: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise UnsafeTarget("only http and https URLs with a host are called")
    return parsed


def refusal(address: IPAddress) -> str | None:
    """Why calling this address could reach a network it should not, or None."""
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        return refusal(mapped)
    for kind in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved"):
        if getattr(address, f"is_{kind}"):
            return kind.replace("_", "-")
    return None


async def resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        found = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise UnsafeTarget(f"{host} could not be resolved: {exc.strerror or exc}") from None
    # Scope ids ("fe80::1%eth0") are dropped: the address is what is checked.
    return list(
        dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found)
    )


async def checked_addresses(url: httpx.URL, *, allow_private: bool) -> list[IPAddress]:
    """The addresses to connect to, after checking every address the name has."""
    addresses = await resolve(url.host, url.port or (443 if url.scheme == "https" else 80))
    if not addresses:
        raise UnsafeTarget(f"{url.host} has no address")
    if not allow_private:
        for address in addresses:
            reason = refusal(address)
            if reason is not None:
                raise UnsafeTarget(f"{url.host} points at a {reason} address ({address})")
    return addresses


def new_client(timeout_seconds: float) -> httpx.AsyncClient:
    """The client for outgoing calls: no redirects, no proxies from the environment (which
    would connect by name, not to the address checked), short timeouts."""
    return httpx.AsyncClient(
        follow_redirects=False,
        trust_env=False,
        verify=trusted_authorities(),
        timeout=httpx.Timeout(timeout_seconds, connect=min(_CONNECT_SECONDS, timeout_seconds)),
    )


async def post(
    client: httpx.AsyncClient,
    url: str,
    *,
    body: str,
    headers: dict[str, str],
    allow_private: bool,
) -> Answer:
    """POST ``body`` to ``url`` safely; any failure is an ``Answer`` with its error, not raised."""
    started = time.perf_counter()

    def took() -> int:
        return round((time.perf_counter() - started) * 1000)

    try:
        target = check_scheme(url)
        addresses = await checked_addresses(target, allow_private=allow_private)
    except UnsafeTarget as exc:
        return Answer(None, took(), error=f"refused: {exc}"[:255])
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    headers = {**headers, "host": target.netloc.decode("ascii")}
    for index, address in enumerate(addresses):
        request = client.build_request(
            "POST",
            target.copy_with(host=str(address)),
            content=body.encode(),
            headers=headers,
            extensions=extensions,
        )
        try:
            status_code, received = await _send(client, request)
            break
        except httpx.ConnectError as exc:
            # The next address the name has (a name with IPv6 and IPv4, one of them down).
            if index == len(addresses) - 1:
                return Answer(None, took(), error=f"ConnectError: {exc}"[:255])
        except httpx.TimeoutException:
            return Answer(None, took(), error="timed out")
        except httpx.HTTPError as exc:
            return Answer(None, took(), error=f"{type(exc).__name__}: {exc}"[:255])
    excerpt = received[:EXCERPT_CHARS].decode("utf-8", errors="replace")
    error = "redirects are not followed" if 300 <= status_code < 400 else None
    return Answer(status_code, took(), excerpt=excerpt, error=error)


async def _send(client: httpx.AsyncClient, request: httpx.Request) -> tuple[int, bytes]:
    """The answer's status and at most MAX_ANSWER_BYTES of its body."""
    response = await client.send(request, stream=True)
    try:
        received = bytearray()
        async for chunk in response.aiter_raw():
            received += chunk
            if len(received) >= MAX_ANSWER_BYTES:
                break
    finally:
        await response.aclose()
    return response.status_code, bytes(received)
