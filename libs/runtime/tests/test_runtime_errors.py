"""The error tree: start-up errors are GridstreamErrors too, beside the handler outcome branches."""

from __future__ import annotations

import pytest

from gridstream.runtime import errors
from gridstream.runtime.database import DatabaseError
from gridstream.runtime.errors import GridstreamError, PermanentError, StartupError, TransientError
from gridstream.runtime.migrations import MigrationError
from gridstream.runtime.service import ServiceStartError
from gridstream.runtime.settings import (
    ConfigFileError,
    ConfigurationError,
    ServiceSettings,
    load_settings,
)


@pytest.mark.parametrize(
    ("error", "also"),
    [
        (ConfigurationError, ValueError),
        (ConfigFileError, ConfigurationError),
        (ServiceStartError, RuntimeError),
        (MigrationError, RuntimeError),
        (DatabaseError, RuntimeError),
    ],
)
def test_start_up_errors_are_startup_errors(error: type[Exception], also: type[Exception]) -> None:
    assert issubclass(error, StartupError)
    assert issubclass(error, GridstreamError)
    assert issubclass(error, also)  # callers that catch the old base still catch it
    assert error.__name__ in (errors.__doc__ or "")


def test_startup_branch_is_neither_permanent_nor_transient() -> None:
    assert issubclass(StartupError, GridstreamError)
    assert not issubclass(StartupError, PermanentError | TransientError)


def test_a_bad_setting_is_caught_as_a_gridstream_error() -> None:
    with pytest.raises(GridstreamError):
        load_settings(ServiceSettings, database_url="mysql://x/y")
