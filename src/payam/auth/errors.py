from __future__ import annotations

from payam.kit.errors import PayamError


class InvalidCode(PayamError):
    status_code = 400
    type_slug = "invalid-code"
    title = "The code is wrong or has expired"
