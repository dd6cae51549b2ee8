"""Starting, watching and stopping the demo's processes."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import httpx
import pytest

from kefu.supervisor import ProcessSpec, StartFailed, Supervisor, free_port, last_line, port_in_use

FAILING = "import sys; print('starting up'); print('boom: missing thing'); sys.exit(3)"


def http_server(tmp_path: Path, name: str = "web") -> ProcessSpec:
    port = free_port()
    return ProcessSpec(
        name=name,
        command=[sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(tmp_path)],
        health_url=f"http://127.0.0.1:{port}/",
        log_file=tmp_path / "logs" / f"{name}.log",
    )


def failing(tmp_path: Path, name: str = "actions") -> ProcessSpec:
    return ProcessSpec(
        name=name,
        command=[sys.executable, "-c", FAILING],
        health_url=f"http://127.0.0.1:{free_port()}/health",
        log_file=tmp_path / "logs" / f"{name}.log",
    )


def port_of(spec: ProcessSpec) -> int:
    return int(spec.health_url.rsplit(":", 1)[1].split("/")[0])


def test_a_listening_port_is_in_use() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        assert port_in_use("127.0.0.1", sock.getsockname()[1]) is True


def test_a_bound_port_is_in_use() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        assert port_in_use("127.0.0.1", sock.getsockname()[1]) is True


def test_a_free_port_is_not_in_use() -> None:
    assert port_in_use("127.0.0.1", free_port()) is False


async def test_process_that_exits_at_start_fails_with_its_name_code_and_last_log_line(tmp_path: Path) -> None:
    spec = failing(tmp_path)
    supervisor = Supervisor([spec], start_timeout=10)

    with pytest.raises(StartFailed) as caught:
        await supervisor.start()

    message = str(caught.value)
    assert message.startswith("actions exited at start (code 3): boom: missing thing")
    assert str(spec.log_file) in message
    assert "\n" not in message


async def test_failed_start_stops_the_processes_already_running(tmp_path: Path) -> None:
    web = http_server(tmp_path)
    supervisor = Supervisor([web, failing(tmp_path)], start_timeout=10)

    with pytest.raises(StartFailed, match="actions exited at start"):
        await supervisor.start()

    assert supervisor.processes["web"].returncode is not None
    assert not port_in_use("127.0.0.1", port_of(web))


async def test_start_returns_when_healthy_and_stop_terminates_the_child(tmp_path: Path) -> None:
    web = http_server(tmp_path)
    supervisor = Supervisor([web], start_timeout=10)

    await supervisor.start()
    try:
        async with httpx.AsyncClient() as http:
            assert (await http.get(web.health_url)).status_code == 200
        assert supervisor.processes["web"].returncode is None
    finally:
        await supervisor.stop(grace=5)

    assert supervisor.processes["web"].returncode is not None
    with pytest.raises(httpx.ConnectError):
        httpx.get(web.health_url, timeout=2)


async def test_process_never_healthy_fails_after_the_timeout(tmp_path: Path) -> None:
    silent = ProcessSpec(
        name="rasa",
        command=[sys.executable, "-c", "import time; time.sleep(60)"],
        health_url=f"http://127.0.0.1:{free_port()}/status",
        log_file=tmp_path / "logs" / "rasa.log",
    )
    supervisor = Supervisor([silent], start_timeout=1)

    with pytest.raises(StartFailed, match=r"rasa was not healthy after 1s"):
        await supervisor.start()

    assert supervisor.processes["rasa"].returncode is not None


def test_last_line_of_a_log_skips_blank_lines_and_says_when_there_is_none(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    assert last_line(log) == "(no log)"
    log.write_text("")
    assert last_line(log) == "(empty log)"
    log.write_text("first\n  second  \n\n\n")
    assert last_line(log) == "second"
