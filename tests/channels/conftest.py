"""One running Penpal (Rasa + action server) for all channel tests, every channel on.

Telegram's Bot API and Slack's Web API are local stand-ins (tests/channels/standins.py);
the connectors find them, and their secrets, through the environment variables that
credentials.yml names, exactly as in production.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from penpal.catalog import import_file
from penpal.db import Database, upgrade
from tests.channels.payloads import BOT_USERNAME
from tests.channels.standins import ApiStandIn, Call
from tests.support.devstack import Stack, running_stack

PROJECT = Path(__file__).resolve().parents[2]
MODEL = Path(os.environ.get("PENPAL_TEST_MODEL", PROJECT / "models" / "penpal.tar.gz"))

TELEGRAM_TOKEN = "123456:TEST-token_for-penpal"
TELEGRAM_SECRET = "telegram-secret_42"
SLACK_TOKEN = "xoxb-test-token"
SLACK_SIGNING_SECRET = "slack-signing-secret"
SENDER_PER_MINUTE, SENDER_BURST = 120, 12
ADDRESS_PER_MINUTE, ADDRESS_BURST = 600, 300


def telegram_answer(call: Call) -> dict[str, Any]:
    if call.method == "sendMessage":
        message = {"message_id": len(call.params), "date": 0, "text": call.params.get("text"),
                   "chat": {"id": int(call.params["chat_id"]), "type": "private"}}
        return {"ok": True, "result": message}
    return {"ok": True, "result": True}


def slack_answer(call: Call) -> dict[str, Any]:
    return {"ok": True, "channel": call.params.get("channel"), "ts": "1700000099.000100"}


@dataclass(frozen=True)
class Channels:
    stack: Stack
    telegram: ApiStandIn
    slack: ApiStandIn


@pytest.fixture(scope="package")
def channels(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Channels]:
    assert MODEL.exists(), f"no trained model at {MODEL}: run `make train` (make test does)"
    workdir = tmp_path_factory.mktemp("channels")
    database_url = f"sqlite:///{workdir / 'penpal.db'}"
    upgrade(database_url)
    demo = Database(database_url)
    import_file(demo, str(PROJECT / "data" / "demo" / "catalog.atom"))
    demo.dispose()
    with ApiStandIn(telegram_answer).running() as telegram, \
            ApiStandIn(slack_answer).running() as slack:
        env = {
            "PENPAL_CONFIG": str(PROJECT / "penpal.yml"),
            "PENPAL_DATABASE_URL": database_url,
            "PENPAL_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
            "PENPAL_TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
            "PENPAL_TELEGRAM_API_URL": telegram.url,
            "PENPAL_TELEGRAM_WEBHOOK_URL": "https://penpal.example/webhooks/telegram/webhook",
            "PENPAL_TELEGRAM_BOT_USERNAME": BOT_USERNAME,
            "PENPAL_SLACK_TOKEN": SLACK_TOKEN,
            "PENPAL_SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
            "PENPAL_SLACK_API_URL": f"{slack.url}/api/",
            # Flood control on, with room for these tests' own pace (test_flood.py).
            "PENPAL_RATE_PER_SENDER": str(SENDER_PER_MINUTE),
            "PENPAL_BURST_PER_SENDER": str(SENDER_BURST),
            "PENPAL_RATE_PER_ADDRESS": str(ADDRESS_PER_MINUTE),
            "PENPAL_BURST_PER_ADDRESS": str(ADDRESS_BURST),
        }
        with running_stack(
            PROJECT, MODEL, workdir / "servers", env=env,
            credentials=PROJECT / "credentials.yml",
            tracker_store={"type": "SQL", "dialect": "sqlite", "db": str(workdir / "tracker.db")},
        ) as stack:
            yield Channels(stack, telegram, slack)

