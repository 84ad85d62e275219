"""Why an attachment is refused or cannot be used."""

from __future__ import annotations

from payam.kit.errors import InvalidInput, NotFound, PayamError

UNSUPPORTED_REASON = "this type of file cannot be sent on WhatsApp"


class UnsupportedMedia(InvalidInput):
    """The content is not a format WhatsApp sends; ``why`` says what it seems to be instead."""

    type_slug = "unsupported-media"
    title = "This file cannot be sent on WhatsApp"

    def __init__(self, why: str | None = None) -> None:
        self.why = why
        super().__init__(
            f"{UNSUPPORTED_REASON}: {why}" if why else UNSUPPORTED_REASON, field="file"
        )


class MediaTooLarge(PayamError):
    status_code = 413
    type_slug = "too-large"
    title = "The file is too large"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, field="file")


class MediaUnavailable(NotFound):
    """For the engine: the attachment's row or bytes are gone, or the bytes changed on disk."""

    title = "The attachment is not available"
