"""The CLI's HTTP edge to the services: each one's base URL, the admin token, readable errors.

A service is found at GRIDSTREAM_<SERVICE>_URL, else where the running `gridstream up` put it
(its state file), else on the port `up` gives it by default. Write calls carry the admin token
(GRIDSTREAM_ADMIN_TOKEN, else the one `up` generated in its data directory) as a Bearer header.
"""

import argparse
import os
import sys
from collections.abc import Callable, Mapping
from http import HTTPStatus
from types import TracebackType
from typing import Any, TextIO

import httpx
from pydantic import SecretStr

from gridstream.cli.defaults import HOST
from gridstream.cli.errors import CliError, UsageError
from gridstream.cli.stack.config import (
    ADMIN_TOKEN_ENV,
    ADMIN_TOKEN_FILE,
    SERVICES,
    STATE_FILE,
    given_admin_token,
    resolve_port,
    up_data_dir,
)
from gridstream.cli.stack.state import read_state

_TIMEOUT = 30.0
_BODY_CHARS = 300


class ServiceUnreachableError(CliError):
    """The service did not answer at all (nothing listening, or no answer in time)."""


class ServiceAnswerError(CliError):
    """The service answered with a non-2xx status; 400 is the user's input (exit 2)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status
        self.exit_code = UsageError.exit_code if status in {400, 422} else CliError.exit_code


def url_variable(service: str) -> str:
    """The variable naming a service's base URL, e.g. GRIDSTREAM_COLLECTOR_URL."""
    return f"GRIDSTREAM_{service.upper()}_URL"


def service_url(service: str, environ: Mapping[str, str] = os.environ) -> str:
    """Base URL of ``service``: its variable, else the running `up`'s state file, else its port."""
    [spec] = [spec for spec in SERVICES if spec.name == service]
    explicit = environ.get(url_variable(service), "").strip()
    if explicit:
        return explicit.rstrip("/")
    state = read_state(up_data_dir(environ) / STATE_FILE) or {}
    running = state.get("services")
    if isinstance(running, dict) and isinstance(running.get(service), str):
        return str(running[service]).rstrip("/")
    port = resolve_port(None, spec.port_env, spec.default_port, environ)
    return f"http://{HOST}:{port}"


def admin_token(environ: Mapping[str, str] = os.environ) -> SecretStr | None:
    """GRIDSTREAM_ADMIN_TOKEN, else the token `gridstream up` keeps in its data directory."""
    given = given_admin_token(environ)
    if given is not None:
        return given
    try:
        stored = (up_data_dir(environ) / ADMIN_TOKEN_FILE).read_text().strip()
    except OSError:
        return None
    return SecretStr(stored) if stored else None


class ServiceClient:
    """A short-lived synchronous client of one service's HTTP API (use it with ``with``)."""

    def __init__(
        self,
        service: str,
        *,
        environ: Mapping[str, str] = os.environ,
        timeout: float = _TIMEOUT,
    ):
        self.service = service
        self.base_url = service_url(service, environ)
        self._environ = environ
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)

    def __enter__(self) -> "ServiceClient":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._http.close()

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """GET ``path``; the decoded JSON answer."""
        return self._send("GET", path, params=params).json()

    def post(self, path: str, body: Any = None) -> Any:
        """POST ``body`` as JSON with the admin token; the decoded JSON answer (None if empty)."""
        return self._write("POST", path, body)

    def put(self, path: str, body: Any) -> Any:
        """PUT ``body`` as JSON with the admin token; the decoded JSON answer (None if empty)."""
        return self._write("PUT", path, body)

    def delete(self, path: str) -> Any:
        """DELETE ``path`` with the admin token; the decoded JSON answer (None if empty)."""
        return self._write("DELETE", path, None)

    def _write(self, method: str, path: str, body: Any) -> Any:
        token = admin_token(self._environ)
        if token is None:
            raise CliError(
                f"no admin token: set {ADMIN_TOKEN_ENV}, or start `gridstream up`, which "
                "generates one in its data directory"
            )
        headers = {"Authorization": f"Bearer {token.get_secret_value()}"}
        response = self._send(method, path, json=body, headers=headers)
        return response.json() if response.content else None

    def _send(self, method: str, path: str, **options: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **options)
        except httpx.TransportError as exc:
            raise ServiceUnreachableError(
                f"cannot reach the {self.service} at {self.base_url} ({_reason(exc)}); is "
                f"`gridstream up` running? ({url_variable(self.service)} sets its address)"
            ) from None
        if not response.is_success:
            raise ServiceAnswerError(
                f"the {self.service} answered {_status(response.status_code)}: "
                f"{_message(response)}",
                response.status_code,
            )
        return response


def _reason(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time"
    text = str(exc) or type(exc).__name__
    # "[Errno 111] Connection refused" -> "connection refused"
    return text.split("] ", 1)[-1].lower()


def _status(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return str(code)


def _message(response: httpx.Response) -> str:
    """The service's `{"error": ...}` message, else the start of its body."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return str(body["error"])
    return response.text.strip()[:_BODY_CHARS] or "(no message)"


ServiceCommand = Callable[["ServiceClient", argparse.Namespace, TextIO], None]


def service_command(service: str, command: ServiceCommand) -> Callable[[argparse.Namespace], int]:
    """An argparse handler running ``command`` with a client of ``service``; errors to stderr."""

    def run(args: argparse.Namespace) -> int:
        name = " ".join(filter(None, (args.command, getattr(args, "action", None))))
        try:
            with ServiceClient(service) as client:
                command(client, args, sys.stdout)
        except CliError as exc:
            print(f"gridstream {name}: {exc}", file=sys.stderr)
            return exc.exit_code
        return 0

    return run
