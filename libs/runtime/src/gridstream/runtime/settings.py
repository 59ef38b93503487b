"""Service settings: environment (GRIDSTREAM_*) over the config file's `common` and own section,
validated once at start."""

from __future__ import annotations

import contextlib
import os
import re
import sys
from datetime import timedelta
from typing import Any, ClassVar, Literal, TypeVar
from urllib.parse import unquote, urlsplit

from pydantic import (
    AliasChoices,
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from gridstream.contracts import check_token
from gridstream.runtime.common import CommonConfig
from gridstream.runtime.config_file import CONFIG_FILE_ENV, YamlFileSource
from gridstream.runtime.errors import ConfigFileError, ConfigProblem, ConfigurationError
from gridstream.runtime.settings_problems import (
    ENV_PREFIX,
    problems_of,
    settings_error_problem,
)

__all__ = [
    "CONFIG_FILE_ENV",
    "ENV_PREFIX",
    "MIN_ADMIN_TOKEN_LENGTH",
    "ConfigFileError",
    "ConfigProblem",
    "ConfigurationError",
    "LogLevel",
    "ServiceSettings",
    "check_admin_token",
    "fixed_env",
    "load_settings",
    "settings_or_exit",
]

MIN_ADMIN_TOKEN_LENGTH = 16
_ASYNC_SCHEME = "postgresql+asyncpg"
_POSTGRES_SCHEMES = ("postgresql", "postgres", _ASYNC_SCHEME)
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


def fixed_env(name: str, *more: str) -> AliasChoices:
    """Alias for a field read from a fixed variable without the prefix (e.g. ENTSOE_API_TOKEN).

    Use as ``Field(validation_alias=fixed_env("ENTSOE_API_TOKEN"))``; YAML may then use the
    variable name or its lower-case form, and code may still pass the field name.
    """
    choices: list[str] = []
    for alias in (name, *more):
        choices += [alias, alias.lower()]
    return AliasChoices(*dict.fromkeys(choices))


class ServiceSettings(BaseSettings):
    """Settings every service shares; each service subclasses it and sets ``service_name``.

    ``config_section`` names the service's section of the config file; the file's ``common``
    section becomes ``settings.common`` in every service.
    """

    config_section: ClassVar[str] = ""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        validate_by_name=True,
        validate_by_alias=True,
        extra="forbid",
        frozen=True,
    )

    service_name: str = Field("gridstream", description="Service name (a subject token).")
    nats_url: str = Field("nats://127.0.0.1:4222", min_length=1, description="NATS server URL(s).")
    database_url: SecretStr = Field(
        description="PostgreSQL URL (postgresql://user:password@host:5432/db); may hold a password."
    )
    database_schema: str | None = Field(
        None, description="PostgreSQL schema of this service; defaults to the service name."
    )
    database_pool_size: int = Field(5, ge=1, le=100, description="Pooled connections.")
    database_max_overflow: int = Field(5, ge=0, le=100, description="Extra connections at peaks.")
    http_host: str = Field("127.0.0.1", min_length=1, description="Address the HTTP API binds.")
    http_port: int = Field(8080, ge=0, le=65535, description="HTTP port; 0 picks a free port.")
    log_level: LogLevel = Field("INFO", description="Lowest level logged.")
    max_deliver: int = Field(5, ge=1, le=100, description="Deliveries before a dead letter.")
    retry_base_delay: float = Field(0.5, gt=0, le=3600, description="First retry delay, seconds.")
    retry_max_delay: float = Field(
        60.0, gt=0, le=86400, description="Largest retry delay, seconds."
    )
    heartbeat_interval: float = Field(
        30.0, gt=0, le=3600, description="Seconds between heartbeats."
    )
    outbox_poll_interval: float = Field(1.0, gt=0, le=300, description="Outbox poll, seconds.")
    outbox_batch_size: int = Field(100, ge=1, le=10000, description="Rows published per batch.")
    outbox_retention: timedelta = Field(
        timedelta(days=7),
        description="How long published outbox rows are kept (seconds or ISO 8601).",
    )
    outbox_max_attempts: int = Field(
        5, ge=1, le=1000, description="Failed publishes before a faulty row is set aside."
    )
    outbox_lease: float = Field(
        5.0,
        gt=4,
        le=3600,
        description="Outbox relay lease, seconds (> 3 s publish timeout + 1).",
    )
    database_idle_transaction_timeout: float = Field(
        60.0, ge=0, le=86400, description="Idle-in-transaction session timeout, seconds; 0: none."
    )
    inbox_retention: timedelta = Field(
        timedelta(days=30),
        gt=timedelta(0),
        description="How long processed event ids are remembered (seconds or ISO 8601).",
    )
    admin_token: SecretStr | None = Field(
        None,
        description="Bearer token for admin (write) endpoints, at least 16 characters; "
        "unset disables them.",
    )
    common: CommonConfig = Field(
        default_factory=CommonConfig,
        description="The config file's `common` section: areas, data types, series, history.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Precedence: explicit values, then the environment, then the YAML file, then secrets dir."""
        section = getattr(settings_cls, "config_section", "")
        yaml_source = YamlFileSource(settings_cls, os.environ.get(CONFIG_FILE_ENV), section)
        return init_settings, env_settings, yaml_source, file_secret_settings

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("outbox_retention", "inbox_retention", mode="before")
    @classmethod
    def _seconds(cls, value: Any) -> Any:
        # Environment values are strings: accept "3600" as seconds besides ISO 8601 ("P7D").
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                return float(value)
        return value

    @field_validator("admin_token")
    @classmethod
    def _long_admin_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            check_admin_token(value)
        return value

    @field_validator("service_name")
    @classmethod
    def _token(cls, value: str) -> str:
        return check_token(value, "name")

    @field_validator("database_schema")
    @classmethod
    def _schema(cls, value: str | None) -> str | None:
        if value is not None and not _SCHEMA_NAME.fullmatch(value):
            raise ValueError(
                "use 1-63 lower-case letters, digits or '_', not starting with a digit"
            )
        return value

    @field_validator("database_url")
    @classmethod
    def _asyncpg_url(cls, value: SecretStr) -> SecretStr:
        scheme, sep, rest = value.get_secret_value().partition("://")
        if not sep or scheme not in _POSTGRES_SCHEMES:
            # Never echo the value: it may carry a password.
            raise ValueError(
                "must be a PostgreSQL URL like postgresql://user:password@host:5432/db"
            )
        return value if scheme == _ASYNC_SCHEME else SecretStr(f"{_ASYNC_SCHEME}://{rest}")

    @field_validator("retry_max_delay")
    @classmethod
    def _delays_ordered(cls, value: float, info: ValidationInfo) -> float:
        base = info.data.get("retry_base_delay")
        if base is not None and value < base:
            raise ValueError("must not be smaller than retry_base_delay")
        return value

    @property
    def service_schema(self) -> str:
        """The PostgreSQL schema this service owns (by default the service name in snake_case)."""
        return self.database_schema or self.service_name.lower().replace("-", "_")

    def secret_values(self) -> tuple[str, ...]:
        """Every secret in these settings (and URL passwords), for log redaction."""
        return tuple(dict.fromkeys(_secrets_of(self)))


def _secrets_of(model: BaseModel) -> list[str]:
    found: list[str] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, SecretStr):
            raw = value.get_secret_value()
            found += [raw, *_url_password(raw)]
        elif isinstance(value, str) and name.endswith("_url"):
            found += _url_password(value)  # e.g. nats://user:password@host
        elif isinstance(value, BaseModel):
            found += _secrets_of(value)
    return [s for s in found if s]


def _url_password(raw: str) -> list[str]:
    """The password inside a URL, raw and percent-decoded, so either form is redacted."""
    try:
        password = urlsplit(raw).password
    except ValueError:
        return []
    return [password, unquote(password)] if password else []


S = TypeVar("S", bound=ServiceSettings)


def check_admin_token(token: SecretStr) -> SecretStr:
    """Refuse an admin token shorter than 16 characters (an empty one would match ``Bearer ``)."""
    if len(token.get_secret_value()) < MIN_ADMIN_TOKEN_LENGTH:
        raise ValueError(
            f"must be at least {MIN_ADMIN_TOKEN_LENGTH} characters; unset it to disable "
            "the admin API (e.g. `openssl rand -hex 24` makes a good one)"
        )
    return token


def load_settings(cls: type[S], **overrides: Any) -> S:
    """Build settings from overrides, environment and config file; raise ConfigurationError if invalid."""
    try:
        return cls(**overrides)
    except ValidationError as exc:
        errors = exc.errors(include_input=False)
        section = cls.config_section
        problems = problems_of(cls, errors, section=section, explicit=set(overrides))
        raise ConfigurationError(problems) from None
    except SettingsError as exc:
        raise ConfigurationError([settings_error_problem(cls, str(exc))]) from None


def settings_or_exit(cls: type[S], **overrides: Any) -> S:
    """Entry-point helper: load settings, or print the problems to stderr and exit with status 2."""
    try:
        return load_settings(cls, **overrides)
    except ConfigurationError as exc:
        print(f"{cls.__name__}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
