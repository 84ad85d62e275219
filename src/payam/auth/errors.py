from __future__ import annotations

from payam.kit.errors import PayamError


class CodeNotDelivered(PayamError):
    status_code = 400
    type_slug = "code-not-delivered"
    title = "The code could not be sent"


class InvalidCode(PayamError):
    status_code = 400
    type_slug = "invalid-code"
    title = "The code is wrong or has expired"
