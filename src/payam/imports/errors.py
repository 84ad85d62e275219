"""Refusals particular to imports; each renders as problem+json with the field at fault."""

from __future__ import annotations

from payam.kit.errors import InvalidInput, PayamError


class UploadTooLarge(PayamError):
    status_code = 413
    type_slug = "upload-too-large"
    title = "The upload is too large"


class UnreadableUpload(InvalidInput):
    type_slug = "unreadable-upload"
    title = "The upload cannot be imported"


class UnsupportedUpload(PayamError):
    status_code = 415
    type_slug = "unsupported-media-type"
    title = "Send a multipart file upload or JSON"
