"""Endpoint secrets moved to the newest credential key, by every worker's housekeeping pass.

After ``PAYAM_CREDENTIAL_KEYS`` gains a new first key, secrets sealed with the older ones still
open; this pass reseals them with the new one, so that once a pass has run (its log line says how
many it moved) the old key can be removed. A secret that no configured key opens is left as it is
and logged: its endpoint's deliveries fail until the key is put back. Each secret is replaced by
a guarded UPDATE, so passes of several workers at once, or a rotation by the user, lose nothing.
"""

from __future__ import annotations

import structlog

from payam.db.session import transaction
from payam.kit.credentials import CredentialBox, CredentialUnreadable
from payam.runtime import Runtime
from payam.webhooks.repository import SECRET_COLUMNS, WebhookRepository

logger = structlog.get_logger(__name__)


async def reseal_endpoint_secrets(runtime: Runtime) -> int:
    """Reseal every endpoint secret not sealed with the newest key; how many were."""
    box = CredentialBox(runtime.settings)
    async with transaction(runtime.sessionmaker) as session:
        rows = await WebhookRepository(session).sealed_secrets()
    moves: list[tuple[int, str, str, str]] = []
    for endpoint_id, *secrets in rows:
        for column, sealed in zip(SECRET_COLUMNS, secrets, strict=True):
            if sealed is None or box.sealed_with_newest(sealed):
                continue
            try:
                moves.append((endpoint_id, column, sealed, box.reseal(sealed)))
            except CredentialUnreadable:
                logger.error("webhooks.secret_unreadable", endpoint_id=endpoint_id)
    resealed = 0
    if moves:
        async with transaction(runtime.sessionmaker) as session:
            repository = WebhookRepository(session)
            for endpoint_id, column, sealed, new in moves:
                resealed += await repository.replace_secret(
                    endpoint_id, column=column, old=sealed, new=new
                )
        logger.info("webhooks.secrets_resealed", resealed=resealed)
    return resealed
