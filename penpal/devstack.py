"""Start a Rasa server and an action server on free local ports.

Used by the end-to-end tests and the benchmarks (not by `make run`, which
uses fixed ports): both run as real subprocesses from the project's venv,
talk over HTTP, and are stopped (and their logs kept) on exit.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import requests
import yaml

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

    def tracker(self, sender: str) -> dict:
        response = requests.get(f"{self.rasa_url}/conversations/{sender}/tracker", timeout=30)
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
) -> Iterator[Stack]:
    """Run ``project``'s action server and a Rasa server with ``model``.

    With ``actions_url`` given, no action server is started and Rasa is
    pointed there (for example at a port where nothing listens).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", **(env or {})}
    processes: list[subprocess.Popen] = []
    try:
        if actions_url is None:
            actions_port = free_port()
            actions_url = f"http://127.0.0.1:{actions_port}"
            actions_log = workdir / "actions.log"
            processes.append(subprocess.Popen(
                [str(BIN / "rasa"), "run", "actions", "--actions", "actions",
                 "--port", str(actions_port)],
                cwd=project, env=environment, stdout=actions_log.open("w"),
                stderr=subprocess.STDOUT,
            ))
            _wait_until_up(f"{actions_url}/health", processes[-1], actions_log, "ok")

        endpoints = {"action_endpoint": {"url": f"{actions_url}/webhook"}}
        if tracker_store:
            endpoints["tracker_store"] = tracker_store
        (workdir / "endpoints.yml").write_text(yaml.safe_dump(endpoints))
        rasa_port = free_port()
        rasa_url = f"http://127.0.0.1:{rasa_port}"
        command = [
            str(BIN / "rasa"), "run", "--model", str(model), "--enable-api",
            "-i", "127.0.0.1", "-p", str(rasa_port),
            "--endpoints", str(workdir / "endpoints.yml"),
        ]
        if credentials:
            command += ["--credentials", str(credentials)]
        rasa_log = workdir / "rasa.log"
        processes.append(subprocess.Popen(
            command, cwd=project, env=environment, stdout=rasa_log.open("w"),
            stderr=subprocess.STDOUT,
        ))
        _wait_until_up(f"{rasa_url}/status", processes[-1], rasa_log, "model_file")
        yield Stack(rasa_url=rasa_url, actions_url=actions_url, workdir=workdir)
    finally:
        for process in reversed(processes):
            _stop(process)
