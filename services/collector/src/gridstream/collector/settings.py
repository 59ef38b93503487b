"""Collector settings: the shared service settings plus ENTSO-E access, pacing and planning.

In the config file they sit under `collector:`, beside `common:` (``settings.common``).
"""

from datetime import timedelta
from typing import ClassVar

from pydantic import Field, SecretStr

from gridstream.runtime.settings import ServiceSettings, fixed_env

ENTSOE_API_URL = "https://web-api.tp.entsoe.eu/api"


class CollectorSettings(ServiceSettings):
    """Everything the collector reads from the environment or the config file's `collector:`."""

    config_section: ClassVar[str] = "collector"
    service_name: str = Field("collector", description="Service name (a subject token).")
    http_port: int = Field(8081, ge=0, le=65535, description="HTTP port; 0 picks a free port.")
    entsoe_api_token: SecretStr = Field(
        validation_alias=fixed_env("ENTSOE_API_TOKEN"),
        description="ENTSO-E Transparency Platform security token (never logged).",
    )
    entsoe_api_url: str = Field(
        ENTSOE_API_URL,
        validation_alias=fixed_env("ENTSOE_API_URL"),
        pattern=r"^https?://",
        description="Base URL of the ENTSO-E API (or the simulator's /api).",
    )
    entsoe_rate_per_second: float = Field(
        6.0, gt=0, le=6.6, description="Requests per second for all replicas together."
    )
    entsoe_burst: int = Field(6, ge=1, le=60, description="Requests that may go back to back.")
    entsoe_timeout: float = Field(60.0, gt=0, le=300, description="Seconds per request.")
    entsoe_max_retries: int = Field(4, ge=0, le=20, description="Retries of one request.")
    entsoe_backoff_base: float = Field(1.0, gt=0, le=60, description="First retry delay, s.")
    entsoe_backoff_cap: float = Field(30.0, gt=0, le=600, description="Largest retry delay, s.")
    entsoe_max_retry_after: float = Field(
        30.0, ge=0, le=3600, description="Longest Retry-After waited in-process; longer naks."
    )
    revision_lookback: timedelta = Field(
        timedelta(hours=24), description="Latest collections re-fetch this much stored data."
    )
    initial_lookback: timedelta = Field(
        timedelta(days=7), description="How far back a series with no data starts."
    )
    backfill_lease: float = Field(
        120.0, gt=0, le=3600, description="Seconds a backfill job stays claimed between chunks."
    )
    backfill_poll_interval: float = Field(2.0, gt=0, le=300, description="Job poll, seconds.")
    backfill_retry_base: float = Field(5.0, gt=0, le=3600, description="Chunk retry delay, s.")
    backfill_max_failures: int = Field(
        8, ge=1, le=100, description="Chunk failures before give-up."
    )
    command_batch_size: int = Field(4, ge=1, le=100, description="Commands fetched per pull.")
    command_ack_wait: float = Field(
        60.0,
        ge=1,
        le=3600,
        description=(
            "Seconds JetStream waits for a command's outcome before handing it to another "
            "replica; a command still being worked is reported in progress every third of it."
        ),
    )
