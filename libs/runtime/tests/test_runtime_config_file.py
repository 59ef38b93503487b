"""One YAML file for every service: `common` plus one section per service, the environment wins."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import Field, SecretStr

from gridstream.contracts import DataType
from gridstream.runtime.settings import (
    ConfigFileError,
    ConfigurationError,
    ServiceSettings,
    fixed_env,
    load_settings,
)

DB_URL = "postgresql://gridstream:pw-7Qm@db.example:5432/gridstream"


class CollectorLike(ServiceSettings):
    """Reads the `collector` section."""

    config_section: ClassVar[str] = "collector"
    service_name: str = "collector"
    entsoe_api_token: SecretStr = Field(validation_alias=fixed_env("ENTSOE_API_TOKEN"))
    entsoe_burst: int = Field(6, ge=1, le=60)


class SchedulerLike(ServiceSettings):
    """Reads the `scheduler` section."""

    config_section: ClassVar[str] = "scheduler"
    service_name: str = "scheduler"
    gap_scan_hours: int = Field(4, ge=1, le=24)


WHOLE_SYSTEM = f"""
common:
  areas: [DE_LU, nl]
  data_types: [actual_load, day_ahead_price]
  history_start: 2020-01-01
collector:
  database_url: {DB_URL}
  http_port: 9201
  ENTSOE_API_TOKEN: from-file-token
  entsoe_burst: 3
scheduler:
  database_url: {DB_URL}
  http_port: 9202
  gap_scan_hours: 2
quality:
monitor: {{}}
alerter: {{}}
"""


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No GRIDSTREAM_* or ENTSOE_* variable from the machine leaks into these tests."""
    for name in list(os.environ):
        if name.startswith(("GRIDSTREAM_", "ENTSOE_")) and not name.startswith("GRIDSTREAM_TEST_"):
            monkeypatch.delenv(name)


@pytest.fixture
def config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A config file named by GRIDSTREAM_CONFIG; tests write its text."""
    path = tmp_path / "gridstream.yaml"
    path.write_text(WHOLE_SYSTEM, encoding="utf-8")
    monkeypatch.setenv("GRIDSTREAM_CONFIG", str(path))
    return path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_each_service_reads_common_and_its_own_section(config_file: Path) -> None:
    collector = load_settings(CollectorLike)
    scheduler = load_settings(SchedulerLike)

    assert (collector.http_port, collector.entsoe_burst) == (9201, 3)
    assert collector.entsoe_api_token.get_secret_value() == "from-file-token"
    assert (scheduler.http_port, scheduler.gap_scan_hours) == (9202, 2)
    for settings in (collector, scheduler):
        assert settings.common.areas == ("DE_LU", "NL")
        assert settings.common.data_types == (DataType.ACTUAL_LOAD, DataType.DAY_AHEAD_PRICE)
        assert settings.common.history_start.default == date(2020, 1, 1)


def test_environment_beats_the_file(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDSTREAM_HTTP_PORT", "9300")
    monkeypatch.setenv("ENTSOE_API_TOKEN", "from-env-token")
    monkeypatch.setenv("GRIDSTREAM_COMMON__AREAS", '["FR"]')

    settings = load_settings(CollectorLike)

    assert settings.http_port == 9300
    assert settings.entsoe_api_token.get_secret_value() == "from-env-token"
    assert settings.common.areas == ("FR",)
    # The rest of `common` still comes from the file.
    assert settings.common.history_start.default == date(2020, 1, 1)
    assert settings.entsoe_burst == 3


def test_another_services_section_is_ignored(config_file: Path) -> None:
    _edit(config_file, "alerter: {}", "alerter:\n  routes_not_built_yet: [1, 2]")

    # `scheduler:` holds gap_scan_hours and `alerter:` a key no one knows: not the collector's business.
    assert load_settings(CollectorLike).entsoe_burst == 3


def test_unknown_key_in_own_section_is_named(config_file: Path) -> None:
    _edit(config_file, "  entsoe_burst: 3", "  entsoe_burts: 3")

    with pytest.raises(ConfigurationError) as caught:
        load_settings(CollectorLike)

    message = str(caught.value)
    assert "GRIDSTREAM_CONFIG: collector.entsoe_burts: unknown setting" in message
    assert "did you mean 'entsoe_burst'" in message
    assert [p.field for p in caught.value.problems] == ["collector.entsoe_burts"]
    # The scheduler does not read that section: its own start is unaffected.
    assert load_settings(SchedulerLike).gap_scan_hours == 2


def test_unknown_key_in_common_is_named(config_file: Path) -> None:
    _edit(config_file, "  areas:", "  aeras:")

    with pytest.raises(ConfigurationError, match=r"common\.aeras: unknown setting"):
        load_settings(SchedulerLike)


def test_unknown_section_is_named(config_file: Path) -> None:
    _edit(config_file, "collector:", "colector:")

    for cls in (CollectorLike, SchedulerLike):
        with pytest.raises(ConfigFileError) as caught:
            load_settings(cls)
        message = str(caught.value)
        assert "unknown section 'colector'" in message
        assert "did you mean 'collector'" in message


def test_a_flat_file_of_settings_points_to_the_sections(config_file: Path) -> None:
    config_file.write_text(f"database_url: {DB_URL}\nhttp_port: 9200\n", encoding="utf-8")

    with pytest.raises(ConfigFileError) as caught:
        load_settings(CollectorLike)

    message = str(caught.value)
    assert "unknown section 'http_port'" in message
    assert "collector.http_port" in message  # says where the setting belongs
    assert DB_URL not in message


def test_a_section_must_be_a_mapping(config_file: Path) -> None:
    config_file.write_text("common: [DE_LU]\n", encoding="utf-8")

    with pytest.raises(ConfigFileError, match="GRIDSTREAM_CONFIG: common: must be a mapping"):
        load_settings(CollectorLike, database_url=DB_URL, entsoe_api_token="t")


def test_bad_value_in_the_file_is_named_by_its_key_path(config_file: Path) -> None:
    _edit(config_file, "http_port: 9201", "http_port: 70000")

    with pytest.raises(ConfigurationError) as caught:
        load_settings(CollectorLike)

    message = str(caught.value)
    assert "GRIDSTREAM_CONFIG: collector.http_port: Input should be less than or equal" in message
    assert "70000" not in message


def test_bad_value_from_the_environment_names_the_variable(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRIDSTREAM_ENTSOE_BURST", "0")

    with pytest.raises(ConfigurationError) as caught:
        load_settings(CollectorLike)

    assert "GRIDSTREAM_ENTSOE_BURST: Input should be greater than or equal to 1" in str(
        caught.value
    )


def test_inconsistent_common_names_the_key_path(config_file: Path) -> None:
    series = (
        "  series:\n"
        "    - {area: NL, data_type: actual_load}\n"
        "    - {area: DE_LU, data_type: crossborder_flow, to_area: NL}\n"
        "    - {area: FR, data_type: actual_load}\n"
    )
    _edit(config_file, "  history_start:", series + "  history_start:")

    with pytest.raises(ConfigurationError) as caught:
        load_settings(CollectorLike)

    message = str(caught.value)
    assert "GRIDSTREAM_CONFIG: common.series[2].area: FR is not among common.areas" in message
    assert "common.series[1].data_type: crossborder_flow is not among common.data_types" in message


def test_no_file_gives_the_default_common() -> None:
    settings = load_settings(CollectorLike, database_url=DB_URL, entsoe_api_token="t")

    assert settings.common.areas == ("DE_LU", "FR", "NL")
    assert DataType.ACTUAL_LOAD in settings.common.data_types
    assert DataType.DAY_AHEAD_PRICE in settings.common.data_types


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("GRIDSTREAM_COMMON__AREAS", "NL, fr", ("NL", "FR")),
        ("GRIDSTREAM_COMMON__AREAS", '["NL"]', ("NL",)),
        ("GRIDSTREAM_COMMON__HISTORY_START", "P10Y", "P10Y"),
        ("GRIDSTREAM_COMMON__HISTORY_START__DEFAULT", "2015-01-01", "2015-01-01"),
    ],
)
def test_common_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: object
) -> None:
    monkeypatch.setenv(variable, value)

    common = load_settings(SchedulerLike, database_url=DB_URL).common

    if variable.endswith("AREAS"):
        assert common.areas == expected
    else:
        assert str(common.history_start.default) == expected


def test_bad_common_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDSTREAM_COMMON__DATA_TYPES", "actual_lod")
    monkeypatch.setenv("GRIDSTREAM_COMMON__AREAZ", "NL")

    with pytest.raises(ConfigurationError) as caught:
        load_settings(SchedulerLike, database_url=DB_URL)

    assert [str(p) for p in caught.value.problems] == [
        "GRIDSTREAM_COMMON__DATA_TYPES: unknown data type; did you mean actual_load? "
        "(`gridstream datatypes` lists them) (setting common.data_types[0])",
        "GRIDSTREAM_COMMON__AREAZ: unknown setting; did you mean 'areas'? (setting common.areaz)",
    ]


def test_a_key_missing_inside_the_file_is_named_by_its_key_path(config_file: Path) -> None:
    _edit(config_file, "  history_start:", "  series:\n    - {area: NL}\n  history_start:")

    with pytest.raises(ConfigurationError) as caught:
        load_settings(CollectorLike)

    assert "GRIDSTREAM_CONFIG: common.series[0].data_type: Field required" in str(caught.value)
