"""All of Payam's settings, read from the environment (prefix ``PAYAM_``) and an optional ``.env``.

Every setting is documented in ``docs/configuration.md``; keep the two in step.
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class SmsProvider(StrEnum):
    CONSOLE = "console"
    KAVENEGAR = "kavenegar"
    HTTP = "http"


class PaymentGatewayName(StrEnum):
    SANDBOX = "sandbox"
    ZARINPAL = "zarinpal"


class LogFormat(StrEnum):
    AUTO = "auto"
    CONSOLE = "console"
    JSON = "json"


class EmailProvider(StrEnum):
    CONSOLE = "console"
    SMTP = "smtp"


DEFAULT_DATA_DIR = Path("var")
SECRET_KEY_FILE_NAME = "secret_key"  # noqa: S105 - a file name, not a secret


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PAYAM_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Environment = Environment.DEVELOPMENT
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = f"sqlite+aiosqlite:///./{DEFAULT_DATA_DIR}/payam.db"
    database_echo: bool = False
    # None: one connection on SQLite (its single writer), a pool of 10 (+20) elsewhere.
    database_pool_size: int | None = Field(default=None, ge=1, le=1000)
    # Connections opened beyond the pool at busy moments (None: 20 with the default pool, 0 with
    # a pool size set); never on SQLite.
    database_pool_overflow: int | None = Field(default=None, ge=0, le=1000)
    database_pool_timeout_seconds: float = Field(default=60.0, gt=0, le=600)
    # PostgreSQL ends a session left idle inside a transaction this long (a process frozen or
    # stalled mid-transaction), so the rows it locked, such as a number's, are not held forever.
    database_idle_transaction_timeout_seconds: float = Field(default=60.0, ge=1, le=86_400)
    redis_url: str | None = None
    # Deployments (or test runs) sharing one Redis keep their live events apart by prefix.
    live_channel_prefix: str = "payam:live:"
    # Open WebSocket connections one user may hold in one API process; the next is refused.
    live_max_connections_per_user: int = Field(default=20, ge=1, le=10_000)

    secret_key: SecretStr | None = None
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=30, ge=1, le=365)
    cookie_secure: bool = True
    cookie_domain: str | None = None

    default_phone_region: str = Field(default="IR", min_length=2, max_length=2)
    user_time_zone: str = "Asia/Tehran"

    rate_limit_register: str = "5/hour"
    rate_limit_login: str = "10/minute"
    rate_limit_otp_request: str = "5/15minutes"
    rate_limit_otp_verify: str = "10/15minutes"
    rate_limit_api_key: str = "600/minute"
    login_lockout_threshold: int = Field(default=5, ge=1)
    login_lockout_base_seconds: int = Field(default=30, ge=1)
    # Short on purpose: a stranger who types wrong passwords for someone else delays them too.
    login_lockout_max_seconds: int = Field(default=900, ge=1, le=24 * 3600)

    otp_ttl_seconds: int = Field(default=300, ge=30, le=3600)
    otp_max_attempts: int = Field(default=5, ge=1, le=20)
    otp_resend_seconds: int = Field(default=60, ge=0, le=3600)
    otp_delivery_deadline_seconds: int = Field(default=120, ge=1, le=3600)

    sms_provider: SmsProvider = SmsProvider.CONSOLE
    sms_timeout_seconds: float = 10.0
    kavenegar_api_key: SecretStr | None = None
    kavenegar_template: str = "payam-otp"
    kavenegar_base_url: str = "https://api.kavenegar.com"
    sms_http_url: str | None = None
    sms_http_token: SecretStr | None = None

    email_provider: EmailProvider = EmailProvider.CONSOLE
    email_from: str = "Payam <no-reply@payam.local>"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_use_tls: bool = False
    smtp_timeout_seconds: float = 10.0

    public_url: str = "http://127.0.0.1:8000"
    currency: str = Field(default="IRR", pattern=r"^(IRR|IRT)$")
    payment_gateways: Annotated[list[PaymentGatewayName], NoDecode] = [PaymentGatewayName.SANDBOX]
    payment_timeout_seconds: float = 15.0
    zarinpal_merchant_id: SecretStr | None = None
    zarinpal_sandbox: bool = False
    zarinpal_base_url: str | None = None

    # Campaigns and dispatch.
    allowed_intervals: Annotated[list[int], NoDecode] = [5, 10, 20]
    schedule_horizon_days: int = Field(default=365, ge=1, le=3650)
    pacing_jitter_ratio: float = Field(default=0.3, ge=0, le=2)
    # Days over which a new WhatsApp Web number's daily cap grows to its configured one (0: none).
    warmup_days: int = Field(default=14, ge=0, le=60)
    claim_lease_seconds: int = Field(default=120, ge=5, le=3600)
    # How long a send may take; then it counts as UNKNOWN (capped by the claim lease).
    send_timeout_seconds: float = Field(default=20.0, gt=0, le=600)
    sender_lease_seconds: int = Field(default=15, ge=5, le=600)
    dispatch_poll_seconds: float = Field(default=0.5, gt=0, le=10)
    reconcile_seconds: float = Field(default=5.0, gt=0, le=300)
    max_send_attempts: int = Field(default=5, ge=1, le=50)
    opt_out_keywords: Annotated[list[str], NoDecode] = ["STOP", "لغو"]
    embedded_worker: bool = True
    broker_url: str | None = None

    # Imports and attachments.
    import_max_bytes: int = Field(default=200 * 1024 * 1024, ge=1024)
    import_max_rows: int = Field(default=1_000_000, ge=1)
    import_max_line_bytes: int = Field(default=64 * 1024, ge=256)
    media_max_image_bytes: int = 5 * 1024 * 1024
    media_max_video_bytes: int = 16 * 1024 * 1024
    media_max_audio_bytes: int = 16 * 1024 * 1024
    media_max_document_bytes: int = 100 * 1024 * 1024
    # Files nothing in the database owns (and imports left unmapped) go after this long.
    file_grace_hours: float = Field(default=24.0, ge=0, le=24 * 365)
    housekeeping_seconds: float = Field(default=600.0, gt=0, le=24 * 3600)

    # The simulated WhatsApp (provider "sandbox").
    sandbox_latency_ms: int = Field(default=50, ge=0, le=60_000)
    sandbox_failure_rate: float = Field(default=0.0, ge=0, le=1)
    sandbox_not_on_whatsapp_rate: float = Field(default=0.05, ge=0, le=1)
    sandbox_delivery_seconds: float = Field(default=2.0, ge=0)
    sandbox_read_seconds: float = Field(default=10.0, ge=0)
    sandbox_reply_rate: float = Field(default=0.05, ge=0, le=1)
    sandbox_opt_out_rate: float = Field(default=0.2, ge=0, le=1)

    # The official WhatsApp Cloud API (provider "cloud"). A number may name its own Graph URL.
    cloud_graph_base_url: str = "https://graph.facebook.com"
    cloud_api_version: str = Field(default="v23.0", pattern=r"^v\d+\.\d+$")
    cloud_timeout_seconds: float = Field(default=15.0, gt=0, le=120)
    cloud_inbox_poll_seconds: float = Field(default=0.5, gt=0, le=60)
    # Fernet keys sealing numbers' secrets, comma-separated (the first seals, all open).
    credential_keys: SecretStr | None = None

    # WhatsApp Web (provider "web", through neonize). Device keys: a PostgreSQL DSN
    # ("postgres://…", every number in it), or a folder of one SQLite file per number (None: the
    # data folder's "whatsapp"); never the main database when that is MariaDB (docs/whatsapp.md).
    web_session_store: str | None = None
    # What builds a WhatsApp Web client ("module:callable"); tests name a fake.
    web_client_factory: str = "payam.providers.web.neonize_client:NeonizeClient"
    web_connect_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    # "typing…" shown this long before each send (a number's provider_config may override it).
    web_typing_seconds: float = Field(default=0.0, ge=0, le=30)
    # How long an answer to "is this number on WhatsApp?" is trusted before it is asked again
    # (docs/whatsapp.md): numbers rarely leave WhatsApp, but a "no" skips a person who may join
    # tomorrow, so it is trusted for less.
    whatsapp_check_ttl_hours: int = Field(default=168, ge=1, le=24 * 365)
    whatsapp_check_not_on_ttl_hours: int = Field(default=24, ge=1, le=24 * 365)

    # Outgoing webhooks.
    webhook_allow_private_networks: bool = False
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    webhook_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    webhook_retry_first_seconds: float = Field(default=5.0, gt=0, le=3600)
    webhook_retry_hours: float = Field(default=24.0, ge=0, le=24 * 7)
    webhook_disable_after_failures: int = Field(default=20, ge=1)
    webhook_disable_after_hours: float = Field(default=24.0, ge=0, le=24 * 30)
    # Finished deliveries, and the events they carried, are removed after this many days.
    webhook_retention_days: float = Field(default=30.0, ge=1, le=3650)

    admin_email: str = "admin@example.com"
    admin_password: SecretStr | None = None
    admin_username: str = "admin"
    admin_phone: str = "+989000000000"

    cors_origins: Annotated[list[str], NoDecode] = []
    # None: the loopback proxy in development, no proxy at all in production.
    forwarded_allow_ips: str | None = None
    # Every request body but a streamed upload (those have the limits above).
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # The built web app that payam serve serves at /.
    web_dir: Path = Path("frontend/dist")
    # auto: readable lines on a terminal, JSON otherwise.
    log_format: LogFormat = LogFormat.AUTO

    @model_validator(mode="before")
    @classmethod
    def _split_lists(cls, values: dict[str, object]) -> dict[str, object]:
        for name in ("cors_origins", "payment_gateways", "allowed_intervals", "opt_out_keywords"):
            raw = values.get(name)
            if isinstance(raw, str):
                values[name] = [item.strip() for item in raw.split(",") if item.strip()]
        return values

    @model_validator(mode="after")
    def _secrets_required_outside_development(self) -> Settings:
        if self.environment is Environment.PRODUCTION:
            if self.secret_key is None or len(self.secret_key.get_secret_value()) < 32:
                raise ValueError(
                    "PAYAM_SECRET_KEY must be set to at least 32 characters in production"
                )
            if self.sms_provider is SmsProvider.CONSOLE:
                # The console sender prints codes into the logs: a sign-in for whoever reads them.
                raise ValueError("PAYAM_SMS_PROVIDER must be kavenegar or http in production")
            if self.sms_provider is SmsProvider.KAVENEGAR and self.kavenegar_api_key is None:
                raise ValueError("PAYAM_KAVENEGAR_API_KEY is required for the kavenegar provider")
            if self.sms_provider is SmsProvider.HTTP and not self.sms_http_url:
                raise ValueError("PAYAM_SMS_HTTP_URL is required for the http SMS provider")
            if PaymentGatewayName.SANDBOX in self.payment_gateways:
                raise ValueError("the sandbox payment gateway approves anything: not in production")
        if (
            PaymentGatewayName.ZARINPAL in self.payment_gateways
            and self.zarinpal_merchant_id is None
        ):
            raise ValueError("PAYAM_ZARINPAL_MERCHANT_ID is required for the zarinpal gateway")
        return self

    @property
    def trusted_proxies(self) -> str:
        """Whose ``X-Forwarded-For`` ``payam serve`` believes ("" for nobody's)."""
        if self.forwarded_allow_ips is not None:
            return self.forwarded_allow_ips
        return "" if self.environment is Environment.PRODUCTION else "127.0.0.1"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @cached_property
    def signing_key(self) -> str:
        """The key that signs tokens and hashes one-time codes.

        Outside production a missing key is generated once and kept under ``data_dir`` so that
        sessions survive a restart of ``make run``; production refuses to start without one.
        """
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        key_file = self.data_dir / SECRET_KEY_FILE_NAME
        if key_file.exists():
            return key_file.read_text().strip()
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
