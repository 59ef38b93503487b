"""The gridstream error tree: handler outcomes (mapped to JetStream acknowledgements in one place)
and the errors that stop a service from starting.

The tree (services subclass the branches)::

    GridstreamError
    ├── PermanentError        reject, never redeliver; the message goes to GRIDSTREAM_DLQ with the reason
    ├── TransientError        nak with a delay (exponential, or ``retry_after`` when given)
    │   └── PublishFailedError  the broker did not confirm a publish (down, timeout, no stream)
    └── StartupError          the service cannot start (or run): fix the setup, then restart it
        ├── ConfigurationError  (also ValueError) bad settings, each problem named, never its value
        │   └── ConfigFileError   the GRIDSTREAM_CONFIG file: unreadable, not YAML, unknown section
        ├── ServiceStartError   (also RuntimeError) e.g. the HTTP port is taken
        ├── MigrationError      (also RuntimeError) migrations not found, locked or failed
        └── DatabaseError       (also RuntimeError) database misconfigured or unreachable

Anything else a handler raises counts as transient until ``max_deliver`` deliveries are used up.
Messages must never contain secrets: they travel in dead-letter headers, events and logs.
"""

from __future__ import annotations

from typing import NamedTuple


class GridstreamError(Exception):
    """Base of every gridstream error: handler outcomes and start-up failures."""


class PermanentError(GridstreamError):
    """Retrying cannot help (bad input, a refused request): dead-letter the message at once."""


class TransientError(GridstreamError):
    """Retrying later may help; ``retry_after`` (seconds) asks for that exact delay.

    Use ``retry_after`` for a rate limit's Retry-After; leave it None for exponential backoff.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        if retry_after is not None and retry_after < 0:
            raise ValueError(f"retry_after must be >= 0 seconds, got {retry_after}")
        super().__init__(message)
        self.retry_after = retry_after


class PublishFailedError(TransientError):
    """A publish to JetStream was not acknowledged (broker down, timeout, missing stream)."""


class StartupError(GridstreamError):
    """The service cannot start: a setting, the config file, the database or a port is wrong."""


class ConfigProblem(NamedTuple):
    """One bad setting: where it is set, which variable (or file) sets it, what is wrong (no value).

    ``in_file`` problems name the key path in the config file (``collector.http_port``);
    the others name the environment variable and the setting.
    """

    field: str
    env_var: str
    problem: str
    in_file: bool = False

    def __str__(self) -> str:
        if self.in_file:
            where = f"{self.field}: " if self.field else ""
            return f"{self.env_var}: {where}{self.problem}"
        return f"{self.env_var}: {self.problem} (setting {self.field})"


class ConfigurationError(StartupError, ValueError):
    """The configuration is invalid; the message names each bad setting and never its value."""

    def __init__(self, problems: list[ConfigProblem] | tuple[ConfigProblem, ...]):
        self.problems = tuple(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"invalid configuration:\n{lines}")


class ConfigFileError(ConfigurationError):
    """The config file cannot be used as a whole: unreadable, not YAML, or an unknown section."""
