"""Settings: environment prefix, YAML file, precedence, fixed-name aliases, clear errors, hidden secrets."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import BaseModel, Field, SecretStr

from gridstream.runtime.settings import (
    ConfigurationError,
    ServiceSettings,
    fixed_env,
    load_settings,
    settings_or_exit,
)

DB_SECRET = "pw-Xy9-not-for-logs"
DB_URL = f"postgresql://gridstream:{DB_SECRET}@db.example:5432/gridstream"
TOKEN = "entsoe-token-5f2a9c"


class Limits(BaseModel):
    """A nested settings group."""

    max_points: int = Field(100, ge=1, le=1000)


class CollectorLikeSettings(ServiceSettings):
    """A service subclass with a fixed-name secret and a nested group."""

    config_section: ClassVar[str] = "collector"
    service_name: str = "collector"
    entsoe_api_token: SecretStr = Field(validation_alias=fixed_env("ENTSOE_API_TOKEN"))
    entsoe_api_url: str = Field(
        "https://web-api.tp.entsoe.eu/api", validation_alias=fixed_env("ENTSOE_API_URL")
    )
    limits: Limits = Limits()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No GRIDSTREAM_* or ENTSOE_* variable from the machine leaks into these tests."""
    for name in list(os.environ):
        if name.startswith(("GRIDSTREAM_", "ENTSOE_")) and not name.startswith("GRIDSTREAM_TEST_"):
            monkeypatch.delenv(name)


def test_environment_with_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDSTREAM_DATABASE_URL", DB_URL)
    monkeypatch.setenv("GRIDSTREAM_NATS_URL", "nats://nats:4222")
    monkeypatch.setenv("GRIDSTREAM_HTTP_PORT", "9100")
    monkeypatch.setenv("GRIDSTREAM_LOG_LEVEL", "debug")
    monkeypatch.setenv("GRIDSTREAM_OUTBOX_RETENTION", "3600")

    settings = load_settings(ServiceSettings)

    assert settings.nats_url == "nats://nats:4222"
    assert settings.http_port == 9100
    assert settings.log_level == "DEBUG"
    assert settings.outbox_retention == timedelta(hours=1)
    assert settings.database_url.get_secret_value() == (
        f"postgresql+asyncpg://gridstream:{DB_SECRET}@db.example:5432/gridstream"
    )
    assert settings.service_schema == "gridstream"


def test_yaml_file_and_environment_overrides_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "collector.yaml"
    config.write_text(
        "collector:\n"
        "  http_port: 9200\n"
        "  nats_url: nats://from-yaml:4222\n"
        f"  database_url: {DB_URL}\n"
        "  ENTSOE_API_TOKEN: from-yaml-token\n"
        "  limits:\n    max_points: 7\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("GRIDSTREAM_CONFIG", str(config))
    monkeypatch.setenv("GRIDSTREAM_HTTP_PORT", "9300")
    monkeypatch.setenv("ENTSOE_API_TOKEN", TOKEN)

    settings = load_settings(CollectorLikeSettings)

    assert settings.http_port == 9300  # environment beats YAML
    assert settings.nats_url == "nats://from-yaml:4222"  # YAML beats the default
    assert settings.entsoe_api_token.get_secret_value() == TOKEN
    assert settings.limits.max_points == 7
    assert settings.service_schema == "collector"


def test_nested_values_use_double_underscore(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDSTREAM_LIMITS__MAX_POINTS", "42")
    monkeypatch.setenv("ENTSOE_API_TOKEN", TOKEN)

    settings = load_settings(CollectorLikeSettings, database_url=DB_URL)

    assert settings.limits.max_points == 42


def test_explicit_values_beat_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDSTREAM_HTTP_PORT", "9100")

    settings = load_settings(ServiceSettings, database_url=DB_URL, http_port=0)

    assert settings.http_port == 0


def test_bad_value_names_field_and_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDSTREAM_HTTP_PORT", "70000")
    monkeypatch.setenv("GRIDSTREAM_LOG_LEVEL", "chatty")
    monkeypatch.setenv("GRIDSTREAM_LIMITS__MAX_POINTS", "0")

    with pytest.raises(ConfigurationError) as caught:
        load_settings(CollectorLikeSettings, database_url=DB_URL)

    message = str(caught.value)
    assert "GRIDSTREAM_HTTP_PORT: Input should be less than or equal to 65535" in message
    assert "setting http_port" in message
    assert "GRIDSTREAM_LOG_LEVEL: Input should be 'DEBUG'" in message
    assert "GRIDSTREAM_LIMITS__MAX_POINTS: Input should be greater than or equal to 1" in message
    assert "ENTSOE_API_TOKEN: Field required" in message
    fields = {p.field for p in caught.value.problems}
    assert fields == {"http_port", "log_level", "limits.max_points", "entsoe_api_token"}


def test_retry_delays_must_be_ordered() -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(ServiceSettings, database_url=DB_URL, retry_base_delay=10, retry_max_delay=1)

    assert "GRIDSTREAM_RETRY_MAX_DELAY: must not be smaller than retry_base_delay" in str(
        caught.value
    )


def test_secrets_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENTSOE_API_TOKEN", TOKEN)
    monkeypatch.setenv("GRIDSTREAM_ADMIN_TOKEN", "admin-token-77aa")
    settings = load_settings(CollectorLikeSettings, database_url=DB_URL)

    shown = f"{settings!r} {settings!s} {settings.model_dump()}"

    for secret in (DB_SECRET, TOKEN, "admin-token-77aa"):
        assert secret not in shown
    assert {DB_SECRET, TOKEN, "admin-token-77aa"} <= set(settings.secret_values())


def test_bad_secret_value_is_not_echoed() -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(ServiceSettings, database_url=f"mysql://root:{DB_SECRET}@db/x")

    message = str(caught.value)
    assert "GRIDSTREAM_DATABASE_URL: must be a PostgreSQL URL" in message
    assert DB_SECRET not in message
    assert DB_SECRET not in repr(caught.value.problems)


def test_secret_has_no_default() -> None:
    with pytest.raises(ConfigurationError, match="GRIDSTREAM_DATABASE_URL: Field required"):
        load_settings(ServiceSettings)


def test_yaml_problems_are_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(f"database_url: {DB_URL}\nhttp_port: [1,\n", encoding="utf-8")
    monkeypatch.setenv("GRIDSTREAM_CONFIG", str(broken))
    with pytest.raises(ConfigurationError) as caught:
        load_settings(ServiceSettings)
    assert "GRIDSTREAM_CONFIG: config file" in str(caught.value)
    assert "not valid YAML at line" in str(caught.value)
    assert DB_SECRET not in str(caught.value)

    monkeypatch.setenv("GRIDSTREAM_CONFIG", str(tmp_path / "missing.yaml"))
    with pytest.raises(ConfigurationError, match="cannot read config file"):
        load_settings(ServiceSettings)

    typo = tmp_path / "typo.yaml"
    typo.write_text("collector:\n  htp_port: 1\n", encoding="utf-8")
    monkeypatch.setenv("GRIDSTREAM_CONFIG", str(typo))
    with pytest.raises(
        ConfigurationError,
        match=r"collector\.htp_port: unknown setting; did you mean 'http_port'",
    ):
        load_settings(CollectorLikeSettings, database_url=DB_URL, entsoe_api_token=TOKEN)


def test_entry_point_helper_prints_and_exits(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GRIDSTREAM_HTTP_PORT", "-1")
    monkeypatch.setenv("GRIDSTREAM_DATABASE_URL", f"redis://:{DB_SECRET}@cache")

    with pytest.raises(SystemExit) as caught:
        settings_or_exit(ServiceSettings)

    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "GRIDSTREAM_HTTP_PORT: Input should be greater than or equal to 0" in err
    assert "GRIDSTREAM_DATABASE_URL" in err
    assert DB_SECRET not in err


def test_service_name_and_schema_are_checked() -> None:
    with pytest.raises(ConfigurationError, match=r"GRIDSTREAM_SERVICE_NAME: .*not allowed"):
        load_settings(ServiceSettings, database_url=DB_URL, service_name="bad.name")
    with pytest.raises(
        ConfigurationError, match=r"GRIDSTREAM_DATABASE_SCHEMA: use 1-63 lower-case"
    ):
        load_settings(ServiceSettings, database_url=DB_URL, database_schema="Bad-Schema")

    sim = load_settings(ServiceSettings, database_url=DB_URL, service_name="entsoe-sim")
    custom = load_settings(ServiceSettings, database_url=DB_URL, database_schema="sim_data")
    assert sim.service_schema == "entsoe_sim"
    assert custom.service_schema == "sim_data"


def test_nats_url_password_is_registered_as_secret() -> None:
    settings = load_settings(
        ServiceSettings, database_url=DB_URL, nats_url="nats://svc:nats-pw-123@nats:4222"
    )
    assert "nats-pw-123" in settings.secret_values()


@pytest.mark.parametrize("value", ["", "adm-9f3k-short", "0123456789abcde"])
def test_short_admin_token_stops_start_up(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("GRIDSTREAM_ADMIN_TOKEN", value)

    with pytest.raises(ConfigurationError) as caught:
        load_settings(ServiceSettings, database_url=DB_URL)

    message = str(caught.value)
    assert "GRIDSTREAM_ADMIN_TOKEN: must be at least 16 characters" in message
    assert value.strip() == "" or value not in message


def test_admin_token_unset_or_long_enough(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings(ServiceSettings, database_url=DB_URL).admin_token is None

    monkeypatch.setenv("GRIDSTREAM_ADMIN_TOKEN", "0123456789abcdef")
    token = load_settings(ServiceSettings, database_url=DB_URL).admin_token
    assert token is not None
    assert token.get_secret_value() == "0123456789abcdef"
