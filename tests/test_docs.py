from __future__ import annotations

from pathlib import Path

from payam.config import Settings

DOCS = Path(__file__).parent.parent / "docs"


def test_every_setting_is_documented() -> None:
    table = (DOCS / "configuration.md").read_text()

    missing = [
        f"PAYAM_{name.upper()}"
        for name in Settings.model_fields
        if f"`PAYAM_{name.upper()}`" not in table
    ]

    assert missing == []
