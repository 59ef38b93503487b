"""deploy/config.example.yaml passes every installed service's validation and shows every key."""

from __future__ import annotations

import importlib
import importlib.util
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from gridstream.runtime.common import CommonConfig, HistoryStart, SeriesOfInterest
from gridstream.runtime.config_file import COMMON_SECTION, SERVICE_SECTIONS
from gridstream.runtime.settings import ServiceSettings, load_settings

EXAMPLE = Path(__file__).resolve().parents[3] / "deploy" / "config.example.yaml"
DB_URL = "postgresql://gridstream@127.0.0.1:5432/gridstream"


def installed_services() -> list[type[ServiceSettings]]:
    """The settings class of every service installed here (gridstream.<section>.settings)."""
    found = []
    for name in SERVICE_SECTIONS:
        try:
            spec = importlib.util.find_spec(f"gridstream.{name}.settings")
        except ModuleNotFoundError:  # the service's package is not installed
            spec = None
        if spec is None:
            continue
        module = importlib.import_module(spec.name)
        classes = [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, ServiceSettings)
            and value.config_section == name
        ]
        assert classes, f"{spec.name} has no ServiceSettings with config_section {name!r}"
        found.append(classes[0])
    return found


SERVICES = installed_services()


@pytest.fixture(autouse=True)
def example_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the example file configures the services (no GRIDSTREAM_* from the machine)."""
    for name in list(os.environ):
        if name.startswith(("GRIDSTREAM_", "ENTSOE_")) and not name.startswith("GRIDSTREAM_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("GRIDSTREAM_CONFIG", str(EXAMPLE))


def _example() -> dict[str, Any]:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_the_collector_is_among_the_installed_services() -> None:
    assert "collector" in [cls.config_section for cls in SERVICES]


def test_example_has_common_and_every_services_section() -> None:
    assert list(_example()) == [COMMON_SECTION, *SERVICE_SECTIONS]


@pytest.mark.parametrize("cls", SERVICES, ids=lambda cls: cls.config_section)
def test_example_passes_validation_and_holds_the_defaults(cls: type[ServiceSettings]) -> None:
    # Required settings are secrets (null in the file): they come from the environment.
    required = {
        name: DB_URL if name == "database_url" else "example-secret-0123456789"
        for name, info in cls.model_fields.items()
        if info.is_required()
    }

    settings = load_settings(cls, **required)

    for name, info in cls.model_fields.items():
        if not info.is_required():
            assert getattr(settings, name) == info.get_default(call_default_factory=True), name
    assert settings.common == CommonConfig()


@pytest.mark.parametrize("cls", SERVICES, ids=lambda cls: cls.config_section)
def test_example_shows_every_key(cls: type[ServiceSettings]) -> None:
    section = _example()[cls.config_section]

    missing = set(cls.model_fields) - {COMMON_SECTION} - set(section)
    assert not missing, f"add to {cls.config_section}: in {EXAMPLE.name}: {sorted(missing)}"


def test_example_shows_every_key_of_common() -> None:
    common = _example()[COMMON_SECTION]
    text = EXAMPLE.read_text(encoding="utf-8")

    assert set(common) == set(CommonConfig.model_fields)
    assert set(common["history_start"]) == set(HistoryStart.model_fields)
    for key in SeriesOfInterest.model_fields:  # shown in the commented series examples
        assert f"{key}: " in text
