"""The one typed settings object: everything phocap reads from the environment."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from django.core.exceptions import ImproperlyConfigured
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "phocap-development-only-secret-key-do-not-use-in-production"  # noqa: S105


class Env(BaseSettings):
    """Environment variables read by phocap. See README, section "Configuration"."""

    model_config = SettingsConfigDict(env_prefix="PHOCAP_", extra="ignore", case_sensitive=False)

    env: Literal["development", "production", "test"] = "development"
    database_url: str = Field(default="", validation_alias="DATABASE_URL")
    secret_key: SecretStr = SecretStr(DEV_SECRET_KEY)
    # Comma-separated keys for field encryption (newest first; any string, stretched by SHA-256): core.crypto.
    field_keys: SecretStr = SecretStr("")
    # Key of the keyed hash (HMAC) used to look identity numbers up without decrypting; separate from the
    # encryption keys and never rotated casually (rotating it means re-hashing every number).
    hmac_key: SecretStr = SecretStr("")
    allowed_hosts: str = "127.0.0.1,localhost"
    csrf_trusted_origins: str = ""
    data_dir: Path = Path("var")
    tasks_backend: Literal["database", "immediate"] = "database"
    debug: bool | None = None
    log_level: str = "INFO"
    max_upload_mb: int = Field(default=20, ge=1, le=1024)
    second_factor: Literal["required", "off"] = "required"
    proxy_count: int = Field(default=0, ge=0, le=5)  # reverse proxies in front (their X-Forwarded-For is trusted)
    upload_retention_hours: int = Field(default=24, ge=1, le=24 * 30)
    # e-mail (certificates to donors): an SMTP server; without a host, development writes messages to files
    email_host: str = ""
    email_port: int = Field(default=587, ge=1, le=65535)
    email_user: str = ""
    email_password: SecretStr = SecretStr("")
    email_security: Literal["starttls", "ssl", "none"] = "starttls"
    email_from: str = "phocap <khong-tra-loi@localhost>"
    # messages to the people served (notifications): console | file:DIR | live (each channel to its provider)
    notify_backend: str = Field(default="", pattern=r"^(|console|live|file:.+)$")
    sms_url: str = "https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/"
    sms_api_key: SecretStr = SecretStr("")
    sms_secret_key: SecretStr = SecretStr("")
    sms_brandname: str = ""
    sms_sandbox: bool = False
    # where the provider reports delivery: https://<this server>/api/v1/public/notify/sms-delivery
    sms_callback_url: str = ""
    zalo_url: str = "https://business.openapi.zalo.me/message/template"
    zalo_access_token: SecretStr = SecretStr("")
    zalo_templates: str = ""  # invitation=123456,reminder=123457 — the ZNS template id of each template
    notify_channels: str = "sms"  # the order channels are tried for a person's phone: "zalo,sms" tries Zalo first

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def sqlite_default_url(self) -> str:
        return f"sqlite:///{self.data_dir / 'phocap.sqlite3'}"

    def field_key_list(self) -> list[str]:
        return [k.strip() for k in self.field_keys.get_secret_value().split(",") if k.strip()]

    def hosts(self) -> list[str]:
        return [h.strip() for h in self.allowed_hosts.split(",") if h.strip()]

    def check_production(self) -> None:
        """Refuse to start production with development secrets."""
        if not self.is_production:
            return
        problems = []
        secret = self.secret_key.get_secret_value()
        if secret == DEV_SECRET_KEY or len(secret) < 50 or len(set(secret)) < 5:
            problems.append("PHOCAP_SECRET_KEY must be a random string of at least 50 characters")
        if not self.field_key_list():
            problems.append("PHOCAP_FIELD_KEYS must hold at least one encryption key")
        if len(self.hmac_key.get_secret_value()) < 32:
            problems.append("PHOCAP_HMAC_KEY must be a random string of at least 32 characters")
        if not self.database_url:
            problems.append("DATABASE_URL must be set (PostgreSQL in production)")
        if not self.hosts():
            problems.append("PHOCAP_ALLOWED_HOSTS must name the public host")
        if self.second_factor != "required":
            problems.append("PHOCAP_SECOND_FACTOR=off is for the demo only")
        if problems:
            raise ImproperlyConfigured("Production mode refuses to start: " + "; ".join(problems))


@lru_cache(maxsize=1)
def get_env() -> Env:
    env = Env()
    env.check_production()
    return env
