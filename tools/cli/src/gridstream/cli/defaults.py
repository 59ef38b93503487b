"""Defaults shared by `gridstream up` and the commands that talk to the stack it starts."""

import os
from collections.abc import Mapping

HOST = "127.0.0.1"
# Off the usual ports on purpose: a machine may already run NATS on 4222 or PostgreSQL on 5432.
NATS_PORT = 14222
SIM_PORT = 18089
NATS_URL_ENV = "GRIDSTREAM_NATS_URL"
NATS_PORT_ENV = "GRIDSTREAM_UP_NATS_PORT"
DATABASE_URL_ENV = "GRIDSTREAM_DATABASE_URL"


def stack_nats_url(port: int = NATS_PORT, host: str = HOST) -> str:
    """The client URL of the NATS server `gridstream up` starts."""
    return f"nats://{host}:{port}"


def default_nats_url(environ: Mapping[str, str] = os.environ) -> str:
    """GRIDSTREAM_NATS_URL when set, else the NATS `gridstream up` starts (GRIDSTREAM_UP_NATS_PORT)."""
    if environ.get(NATS_URL_ENV):
        return environ[NATS_URL_ENV]
    port = environ.get(NATS_PORT_ENV, "")
    return stack_nats_url(int(port) if port.isdigit() else NATS_PORT)
