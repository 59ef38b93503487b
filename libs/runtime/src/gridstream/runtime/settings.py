"""Service settings: environment (GRIDSTREAM_*), an optional YAML file, validated once at start."""

from __future__ import annotations

import contextlib
import os
import re
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal, NamedTuple, TypeVar
from urllib.parse import unquote, urlsplit

import yaml
from pydantic import (
    AliasChoices,
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from gridstream.contracts import check_token

ENV_PREFIX = "GRIDSTREAM_"
CONFIG_FILE_ENV = "GRIDSTREAM_CONFIG"
_ASYNC_SCHEME = "postgresql+asyncpg"
_POSTGRES_SCHEMES = ("postgresql", "postgres", _ASYNC_SCHEME)
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class ConfigProblem(NamedTuple):
    """One bad setting: the field, the variable that sets it, and what is wrong (no value)."""

    field: str
    env_var: str
    problem: str

    def __str__(self) -> str:
        return f"{self.env_var}: {self.problem} (setting {self.field})"


class ConfigurationError(ValueError):
    """The configuration is invalid; the message names each bad field and never its value."""

    def __init__(self, problems: list[ConfigProblem] | tuple[ConfigProblem, ...]):
        self.problems = tuple(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"invalid configuration:\n{lines}")


def fixed_env(name: str, *more: str) -> AliasChoices:
    """Alias for a field read from a fixed variable without the prefix (e.g. ENTSOE_API_TOKEN).

    Use as ``Field(validation_alias=fixed_env("ENTSOE_API_TOKEN"))``; YAML may then use the
    variable name or its lower-case form, and code may still pass the field name.
    """
    choices: list[str] = []
    for alias in (name, *more):
        choices += [alias, alias.lower()]
    return AliasChoices(*dict.fromkeys(choices))


class YamlFileSource(PydanticBaseSettingsSource):
    """Values from the YAML file named by GRIDSTREAM_CONFIG (weaker than the environment)."""

    def __init__(self, settings_cls: type[BaseSettings], path: str | None):
        super().__init__(settings_cls)
        data = _read_yaml(Path(path)) if path else {}
        self._inner = InitSettingsSource(settings_cls, init_kwargs=data)

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """Unused: the whole mapping is returned by ``__call__``."""
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        """The YAML mapping, keys matched to field names and aliases."""
        return self._inner()


def _read_yaml(path: Path) -> dict[str, Any]:
    """Load the YAML mapping; errors name the file and position, never its content."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        problem = f"cannot read config file {str(path)!r}: {exc.strerror or type(exc).__name__}"
        raise ConfigurationError([ConfigProblem("config file", CONFIG_FILE_ENV, problem)]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = f"config file {str(path)!r} is not valid YAML{where}"
        raise ConfigurationError([ConfigProblem("config file", CONFIG_FILE_ENV, problem)]) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        problem = f"config file {str(path)!r} must hold a mapping of setting names to values"
        raise ConfigurationError([ConfigProblem("config file", CONFIG_FILE_ENV, problem)])
    return data


class ServiceSettings(BaseSettings):
    """Settings every service shares; each service subclasses it and sets ``service_name``."""

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
    admin_token: SecretStr | None = Field(
        None, description="Bearer token for admin (write) endpoints; none disables them."
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
        yaml_source = YamlFileSource(settings_cls, os.environ.get(CONFIG_FILE_ENV))
        return init_settings, env_settings, yaml_source, file_secret_settings

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("outbox_retention", mode="before")
    @classmethod
    def _seconds(cls, value: Any) -> Any:
        # Environment values are strings: accept "3600" as seconds besides ISO 8601 ("P7D").
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                return float(value)
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


def load_settings(cls: type[S], **overrides: Any) -> S:
    """Build settings from overrides, environment and YAML; raise ConfigurationError if invalid."""
    try:
        return cls(**overrides)
    except ValidationError as exc:
        problems = [
            _problem(cls, err["loc"], err["type"], err["msg"].removeprefix("Value error, "))
            for err in exc.errors(include_input=False)
        ]
        raise ConfigurationError(problems) from None


def settings_or_exit(cls: type[S], **overrides: Any) -> S:
    """Entry-point helper: load settings, or print the problems to stderr and exit with status 2."""
    try:
        return load_settings(cls, **overrides)
    except ConfigurationError as exc:
        print(f"{cls.__name__}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _problem(
    cls: type[BaseSettings], loc: tuple[int | str, ...], kind: str, msg: str
) -> ConfigProblem:
    if not loc:
        return ConfigProblem("settings", f"{ENV_PREFIX}*", msg)
    head, *rest = loc
    field, env_var = _field_and_env(cls, str(head))
    tail = [str(part) for part in rest if isinstance(part, str)]
    if tail:
        field = ".".join([field, *tail])
        env_var = "__".join([env_var, *(part.upper() for part in tail)])
    if kind == "extra_forbidden":
        return ConfigProblem(field, CONFIG_FILE_ENV, f"unknown setting {field!r}")
    return ConfigProblem(field, env_var, msg)


def _field_and_env(cls: type[BaseSettings], key: str) -> tuple[str, str]:
    """Map an error location (field name or alias) to the field and the variable that sets it."""
    for name, info in cls.model_fields.items():
        aliases = _aliases(info)
        if key == name or key in aliases:
            return name, aliases[0] if aliases else f"{ENV_PREFIX}{name.upper()}"
    return key, f"{ENV_PREFIX}{key.upper()}"


def _aliases(info: FieldInfo) -> list[str]:
    alias = info.validation_alias
    if isinstance(alias, str):
        return [alias]
    if isinstance(alias, AliasChoices):
        return [choice for choice in alias.choices if isinstance(choice, str)]
    return []
