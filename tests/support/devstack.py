"""Start Rasa servers and action servers on free local ports.

Used by the end-to-end tests and the benchmarks (`python -m bench.<name>` from
the project root; not by `make run`): one stack (`running_stack`) or several
instances sharing their stores (`running_instances`), each server a real
subprocess from the project's venv, talking over HTTP, stopped (and their logs
kept) on exit.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import requests
import yaml

from penpal.conversations import namespaced
from penpal.endpoints import write as write_endpoints
from penpal.server_secrets import shared_secret

if TYPE_CHECKING:
    from tests.support.servers import Relay

BIN = Path(sys.executable).parent
START_TIMEOUT_SECONDS = 240


@dataclass(frozen=True)
class Stack:
    rasa_url: str
    actions_url: str
    workdir: Path

    def say(self, sender: str, text: str, timeout: float = 60) -> list[dict]:
        """Send one message over the REST channel and return the bot's replies."""
        response = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=timeout,
        )
        response.raise_for_status()
        return response.json()

    def tracker(self, sender: str, channel: str = "rest") -> dict:
        """The conversation of ``sender`` on ``channel``, through Rasa's HTTP API."""
        response = requests.get(
            f"{self.rasa_url}/conversations/{namespaced(channel, sender)}/tracker",
            params={"token": shared_secret("api")}, timeout=30,
        )
        response.raise_for_status()
        return response.json()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, ready: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited ({process.returncode}):\n{_tail(log)}")
        with suppress(requests.RequestException):
            response = requests.get(url, timeout=2)
            if response.ok and ready in response.text:
                return
        time.sleep(0.5)
    raise RuntimeError(f"{url} not up after {START_TIMEOUT_SECONDS}s:\n{_tail(log)}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# Test and benchmark clients send from one address, faster than readers: flood
# control is off in a dev stack unless the caller's ``env`` turns it on.
NO_FLOOD_CONTROL = {"PENPAL_RATE_PER_SENDER": "off", "PENPAL_RATE_PER_ADDRESS": "off"}


def _environment(env: dict[str, str] | None) -> dict[str, str]:
    return {**os.environ, **NO_FLOOD_CONTROL, "RASA_TELEMETRY_ENABLED": "false", **(env or {})}


def start_action_server(
    project: Path, log: Path, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen, str]:
    """Start ``rasa run actions`` on a free port; return it once /health answers, and its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [str(BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(port)],
        cwd=project, env=_environment(env), stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_up(f"{url}/health", process, log, "ok")
    except BaseException:
        _stop(process)
        raise
    return process, url


def start_rasa(
    project: Path,
    model: Path,
    endpoints: Path,
    log: Path,
    *,
    env: dict[str, str] | None = None,
    credentials: Path | None = None,
) -> tuple[subprocess.Popen, str]:
    """Start Rasa's server as Penpal does (``penpal.rasa_server``: the action secret
    sent, the HTTP API behind its token) with ``endpoints`` on a free port; return it
    once up, and its URL.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        str(BIN / "python"), "-m", "penpal.rasa_server", "run", "--model", str(model),
        "-i", "127.0.0.1", "-p", str(port), "--endpoints", str(endpoints),
    ]
    if credentials:
        command += ["--credentials", str(credentials)]
    process = subprocess.Popen(
        command, cwd=project, env=_environment(env), stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_up(f"{url}/status?token={shared_secret('api')}", process, log, "model_file")
    except BaseException:
        _stop(process)
        raise
    return process, url


@contextmanager
def running_stack(
    project: Path,
    model: Path,
    workdir: Path,
    *,
    env: dict[str, str] | None = None,
    credentials: Path | None = None,
    tracker_store: dict | None = None,
    actions_url: str | None = None,
    relay: Relay | None = None,
) -> Iterator[Stack]:
    """Run ``project``'s action server and a Rasa server with ``model``.

    With ``actions_url`` given, no action server is started and Rasa is
    pointed there (for example at a port where nothing listens). With ``relay``,
    Rasa reaches the action server through it (a test can cut the line).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    processes: list[subprocess.Popen] = []
    with ExitStack() as line:
        try:
            if actions_url is None:
                process, actions_url = start_action_server(
                    project, workdir / "actions.log", env)
                processes.append(process)
            rasa_calls = actions_url
            if relay is not None:
                rasa_calls = line.enter_context(relay.running(actions_url)).url
            endpoints = {"action_endpoint": {"url": f"{rasa_calls}/webhook"}}
            if tracker_store:
                endpoints["tracker_store"] = tracker_store
            (workdir / "endpoints.yml").write_text(yaml.safe_dump(endpoints))
            process, rasa_url = start_rasa(
                project, model, workdir / "endpoints.yml", workdir / "rasa.log",
                env=env, credentials=credentials,
            )
            processes.append(process)
            yield Stack(rasa_url=rasa_url, actions_url=actions_url, workdir=workdir)
        finally:
            for process in reversed(processes):
                _stop(process)


@dataclass
class Instance:
    """One Rasa server and the action server it calls, as one machine would run them."""

    stack: Stack
    rasa: subprocess.Popen
    actions: subprocess.Popen

    def crash(self) -> None:
        """SIGKILL both processes, as a machine that dies would leave them."""
        for process in (self.rasa, self.actions):
            process.kill()
            process.wait()

    def stop(self) -> None:
        for process in (self.rasa, self.actions):
            _stop(process)


@contextmanager
def running_instances(
    project: Path,
    model: Path,
    workdir: Path,
    count: int,
    *,
    env: dict[str, str] | None = None,
    credentials: Path | None = None,
) -> Iterator[list[Instance]]:
    """Run ``count`` Rasa servers, each with its own action server, sharing their stores.

    Each Rasa server's endpoints come from ``penpal.endpoints`` with ``env``
    (PENPAL_TRACKER_STORE_URL, PENPAL_REDIS_URL, PENPAL_RABBITMQ_URL, ...) over
    the project's endpoints.yml, as ``scripts/run-penpal`` does in production;
    only PENPAL_ACTION_SERVER_URL differs between instances. They start one after
    the other, so the first one creates the tracker store's tables alone.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    instances: list[Instance] = []
    try:
        for number in range(1, count + 1):
            folder = workdir / f"instance{number}"
            folder.mkdir(exist_ok=True)
            actions, actions_url = start_action_server(project, folder / "actions.log", env)
            try:
                environ = {**(env or {}), "PENPAL_ACTION_SERVER_URL": f"{actions_url}/webhook"}
                write_endpoints(project / "endpoints.yml", folder / "endpoints.yml", environ)
                rasa, rasa_url = start_rasa(
                    project, model, folder / "endpoints.yml", folder / "rasa.log",
                    env=env, credentials=credentials,
                )
            except BaseException:
                _stop(actions)
                raise
            stack = Stack(rasa_url=rasa_url, actions_url=actions_url, workdir=folder)
            instances.append(Instance(stack=stack, rasa=rasa, actions=actions))
        yield instances
    finally:
        for instance in reversed(instances):
            instance.stop()
