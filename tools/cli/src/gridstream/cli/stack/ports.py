"""Port checks before anything starts, so a taken port fails fast and by name."""

import errno
import socket
from collections.abc import Mapping

from gridstream.cli.errors import CliError


def port_in_use(host: str, port: int) -> bool:
    """True when something is bound to ``host:port`` (listening, or about to)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # The servers set SO_REUSEADDR too: a port left in TIME_WAIT by a previous run is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno in {errno.EADDRINUSE, errno.EACCES}:
                return True
            raise
    return False


def check_ports(host: str, wanted: Mapping[str, tuple[int, str]]) -> None:
    """Raise CliError naming every port that is taken or given twice; ``wanted``: owner -> (port, flag)."""
    problems = []
    owners: dict[int, str] = {}
    for owner, (port, flag) in wanted.items():
        if port in owners:
            problems.append(f"port {port} is given to both {owners[port]} and {owner} (see {flag})")
            continue
        owners[port] = owner
        if port_in_use(host, port):
            problems.append(
                f"port {port} for {owner} on {host} is already in use; choose another with {flag}"
            )
    if problems:
        raise CliError("\n".join(problems))
