from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from payam.media.storage import MediaStorage


def test_orphaned_staged_uploads_are_swept_and_live_ones_kept(tmp_path: Path) -> None:
    storage = MediaStorage(tmp_path / "media")
    orphan = storage.stage()
    orphan.write(b"left by a crash")
    orphan.close()
    an_hour_ago = time.time() - 3600
    os.utime(orphan.path, (an_hour_ago, an_hour_ago))
    live = storage.stage()
    live.write(b"still arriving")

    assert storage.sweep_incoming(older_than_seconds=600) == 1

    assert not orphan.path.exists()
    assert live.path.exists()
    live.discard()


def test_nothing_to_sweep_before_the_first_upload(tmp_path: Path) -> None:
    assert MediaStorage(tmp_path / "media").sweep_incoming(older_than_seconds=0) == 0


@pytest.mark.parametrize("key", ["../secret_key", "ab/../../x", "/etc/passwd", "AB/" + "0" * 32])
def test_storage_keys_cannot_reach_outside_the_media_directory(tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError, match="not a media storage key"):
        MediaStorage(tmp_path / "media").path_of(key)


def test_a_kept_file_lives_under_its_key(tmp_path: Path) -> None:
    storage = MediaStorage(tmp_path / "media")
    staged = storage.stage()
    staged.write(b"hello")

    key = storage.keep(staged)

    assert storage.path_of(key).read_bytes() == b"hello"
    assert not staged.path.exists()
    assert list(storage.incoming.iterdir()) == []
