"""The rules of API keys: who may make them, what they may do, and checking one on a request."""

from __future__ import annotations

import ipaddress
import secrets
from datetime import datetime, timedelta
from functools import partial

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from payam.apikeys.errors import ApiKeyInvalid, ApiKeyNotAllowed
from payam.apikeys.repository import ApiKeyRepository
from payam.apikeys.schemas import ApiKeyCreate
from payam.apikeys.scopes import required_scope
from payam.audit.service import record_audit
from payam.auth.dependencies import API_KEY_PREFIX
from payam.auth.service import ClientInfo, account_unavailable
from payam.auth.tokens import hash_code
from payam.config import Settings
from payam.db.session import run_after_commit, transaction
from payam.dependencies import client_ip
from payam.kit.clock import utc_now
from payam.kit.errors import InvalidInput
from payam.kit.pagination import Page, PageParams
from payam.models import ApiKey, User
from payam.runtime import Runtime

# How stale a key's "last used" may get: one write a minute per key at most, not one a request.
LAST_USE_PRECISION = timedelta(minutes=1)
# "pyk_" and 8 of the secret's characters: enough to tell keys apart, useless to a guesser.
_SHOWN_PREFIX_LENGTH = len(API_KEY_PREFIX) + 8


def hash_secret(secret: str, *, signing_key: str) -> str:
    """HMAC-SHA256 under the server's key (decision 12): the secret carries 256 random bits, so
    a slow password hash would only cost every request time, and the key keeps a stolen table
    from being checked against guessed secrets."""
    return hash_code(secret, signing_key=signing_key, context="api-key")


class ApiKeyService:
    def __init__(self, session: AsyncSession, *, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.keys = ApiKeyRepository(session)

    async def create(
        self, user: User, data: ApiKeyCreate, *, client: ClientInfo
    ) -> tuple[ApiKey, str]:
        """A new key and its secret, which is not kept and cannot be shown again."""
        if data.expires_at is not None and data.expires_at <= utc_now():
            raise InvalidInput("The expiry must be in the future", field="expires_at")
        secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
        key = ApiKey(
            user_id=user.id,
            name=data.name,
            prefix=secret[:_SHOWN_PREFIX_LENGTH],
            secret_hash=hash_secret(secret, signing_key=self.settings.signing_key),
            scopes=[scope.value for scope in data.scopes],
            allowed_networks=data.allowed_networks,
            expires_at=data.expires_at,
        )
        self.session.add(key)
        await self.session.flush()
        record_audit(
            self.session,
            action="api_key.created",
            actor_id=user.id,
            subject_user_id=user.id,
            ip_address=client.ip_address,
            details={"api_key_id": key.id, "name": key.name, "scopes": key.scopes},
        )
        return key, secret

    async def page(self, user: User, params: PageParams) -> Page[ApiKey]:
        return await self.keys.page_owned(user.id, params)

    async def revoke(self, user: User, key_id: int, *, client: ClientInfo) -> None:
        """Stop a key at once; revoking a revoked key changes nothing."""
        key = await self.keys.get_or_404(key_id, name="API key", owner_id=user.id)
        if key.revoked_at is not None:
            return
        key.revoked_at = utc_now()
        record_audit(
            self.session,
            action="api_key.revoked",
            actor_id=user.id,
            subject_user_id=user.id,
            ip_address=client.ip_address,
            details={"api_key_id": key.id, "name": key.name},
        )


async def authenticate_api_key(
    request: Request, session: AsyncSession, secret: str
) -> tuple[User, int]:
    """The owner of the key this request carries, and the key's id, or a refusal saying why.

    Checked in this order: the key exists, its owner may use Payam (a banned or deactivated
    owner's keys stop at once), it is neither revoked nor expired, the client's address is on
    its list (``client_ip``: the proxy's ``X-Forwarded-For`` only when the proxy is trusted,
    PAYAM_FORWARDED_ALLOW_IPS), the route lets keys in and the key has the scope it needs; then
    the key's rate limit is counted.
    """
    runtime: Runtime = request.app.state.runtime
    settings = runtime.settings
    keys = ApiKeyRepository(session)
    found = await keys.find_with_owner(hash_secret(secret, signing_key=settings.signing_key))
    if found is None:
        raise ApiKeyInvalid("This API key is not valid")
    key, user = found
    if not user.is_active:
        raise account_unavailable(user)
    now = utc_now()
    if key.revoked_at is not None:
        raise ApiKeyInvalid(f"The API key {key.prefix}… has been revoked")
    if key.expires_at is not None and key.expires_at <= now:
        raise ApiKeyInvalid(f"The API key {key.prefix}… expired at {key.expires_at.isoformat()}")
    address = client_ip(request)
    if key.allowed_networks and not _address_in(address, key.allowed_networks):
        raise ApiKeyNotAllowed(
            f"The API key {key.prefix}… may not be used from {address or 'an unknown address'}"
        )
    needed = required_scope(request.method, request.url.path)
    if needed is None:
        raise ApiKeyNotAllowed("API keys cannot be used here: sign in to your account to do this")
    if needed.value not in key.scopes:
        raise ApiKeyNotAllowed(
            f"The API key {key.prefix}… lacks the scope {needed.value}", field="scope"
        )
    await runtime.rate_limiter.hit(settings.rate_limit_api_key, scope="api-key", key=str(key.id))
    if key.last_used_at is None or key.last_used_at < now - LAST_USE_PRECISION:
        # After the request's transaction, in one of its own: a route that only reads has a
        # session that cannot write (payam.dependencies.reads_only).
        run_after_commit(
            session,
            partial(_record_use, runtime.sessionmaker, key.id, now=now, ip_address=address),
        )
    return user, key.id


async def _record_use(
    sessionmaker: async_sessionmaker[AsyncSession],
    key_id: int,
    *,
    now: datetime,
    ip_address: str | None,
) -> None:
    async with transaction(sessionmaker) as session:
        await ApiKeyRepository(session).record_use(
            key_id, now=now, ip_address=ip_address, every=LAST_USE_PRECISION
        )


def _address_in(address: str | None, networks: list[str]) -> bool:
    if address is None:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in networks)
