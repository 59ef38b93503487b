"""What `gridstream up` starts and where: data directory, ports, ENTSO-E access, the service table."""

import importlib.util
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from gridstream.cli.defaults import HOST, NATS_PORT, NATS_PORT_ENV, SIM_PORT
from gridstream.cli.errors import UsageError

DATA_DIR_ENV = "GRIDSTREAM_UP_DATA_DIR"
DEFAULT_DATA_DIR = Path(".gridstream")
DATABASE_NAME = "gridstream"
TOKEN_ENV = "ENTSOE_API_TOKEN"  # noqa: S105 - the variable's name, not a token
API_URL_ENV = "ENTSOE_API_URL"
ADMIN_TOKEN_ENV = "GRIDSTREAM_ADMIN_TOKEN"  # noqa: S105 - the variable's name, not a token
ADMIN_TOKEN_FILE = "admin.token"  # noqa: S105 - a file name
STATE_FILE = "stack.json"
MIN_ADMIN_TOKEN = 16
"""Services refuse to start with a shorter admin token."""


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """One gridstream service: its module (run with `python -m`) and its default HTTP port."""

    name: str
    module: str
    default_port: int

    @property
    def port_env(self) -> str:
        """The variable that overrides the port, e.g. GRIDSTREAM_UP_COLLECTOR_PORT."""
        return f"GRIDSTREAM_UP_{self.name.upper()}_PORT"

    def installed(self) -> bool:
        """True when the service's package is importable in this environment."""
        try:
            return importlib.util.find_spec(self.module) is not None
        except ModuleNotFoundError:
            return False


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("collector", "gridstream.collector", 18081),
    ServiceSpec("scheduler", "gridstream.scheduler", 18082),
    ServiceSpec("monitor", "gridstream.monitor", 18083),
    ServiceSpec("alerter", "gridstream.alerter", 18084),
    ServiceSpec("quality", "gridstream.quality", 18085),
)
SIM_PORT_ENV = "GRIDSTREAM_UP_SIM_PORT"


@dataclass(frozen=True, slots=True)
class EntsoeAccess:
    """Where the collector fetches from: the local simulator, or the real API with the user's token."""

    simulator: bool
    token: SecretStr | None = None
    url: str = ""
    """The real API's base URL (unused with the simulator, whose URL is known once it runs)."""


@dataclass(frozen=True, slots=True)
class StackConfig:
    """Everything `gridstream up` needs, validated before anything starts."""

    data_dir: Path
    nats_port: int
    sim_port: int
    service_ports: Mapping[str, int]
    services: tuple[ServiceSpec, ...]
    missing: tuple[str, ...]
    entsoe: EntsoeAccess
    admin_token: SecretStr | None = None
    """GRIDSTREAM_ADMIN_TOKEN from the environment; None: generated once per data directory."""
    host: str = HOST
    echo: bool = False
    ready_timeout: float = 120.0

    @property
    def nats_dir(self) -> Path:
        """JetStream store of the local NATS server."""
        return self.data_dir / "nats"

    @property
    def pgdata(self) -> Path:
        """PostgreSQL data directory."""
        return self.data_dir / "postgres"

    @property
    def logs_dir(self) -> Path:
        """One log file per child process."""
        return self.data_dir / "logs"

    @property
    def state_file(self) -> Path:
        """Addresses and process ids of the running stack (removed when it stops)."""
        return self.data_dir / STATE_FILE

    @property
    def children_file(self) -> Path:
        """Every child process started so far, so that the next `up` can stop leftovers."""
        return self.data_dir / "children.json"

    @property
    def admin_token_file(self) -> Path:
        """The generated admin token of this data directory (mode 0600)."""
        return self.data_dir / ADMIN_TOKEN_FILE

    def port_flags(self) -> dict[str, tuple[int, str]]:
        """Each port to bind, by what binds it: (port, how to change it)."""
        ports = {"NATS": (self.nats_port, f"--nats-port or {NATS_PORT_ENV}")}
        if self.entsoe.simulator:
            ports["ENTSO-E simulator"] = (self.sim_port, f"--sim-port or {SIM_PORT_ENV}")
        for spec in self.services:
            flag = f"--{spec.name}-port or {spec.port_env}"
            ports[spec.name] = (self.service_ports[spec.name], flag)
        return ports


def resolve_port(given: int | None, env_var: str, default: int, environ: Mapping[str, str]) -> int:
    """The port from the flag, else the variable, else the default; UsageError when invalid."""
    raw: str | int = given if given is not None else environ.get(env_var) or default
    try:
        port = int(raw)
    except ValueError:
        raise UsageError(f"{env_var}: {raw!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise UsageError(f"port {port} ({env_var}) is outside 1-65535")
    return port


def up_data_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """The data directory `gridstream up` uses by default: GRIDSTREAM_UP_DATA_DIR or ./.gridstream."""
    return Path(environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR).expanduser()


def given_admin_token(environ: Mapping[str, str]) -> SecretStr | None:
    """GRIDSTREAM_ADMIN_TOKEN when set; UsageError when shorter than the services accept."""
    value = environ.get(ADMIN_TOKEN_ENV)
    if value is None:
        return None
    if len(value.strip()) < MIN_ADMIN_TOKEN:
        raise UsageError(
            f"{ADMIN_TOKEN_ENV} is shorter than {MIN_ADMIN_TOKEN} characters; set a longer one "
            "or unset it (`gridstream up` then generates one)"
        )
    return SecretStr(value.strip())


def entsoe_access(no_sim: bool, environ: Mapping[str, str]) -> EntsoeAccess:
    """The simulator unless ENTSOE_API_TOKEN is set; --no-sim without a token is a usage error."""
    token = environ.get(TOKEN_ENV, "").strip()
    if token:
        # Imported on use: the collector's settings pull in the whole runtime.
        from gridstream.collector.settings import ENTSOE_API_URL

        return EntsoeAccess(False, SecretStr(token), environ.get(API_URL_ENV) or ENTSOE_API_URL)
    if no_sim:
        raise UsageError(
            f"--no-sim: set {TOKEN_ENV} to use the real ENTSO-E API, or drop --no-sim "
            "to use the local simulator"
        )
    return EntsoeAccess(True)


def stack_config(
    *,
    data_dir: Path | None,
    ports: Mapping[str, int | None],
    no_sim: bool = False,
    echo: bool = False,
    ready_timeout: float = 120.0,
    environ: Mapping[str, str] = os.environ,
) -> StackConfig:
    """Validate the options of `gridstream up` (``ports`` keyed nats, sim and service names)."""
    directory = data_dir or up_data_dir(environ)
    installed = tuple(spec for spec in SERVICES if spec.installed())
    if ready_timeout <= 0:
        raise UsageError("--ready-timeout: give a positive number of seconds")
    return StackConfig(
        data_dir=directory.expanduser().resolve(),
        nats_port=resolve_port(ports.get("nats"), NATS_PORT_ENV, NATS_PORT, environ),
        sim_port=resolve_port(ports.get("sim"), SIM_PORT_ENV, SIM_PORT, environ),
        service_ports={
            spec.name: resolve_port(ports.get(spec.name), spec.port_env, spec.default_port, environ)
            for spec in installed
        },
        services=installed,
        missing=tuple(spec.name for spec in SERVICES if spec not in installed),
        entsoe=entsoe_access(no_sim, environ),
        admin_token=given_admin_token(environ),
        echo=echo,
        ready_timeout=ready_timeout,
    )
