"""`gridstream up`: the whole system on one machine without Docker, until Ctrl-C."""

import argparse
import asyncio
import sys
from pathlib import Path

from gridstream.cli.defaults import NATS_PORT, NATS_PORT_ENV, SIM_PORT
from gridstream.cli.errors import CliError
from gridstream.cli.stack.config import (
    DATA_DIR_ENV,
    SERVICES,
    SIM_PORT_ENV,
    stack_config,
)
from gridstream.cli.stack.supervisor import Supervisor

_INTERRUPTED = 130


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the `up` command."""
    up = subparsers.add_parser(
        "up",
        help="run NATS, PostgreSQL, the ENTSO-E simulator and the services locally",
        description=(
            "Start the embedded stack: nats-server with JetStream, PostgreSQL (pgserver), the "
            "ENTSO-E simulator (unless ENTSOE_API_TOKEN is set) and every installed service, "
            "each as its own process. Ctrl-C stops all of it; data stays in the data directory."
        ),
    )
    up.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help=f"where data and logs live (default: ${DATA_DIR_ENV} or ./.gridstream)",
    )
    up.add_argument(
        "--nats-port", type=int, help=f"NATS client port (default: ${NATS_PORT_ENV} or {NATS_PORT})"
    )
    up.add_argument(
        "--sim-port", type=int, help=f"simulator port (default: ${SIM_PORT_ENV} or {SIM_PORT})"
    )
    for spec in SERVICES:
        up.add_argument(
            f"--{spec.name}-port",
            type=int,
            help=f"{spec.name} HTTP port, when installed (default: ${spec.port_env} or "
            f"{spec.default_port})",
        )
    up.add_argument(
        "--no-sim",
        action="store_true",
        help="do not start the simulator (needs ENTSOE_API_TOKEN for the real API)",
    )
    up.add_argument("--echo", action="store_true", help="also print every process's log lines")
    up.add_argument(
        "--ready-timeout",
        type=float,
        default=120.0,
        help="seconds the services get to become ready (default 120)",
    )
    up.set_defaults(handler=_up)


def _up(args: argparse.Namespace) -> int:
    ports = {"nats": args.nats_port, "sim": args.sim_port}
    ports |= {spec.name: getattr(args, f"{spec.name}_port") for spec in SERVICES}
    try:
        config = stack_config(
            data_dir=args.data_dir,
            ports=ports,
            no_sim=args.no_sim,
            echo=args.echo,
            ready_timeout=args.ready_timeout,
        )
        return asyncio.run(Supervisor(config, sys.stdout, sys.stderr).run())
    except CliError as exc:
        print(f"gridstream up: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return _INTERRUPTED
