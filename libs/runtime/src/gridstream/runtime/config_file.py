"""The one YAML file of the whole system (GRIDSTREAM_CONFIG): `common` plus one section per service.

Each service reads `common` and its own section, ignores the other services' sections and refuses
an unknown section. The file is weaker than the environment (see ``ServiceSettings``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, InitSettingsSource, PydanticBaseSettingsSource

from gridstream.runtime.errors import ConfigFileError, ConfigProblem

CONFIG_FILE_ENV = "GRIDSTREAM_CONFIG"
COMMON_SECTION = "common"
SERVICE_SECTIONS = ("collector", "scheduler", "quality", "monitor", "alerter")
"""Every service's section; a service ignores the others' sections (they are not typos)."""


def file_problem(problem: str, key_path: str = "") -> ConfigProblem:
    """A problem at ``key_path`` of the config file (or with the whole file when empty)."""
    return ConfigProblem(key_path, CONFIG_FILE_ENV, problem, in_file=True)


def suggestion(key: str, known: Iterable[str]) -> str:
    """``; did you mean 'x'?`` for a close known name, else an empty string."""
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def read_config_file(path: Path, section: str, settings_keys: Iterable[str] = ()) -> dict[str, Any]:
    """The settings of ``section`` plus ``common`` (as key ``common``) from the file at ``path``.

    ``settings_keys`` are the service's own setting names: one found at the top level (a flat
    file) gets a message saying which section it belongs in.
    """
    data = _load_mapping(path)
    known = {COMMON_SECTION, *SERVICE_SECTIONS} | ({section} if section else set())
    problems = [
        _unknown_section(str(key), section, set(settings_keys), known)
        for key in data
        if key not in known
    ]
    mine = {COMMON_SECTION: data.get(COMMON_SECTION), section: data.get(section)}
    problems += [
        file_problem("must be a mapping of setting names to values", name)
        for name, value in mine.items()
        if value is not None and not isinstance(value, dict)
    ]
    if problems:
        raise ConfigFileError(problems)
    # `key: null` means "not set here" (the example file lists secrets that way).
    own = (mine[section] or {}) if section else {}
    settings: dict[str, Any] = {key: value for key, value in own.items() if value is not None}
    if mine[COMMON_SECTION] is not None:
        settings[COMMON_SECTION] = mine[COMMON_SECTION]
    return settings


def _unknown_section(
    key: str, section: str, settings_keys: set[str], known: set[str]
) -> ConfigProblem:
    if key in settings_keys or key.lower() in settings_keys:
        place = f"{section or '<service>'}.{key}"
        return file_problem(
            f"unknown section {key!r}: settings go under their service's section, e.g. {place}"
        )
    return file_problem(f"unknown section {key!r}{suggestion(key, sorted(known))}")


def _load_mapping(path: Path) -> dict[Any, Any]:
    """Load the YAML mapping; errors name the file and position, never its content."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigFileError(
            [file_problem(f"cannot read config file {str(path)!r}: {reason}")]
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = f"config file {str(path)!r} is not valid YAML{where}"
        raise ConfigFileError([file_problem(problem)]) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        problem = f"config file {str(path)!r} must hold a mapping of section names to sections"
        raise ConfigFileError([file_problem(problem)])
    return data


class YamlFileSource(PydanticBaseSettingsSource):
    """Values from the config file: ``common`` and the settings class's own section."""

    def __init__(self, settings_cls: type[BaseSettings], path: str | None, section: str):
        super().__init__(settings_cls)
        keys = _setting_keys(settings_cls)
        data = read_config_file(Path(path), section, keys) if path else {}
        self._inner = InitSettingsSource(settings_cls, init_kwargs=data)

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """Unused: the whole mapping is returned by ``__call__``."""
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        """The section's mapping, keys matched to field names and aliases."""
        return self._inner()


def _setting_keys(settings_cls: type[BaseSettings]) -> set[str]:
    keys = set(settings_cls.model_fields) - {COMMON_SECTION}
    for info in settings_cls.model_fields.values():
        choices = getattr(info.validation_alias, "choices", [])
        keys.update(choice for choice in choices if isinstance(choice, str))
    return keys
