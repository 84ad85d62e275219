from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from payam.config import Settings
from tests.media import samples
from tests.media.helpers import stored_files, upload, uploaded
from tests.support import problem_fields

IMAGE_LIMIT = 1000
VIDEO_LIMIT = 2000
AUDIO_LIMIT = 1500
DOCUMENT_LIMIT = 20_000


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "media_max_image_bytes": IMAGE_LIMIT,
            "media_max_video_bytes": VIDEO_LIMIT,
            "media_max_audio_bytes": AUDIO_LIMIT,
            "media_max_document_bytes": DOCUMENT_LIMIT,
        }
    )


def padded_pdf(size: int) -> bytes:
    head = samples.pdf()
    return head + b"%" + b"x" * (size - len(head) - 2) + b"\n"


def padded_text(size: int) -> bytes:
    return b"a" * (size - 1) + b"\n"


@pytest.mark.parametrize(
    ("content", "kind", "limit", "says"),
    [
        (
            samples.png(padding=IMAGE_LIMIT),
            "IMAGE",
            IMAGE_LIMIT,
            "An image can be at most 1,000 bytes",
        ),
        (samples.mp4(size=VIDEO_LIMIT), "VIDEO", VIDEO_LIMIT, "A video can be at most 2,000 bytes"),
        (samples.mp3() + b"\x00" * AUDIO_LIMIT, "AUDIO", AUDIO_LIMIT, "An audio file can be"),
        (padded_pdf(DOCUMENT_LIMIT + 1), "DOCUMENT", DOCUMENT_LIMIT, "A document can be at most"),
        (padded_text(DOCUMENT_LIMIT + 1), "DOCUMENT", DOCUMENT_LIMIT, "A document can be"),
    ],
    ids=["image", "video", "audio", "pdf", "text"],
)
async def test_each_kind_has_its_own_size_limit(
    client: httpx.AsyncClient,
    sara: dict[str, str],
    settings: Settings,
    content: bytes,
    kind: str,
    limit: int,
    says: str,
) -> None:
    assert len(content) > limit
    response = await upload(client, sara, content)

    assert response.status_code == 413, response.text
    assert problem_fields(response) == ["file"]
    assert says in response.json()["detail"]
    assert stored_files(settings) == []


async def test_a_file_at_its_kinds_limit_is_accepted(
    client: httpx.AsyncClient, sara: dict[str, str]
) -> None:
    image = samples.png(padding=IMAGE_LIMIT - len(samples.png()) - 12)
    assert len(image) == IMAGE_LIMIT
    assert (await uploaded(client, sara, image))["kind"] == "IMAGE"


async def test_a_document_may_be_larger_than_an_image_may(
    client: httpx.AsyncClient, sara: dict[str, str]
) -> None:
    # Limits follow the real type: 5 KB is too much for an image but fine for a PDF.
    body = await uploaded(client, sara, padded_pdf(5 * IMAGE_LIMIT), filename="photo.jpg")
    assert body["kind"] == "DOCUMENT"


class CountingBody:
    """A multipart body served in chunks, counting how many the server asked for."""

    def __init__(self, content_head: bytes, *, chunks: int, chunk_size: int = 4096) -> None:
        self.boundary = "payam-limit-test"
        self.parts = [
            (
                f"--{self.boundary}\r\n"
                'Content-Disposition: form-data; name="file"; filename="big.bin"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + content_head
        ]
        self.parts += [b"a" * chunk_size] * chunks
        self.parts.append(f"\r\n--{self.boundary}--\r\n".encode())
        self.read = 0

    @property
    def size(self) -> int:
        return sum(len(part) for part in self.parts)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for part in self.parts:
            self.read += 1
            yield part

    def headers(self, user: dict[str, str]) -> dict[str, str]:
        return {**user, "Content-Type": f"multipart/form-data; boundary={self.boundary}"}


async def test_an_oversized_image_is_refused_as_soon_as_it_passes_the_image_limit(
    client: httpx.AsyncClient, sara: dict[str, str], settings: Settings
) -> None:
    body = CountingBody(samples.png(), chunks=100, chunk_size=1024)
    response = await client.post("/api/v1/media", content=body, headers=body.headers(sara))

    assert response.status_code == 413
    assert "An image can be at most" in response.json()["detail"]
    # About one kilobyte read, not a hundred.
    assert body.read < 5, body.read
    assert stored_files(settings) == []


async def test_an_upload_beyond_every_limit_is_refused_without_reading_it_all(
    client: httpx.AsyncClient, sara: dict[str, str], settings: Settings
) -> None:
    # Plain text: its kind (document) has the largest limit, so only that limit stops it.
    body = CountingBody(b"text ", chunks=1000)
    response = await client.post("/api/v1/media", content=body, headers=body.headers(sara))

    assert response.status_code == 413
    assert "A document can be at most" in response.json()["detail"]
    assert body.read < 10, body.read
    assert stored_files(settings) == []


async def test_a_declared_length_beyond_every_limit_is_refused_before_reading(
    client: httpx.AsyncClient, sara: dict[str, str], settings: Settings
) -> None:
    body = CountingBody(b"text ", chunks=1000)
    headers = {**body.headers(sara), "Content-Length": str(body.size)}
    response = await client.post("/api/v1/media", content=body, headers=headers)

    assert response.status_code == 413
    assert problem_fields(response) == ["file"]
    assert body.read == 0
    assert stored_files(settings) == []


async def test_a_foreign_format_is_refused_from_its_first_bytes(
    client: httpx.AsyncClient, sara: dict[str, str], settings: Settings
) -> None:
    body = CountingBody(samples.windows_program(), chunks=1000)
    response = await client.post("/api/v1/media", content=body, headers=body.headers(sara))

    assert response.status_code == 422
    assert "Windows program" in response.json()["detail"]
    assert body.read < 5, body.read
    assert stored_files(settings) == []
