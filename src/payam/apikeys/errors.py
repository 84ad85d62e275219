"""API keys' refusals, each with its own problem type so a client's code can tell them apart."""

from __future__ import annotations

from payam.kit.errors import Forbidden, NotAuthenticated


class ApiKeyInvalid(NotAuthenticated):
    """Unknown, revoked or expired: the key itself no longer signs anyone in."""

    type_slug = "api-key-invalid"
    title = "This API key is not valid"


class ApiKeyNotAllowed(Forbidden):
    """A valid key asked for what it may not do: a missing scope, a route keys never reach, or a
    client address outside the key's list."""

    type_slug = "api-key-not-allowed"
    title = "This API key may not do this"
