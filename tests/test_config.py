from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from payam.config import Settings

STRONG_KEY = "k" * 40


def test_production_refuses_to_start_without_a_secret_key() -> None:
    with pytest.raises(ValidationError, match="PAYAM_SECRET_KEY"):
        Settings(
            _env_file=None,
            environment="production",
            sms_provider="kavenegar",
            kavenegar_api_key="key",
        )


def test_production_refuses_the_console_sms_sender() -> None:
    with pytest.raises(ValidationError, match="PAYAM_SMS_PROVIDER"):
        Settings(_env_file=None, environment="production", secret_key=STRONG_KEY)


def test_production_needs_the_chosen_gateways_credentials() -> None:
    with pytest.raises(ValidationError, match="PAYAM_KAVENEGAR_API_KEY"):
        Settings(
            _env_file=None,
            environment="production",
            secret_key=STRONG_KEY,
            sms_provider="kavenegar",
        )
    with pytest.raises(ValidationError, match="PAYAM_SMS_HTTP_URL"):
        Settings(
            _env_file=None, environment="production", secret_key=STRONG_KEY, sms_provider="http"
        )


def test_development_generates_a_signing_key_once_and_keeps_it(tmp_path: Path) -> None:
    first = Settings(_env_file=None, data_dir=tmp_path).signing_key
    second = Settings(_env_file=None, data_dir=tmp_path).signing_key

    assert len(first) >= 32
    assert first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYAM_DEFAULT_PHONE_REGION", "AE")
    monkeypatch.setenv("PAYAM_CORS_ORIGINS", "https://a.example, https://b.example")

    settings = Settings(_env_file=None)

    assert settings.default_phone_region == "AE"
    assert settings.cors_origins == ["https://a.example", "https://b.example"]
