"""Options of `gridstream up`, checked before anything starts: ports, ENTSO-E access, data dir."""

import socket
from pathlib import Path

import pytest

from gridstream.cli.defaults import default_nats_url
from gridstream.cli.errors import CliError, UsageError
from gridstream.cli.stack.config import stack_config
from gridstream.cli.stack.ports import check_ports, port_in_use
from gridstream.testing import free_port


def test_defaults_avoid_the_usual_ports_and_use_the_simulator(tmp_path: Path) -> None:
    config = stack_config(data_dir=tmp_path / "d", ports={}, environ={})
    assert (config.nats_port, config.sim_port) == (14222, 18089)
    assert config.service_ports["collector"] == 18081
    assert config.entsoe.simulator
    assert config.data_dir == (tmp_path / "d").resolve()
    assert config.pgdata == config.data_dir / "postgres"
    assert "collector" in [spec.name for spec in config.services]
    assert set(config.missing) <= {"scheduler", "monitor", "alerter", "quality"}


def test_flags_win_over_environment_over_defaults(tmp_path: Path) -> None:
    environ = {"GRIDSTREAM_UP_NATS_PORT": "24222", "GRIDSTREAM_UP_COLLECTOR_PORT": "28081"}
    config = stack_config(data_dir=tmp_path, ports={"nats": 34222}, environ=environ)
    assert (config.nats_port, config.service_ports["collector"]) == (34222, 28081)


def test_data_dir_from_the_environment(tmp_path: Path) -> None:
    config = stack_config(
        data_dir=None, ports={}, environ={"GRIDSTREAM_UP_DATA_DIR": str(tmp_path)}
    )
    assert config.data_dir == tmp_path.resolve()


def test_bad_ports_are_named(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="GRIDSTREAM_UP_SIM_PORT: 'abc' is not a port number"):
        stack_config(data_dir=tmp_path, ports={}, environ={"GRIDSTREAM_UP_SIM_PORT": "abc"})
    with pytest.raises(
        UsageError, match=r"port 70000 \(GRIDSTREAM_UP_NATS_PORT\) is outside 1-65535"
    ):
        stack_config(data_dir=tmp_path, ports={"nats": 70000}, environ={})


def test_a_token_in_the_environment_selects_the_real_api(tmp_path: Path) -> None:
    config = stack_config(data_dir=tmp_path, ports={}, environ={"ENTSOE_API_TOKEN": "t0k3n"})
    assert not config.entsoe.simulator
    assert config.entsoe.url == "https://web-api.tp.entsoe.eu/api"
    assert "ENTSO-E simulator" not in config.port_flags()
    custom = {"ENTSOE_API_TOKEN": "t0k3n", "ENTSOE_API_URL": "http://proxy.local/api"}
    assert (
        stack_config(data_dir=tmp_path, ports={}, environ=custom).entsoe.url
        == "http://proxy.local/api"
    )


def test_no_sim_without_a_token_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--no-sim: set ENTSOE_API_TOKEN"):
        stack_config(data_dir=tmp_path, ports={}, no_sim=True, environ={})


def test_taken_and_doubled_ports_are_all_named() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        assert port_in_use("127.0.0.1", busy)
        free = free_port()
        wanted = {
            "NATS": (busy, "--nats-port"),
            "ENTSO-E simulator": (free, "--sim-port"),
            "collector": (free, "--collector-port"),
        }
        with pytest.raises(CliError) as caught:
            check_ports("127.0.0.1", wanted)
    assert str(caught.value).splitlines() == [
        f"port {busy} for NATS on 127.0.0.1 is already in use; choose another with --nats-port",
        f"port {free} is given to both ENTSO-E simulator and collector (see --collector-port)",
    ]


def test_commands_find_the_nats_that_up_starts() -> None:
    assert default_nats_url({}) == "nats://127.0.0.1:14222"
    assert default_nats_url({"GRIDSTREAM_UP_NATS_PORT": "24222"}) == "nats://127.0.0.1:24222"
    explicit = {"GRIDSTREAM_NATS_URL": "nats://nats.internal:4222", "GRIDSTREAM_UP_NATS_PORT": "1"}
    assert default_nats_url(explicit) == "nats://nats.internal:4222"
