"""The CLI's way to the services' HTTP APIs: addresses, the admin token, errors, real servers."""

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gridstream.cli.errors import CliError, UsageError
from gridstream.cli.service_api import ServiceClient, admin_token, service_url
from gridstream.cli.stack.state import write_state
from gridstream.runtime.http import admin_only
from gridstream.testing import free_port, run_uvicorn

TOKEN = "admin-token-for-the-cli-test-0123"


def test_each_service_url_comes_from_its_variable_else_the_running_up_else_its_port(
    tmp_path: Path,
) -> None:
    environ = {"GRIDSTREAM_UP_DATA_DIR": str(tmp_path)}
    assert service_url("collector", environ) == "http://127.0.0.1:18081"
    assert service_url("quality", environ) == "http://127.0.0.1:18085"
    ported = {**environ, "GRIDSTREAM_UP_SCHEDULER_PORT": "28082"}
    assert service_url("scheduler", ported) == "http://127.0.0.1:28082"
    write_state(tmp_path / "stack.json", {"services": {"collector": "http://127.0.0.1:38081"}})
    assert service_url("collector", environ) == "http://127.0.0.1:38081"
    assert service_url("monitor", environ) == "http://127.0.0.1:18083"
    explicit = {**environ, "GRIDSTREAM_COLLECTOR_URL": "http://collector.internal:8081/"}
    assert service_url("collector", explicit) == "http://collector.internal:8081"


def test_the_admin_token_comes_from_the_environment_else_the_data_directory(
    tmp_path: Path,
) -> None:
    environ = {"GRIDSTREAM_UP_DATA_DIR": str(tmp_path)}
    assert admin_token(environ) is None
    (tmp_path / "admin.token").write_text(TOKEN + "\n")
    found = admin_token(environ)
    assert found is not None
    assert found.get_secret_value() == TOKEN
    given = admin_token({**environ, "GRIDSTREAM_ADMIN_TOKEN": "x" * 16})
    assert given is not None
    assert given.get_secret_value() == "x" * 16
    with pytest.raises(UsageError, match="GRIDSTREAM_ADMIN_TOKEN is shorter than 16 characters"):
        admin_token({**environ, "GRIDSTREAM_ADMIN_TOKEN": ""})


def test_an_unreachable_service_is_named_with_its_url_and_variable() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with (
        pytest.raises(CliError) as caught,
        ServiceClient("scheduler", environ={"GRIDSTREAM_SCHEDULER_URL": url}) as client,
    ):
        client.get("/v1/schedules")
    assert str(caught.value) == (
        f"cannot reach the scheduler at {url} (connection refused); is `gridstream up` running? "
        "(GRIDSTREAM_SCHEDULER_URL sets its address)"
    )


async def _echo(request: Request) -> Response:
    return JSONResponse({"got": await request.json()})


async def _broken(_: Request) -> Response:
    return Response("upstream exploded", status_code=502)


def _admin_app() -> Starlette:
    guarded = admin_only(SecretStr(TOKEN))(_echo)
    return Starlette(
        routes=[
            Route("/v1/things", guarded, methods=["POST"]),
            Route("/v1/broken", _broken),
        ]
    )


async def test_write_calls_carry_the_admin_token_and_errors_show_the_service_message(
    tmp_path: Path,
) -> None:
    async with run_uvicorn(_admin_app()) as url:
        environ = {"GRIDSTREAM_SCHEDULER_URL": url, "GRIDSTREAM_UP_DATA_DIR": str(tmp_path)}

        def call(env: dict[str, str], path: str = "/v1/things") -> Any:
            with ServiceClient("scheduler", environ=env) as client:
                return client.post(path, {"n": 1}) if path == "/v1/things" else client.get(path)

        with pytest.raises(CliError, match="no admin token: set GRIDSTREAM_ADMIN_TOKEN"):
            await _in_thread(call, environ)
        (tmp_path / "admin.token").write_text(TOKEN)
        assert await _in_thread(call, environ) == {"got": {"n": 1}}
        wrong = {**environ, "GRIDSTREAM_ADMIN_TOKEN": "not-the-right-token"}
        with pytest.raises(CliError) as refused:
            await _in_thread(call, wrong)
        assert str(refused.value) == (
            "the scheduler answered 401 Unauthorized: missing or invalid bearer token"
        )
        assert "not-the-right-token" not in str(refused.value)
        with pytest.raises(CliError) as broken:
            await _in_thread(call, environ, "/v1/broken")
        assert str(broken.value) == "the scheduler answered 502 Bad Gateway: upstream exploded"


async def _in_thread(function: Any, *args: Any) -> Any:
    """The CLI is synchronous; it runs beside the server's event loop, as in a terminal."""
    return await asyncio.to_thread(function, *args)


def test_state_file_with_other_content_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "stack.json").write_text(json.dumps({"services": "nonsense"}))
    assert service_url("collector", {"GRIDSTREAM_UP_DATA_DIR": str(tmp_path)}) == (
        "http://127.0.0.1:18081"
    )
