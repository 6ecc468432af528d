"""Which channels credentials.yml turns on: Telegram and Slack only with their secrets."""

from __future__ import annotations

import logging

import pytest
from rasa.core.run import configure_app, create_http_input_channels
from sanic import Sanic

from tests.channels.conftest import PROJECT

SECRETS = {
    "PENPAL_TELEGRAM_TOKEN": "123456:TEST-token",
    "PENPAL_TELEGRAM_SECRET_TOKEN": "telegram-secret",
    "PENPAL_SLACK_TOKEN": "xoxb-test",
    "PENPAL_SLACK_SIGNING_SECRET": "slack-secret",
}


def routes_with(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> set[str]:
    """The URL paths Rasa serves with the project's credentials.yml and ``env``."""
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(Sanic, "test_mode", True)  # several apps of the same name
    channels = create_http_input_channels(None, str(PROJECT / "credentials.yml"))
    app = configure_app(channels, cors="*")
    return {"/" + route.path for route in app.router.routes}


def test_without_secrets_only_rest_and_web_chat_are_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="penpal.channels")
    routes = routes_with(monkeypatch, {"PENPAL_TELEGRAM_TOKEN": "123456:TEST-token"})

    assert {"/webhooks/rest/webhook", "/socket.io", "/chat"} <= routes
    assert not [route for route in routes if "telegram" in route or "slack" in route]
    assert [r.getMessage() for r in caplog.records if r.name.startswith("penpal.channels")] == [
        "Telegram channel is off: set PENPAL_TELEGRAM_SECRET_TOKEN to turn it on",
        "Slack channel is off: set PENPAL_SLACK_TOKEN and PENPAL_SLACK_SIGNING_SECRET"
        " to turn it on",
    ]


def test_with_their_secrets_telegram_and_slack_are_on(monkeypatch: pytest.MonkeyPatch) -> None:
    routes = routes_with(monkeypatch, SECRETS)
    assert {"/webhooks/telegram/webhook", "/webhooks/slack/webhook", "/chat"} <= routes
