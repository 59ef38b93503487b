"""Validation errors of settings as ConfigProblems: each names where the bad value was set.

A value from the environment names its variable (``GRIDSTREAM_HTTP_PORT``), a value from the
config file names its key path (``collector.http_port``, ``common.series[2].area``); a missing
value names the variable. Messages never carry the rejected value.
"""

from __future__ import annotations

import os
import re
import types
import typing
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import AliasChoices, BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from gridstream.runtime.config_file import (
    COMMON_SECTION,
    CONFIG_FILE_ENV,
    file_problem,
    suggestion,
)
from gridstream.runtime.errors import ConfigProblem

ENV_PREFIX = "GRIDSTREAM_"
_SETTINGS_ERROR_FIELD = re.compile(r'field "([^"]+)"')


@dataclass(frozen=True, slots=True)
class _Sources:
    """Where a value may have come from: code, the environment, or the config file's section."""

    section: str
    explicit: Collection[str]
    env_names: set[str]
    file_used: bool


def problems_of(
    cls: type[BaseModel],
    errors: Iterable[ErrorDetails],
    *,
    section: str,
    explicit: Collection[str] = (),
    environ: Mapping[str, str] = os.environ,
) -> list[ConfigProblem]:
    """One problem per pydantic error of ``cls``; ``explicit`` are the keys passed in code."""
    env_names = {name.upper() for name in environ}
    sources = _Sources(section, explicit, env_names, bool(environ.get(CONFIG_FILE_ENV)))
    return [_problem(cls, err, sources) for err in errors]


def settings_error_problem(cls: type[BaseModel], message: str) -> ConfigProblem:
    """A pydantic-settings parse failure (a variable that should hold JSON) as a problem."""
    match = _SETTINGS_ERROR_FIELD.search(message)
    field, env_var = _field_and_env(cls, match.group(1) if match else "")
    return ConfigProblem(field, env_var, "must be JSON (a list or mapping)")


def _problem(cls: type[BaseModel], err: ErrorDetails, sources: _Sources) -> ConfigProblem:
    loc, kind = err["loc"], err["type"]
    msg = err["msg"].removeprefix("Value error, ")
    if not loc:
        return ConfigProblem("settings", f"{ENV_PREFIX}*", msg)
    head, *rest = loc
    field, env_var = _field_and_env(cls, str(head))
    path = field + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in rest)
    nested = [env_var, *(f"{env_var}__{'__'.join(_names(rest)[:n])}" for n in (1, 2, 3))]
    set_in_env = [name for name in nested if name in sources.env_names]
    if kind == "extra_forbidden":
        msg = f"unknown setting{suggestion(str(loc[-1]), _known_keys(cls, loc[:-1]))}"
    in_code = str(head) in sources.explicit or field in sources.explicit
    # A missing top-level setting is best given by its variable; a missing nested key is not.
    missing = kind == "missing" and not rest
    if in_code or set_in_env or missing or not sources.file_used:
        return ConfigProblem(path, set_in_env[-1] if set_in_env else env_var, msg)
    in_section = field == COMMON_SECTION or not sources.section
    return file_problem(msg, path if in_section else f"{sources.section}.{path}")


def _names(parts: list[int | str]) -> list[str]:
    return [part.upper() for part in parts if isinstance(part, str)]


def _field_and_env(cls: type[BaseModel], key: str) -> tuple[str, str]:
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


def _known_keys(cls: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The setting names of the model at ``loc`` (for a did-you-mean), or none when unclear."""
    model: type[BaseModel] | None = cls
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        info = model.model_fields.get(part)
        model = _model_in(info.annotation) if info else None
    return list(model.model_fields) if model else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model class inside an annotation such as ``Model``, ``Model | None`` or ``tuple[Model, ...]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, tuple, list):
        for arg in typing.get_args(annotation):
            if (model := _model_in(arg)) is not None:
                return model
    return None
