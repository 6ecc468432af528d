"""`make run` as a new writer types it: it answers over REST and serves the web
chat page with the demo writer's content, does not train again when nothing
changed, and Ctrl+C (SIGINT to the terminal's process group) leaves nothing running.

It runs on free ports with its own app database and tracker store, so a developer's
own `make run` and data are untouched.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.support.devstack import free_port
from tests.support.stack import MODEL, PROJECT

pytestmark = pytest.mark.e2e

START_SECONDS = 300
STOP_SECONDS = 60
ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass(frozen=True)
class MakeRun:
    url: str
    session: int
    log: Path

    def say(self, sender: str, text: str) -> str:
        response = requests.post(f"{self.url}/webhooks/rest/webhook",
                                 json={"sender": sender, "message": text}, timeout=60)
        response.raise_for_status()
        return "\n".join(reply.get("text", "") for reply in response.json())


def processes_in_session(session: int) -> list[str]:
    """Command lines of the live processes whose session id is ``session``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            # after the command: state, ppid, pgrp, session, ...; zombies are gone already
            if int(fields[3]) == session and fields[0] != "Z":
                found.append((stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode())
    return found


def wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, f"make run exited:\n{log.read_text()[-3000:]}"
        with suppress(requests.RequestException):
            if requests.get(url, timeout=2).ok:
                return
        time.sleep(1)
    raise AssertionError(f"make run not up after {START_SECONDS}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def make_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MakeRun]:
    assert MODEL.exists(), "no trained model: run `make train` (make test does)"
    workdir = tmp_path_factory.mktemp("make-run")
    port = free_port()
    env = {**os.environ, "PENPAL_RASA_PORT": str(port), "PENPAL_ACTIONS_PORT": str(free_port()),
           "PENPAL_DATABASE_URL": f"sqlite:///{workdir / 'penpal.db'}",
           "PENPAL_TRACKER_STORE_URL": f"sqlite:///{workdir / 'tracker.db'}"}
    env.pop("MAKEFLAGS", None)
    env.pop("MAKELEVEL", None)
    log = workdir / "make-run.log"
    process = subprocess.Popen(
        ["make", "run"], cwd=PROJECT, env=env, stdout=log.open("w"),
        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
    )
    running = MakeRun(url=f"http://127.0.0.1:{port}", session=process.pid, log=log)
    try:
        wait_until_up(f"{running.url}/", process, log)
        yield running
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)  # Ctrl+C in the terminal
        process.wait(timeout=STOP_SECONDS)


def test_a_new_reader_gets_the_disclosure_and_a_greeting(make_run: MakeRun) -> None:
    replies = make_run.say("newcomer", "hello")
    assert replies.startswith("Hi, I'm Penpal, an automated assistant for Mira Kestrel")
    assert "Ask me about Mira Kestrel" in replies


def test_the_demo_catalogue_and_events_are_imported(make_run: MakeRun) -> None:
    atom = ElementTree.parse(PROJECT / "data" / "demo" / "catalog.atom")
    titles = {entry.findtext(f"{ATOM}title") for entry in atom.iter(f"{ATOM}entry")}
    picks = make_run.say("reader", "anything short about worldbuilding?")
    assert any(title in picks for title in titles), picks
    events = make_run.say("reader", "any events coming up?")
    assert "Webinar: Worldbuilding with maps" in events or "The Inkwell Atlas" in events, events


def test_the_web_chat_page_is_served(make_run: MakeRun) -> None:
    page = requests.get(f"{make_run.url}/chat", timeout=10)
    assert page.status_code == 200
    assert "chat.js" in page.text


def test_nothing_is_trained_again_when_nothing_changed(make_run: MakeRun) -> None:
    assert "rasa train" not in make_run.log.read_text()


def test_ctrl_c_stops_every_process_it_started(make_run: MakeRun) -> None:
    """Runs last in this module: it stops the servers the other tests talked to."""
    assert len(processes_in_session(make_run.session)) >= 3  # make, scheduler, servers
    os.killpg(make_run.session, signal.SIGINT)
    deadline = time.monotonic() + STOP_SECONDS
    while processes_in_session(make_run.session) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert processes_in_session(make_run.session) == []
    assert "Traceback" not in make_run.log.read_text()
