"""The rules of the WhatsApp webhook: Meta's verify-token challenge, then signed deliveries."""

from __future__ import annotations

import hmac
import json

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from payam.kit.clock import utc_now
from payam.kit.credentials import CredentialBox, CredentialUnreadable
from payam.kit.errors import InvalidInput, NotFound, PayamError
from payam.providers.cloud.payload import inbox_entries, signature_matches
from payam.providers.cloud.provider import CloudConfig
from payam.providers.cloud.repository import CloudInboxRepository
from payam.runtime import Runtime

logger = structlog.get_logger(__name__)


class SignatureMissing(PayamError):
    status_code = 401
    type_slug = "signature-missing"
    title = "X-Hub-Signature-256 is missing"


class SignatureRefused(PayamError):
    status_code = 403
    type_slug = "signature-refused"
    title = "The signature or the verify token does not match"


class CloudWebhooks:
    def __init__(self, session: AsyncSession, *, runtime: Runtime) -> None:
        self.repository = CloudInboxRepository(session)
        self.box = CredentialBox(runtime.settings)

    async def _config(self, sender_id: int) -> CloudConfig:
        sender = await self.repository.cloud_sender(sender_id)
        if sender is None or "phone_number_id" not in sender.provider_config:
            raise NotFound("No such Cloud API number")
        return CloudConfig.of(sender.provider_config)

    def _open(self, sealed: str) -> str:
        try:
            return self.box.open(sealed)
        except CredentialUnreadable as error:
            logger.error("providers.cloud.webhook_secret_unreadable")
            raise SignatureRefused(
                "This number's secrets cannot be read; save them again"
            ) from error

    async def challenge(self, sender_id: int, *, mode: str, token: str, challenge: str) -> str:
        """Meta's subscription check: echo the challenge when the verify token is ours."""
        config = await self._config(sender_id)
        expected = self._open(config.verify_token)
        if mode != "subscribe" or not hmac.compare_digest(expected.encode(), token.encode()):
            raise SignatureRefused("The verify token does not match", field="hub.verify_token")
        return challenge

    async def receive(self, sender_id: int, *, body: bytes, signature: str | None) -> int:
        """Record the statuses and messages of a signed delivery; how many were new.

        Nothing is recorded unless the signature matches the raw body. A delivery seen before
        (Meta retries until it gets a 200) records nothing new.
        """
        config = await self._config(sender_id)
        if not signature:
            raise SignatureMissing("Meta signs every delivery: X-Hub-Signature-256 is required")
        if not signature_matches(body, signature, self._open(config.app_secret)):
            raise SignatureRefused("X-Hub-Signature-256 does not match the body")
        try:
            payload = json.loads(body)
        except ValueError as error:
            raise InvalidInput("The body is not JSON", field="body") from error
        now = utc_now()
        entries = inbox_entries(payload, phone_number_id=config.phone_number_id, now=now)
        return await self.repository.record(sender_id, entries, now=now)
