"""Telling the writer about a reader's request: a webhook, an email, or both."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Any

import requests

from penpal.config import HandoffSettings

log = logging.getLogger(__name__)


class NotificationError(Exception):
    """No configured route accepted the notification."""


class WriterNotifier:
    """Delivers a handoff to the writer through every configured route."""

    def __init__(self, settings: HandoffSettings) -> None:
        self._settings = settings

    @property
    def configured(self) -> bool:
        return bool(self._settings.webhook_url or self._settings.email)

    def send(self, payload: dict[str, Any]) -> None:
        """Send to each route; succeed if at least one route took it."""
        failures: list[str] = []
        delivered = 0
        for name, route in (("webhook", self._post_webhook), ("email", self._send_email)):
            if not self._route_configured(name):
                continue
            try:
                route(payload)
                delivered += 1
            except (requests.RequestException, OSError, smtplib.SMTPException) as error:
                failures.append(f"{name}: {type(error).__name__}")
        if failures:
            log.warning("handoff %s: notification route failed: %s",
                        payload.get("request_id"), "; ".join(failures))
        if delivered == 0:
            raise NotificationError("; ".join(failures) or "no notification route configured")

    def _route_configured(self, name: str) -> bool:
        return bool(self._settings.webhook_url if name == "webhook" else self._settings.email)

    def _post_webhook(self, payload: dict[str, Any]) -> None:
        response = requests.post(
            str(self._settings.webhook_url), json=payload, timeout=self._settings.timeout_seconds
        )
        response.raise_for_status()

    def _send_email(self, payload: dict[str, Any]) -> None:
        message = EmailMessage()
        message["From"] = self._settings.smtp_sender
        message["To"] = self._settings.email
        message["Subject"] = f"Penpal: a reader asked for you (request #{payload['request_id']})"
        message.set_content(_email_body(payload))
        with smtplib.SMTP(
            self._settings.smtp_host, self._settings.smtp_port,
            timeout=self._settings.timeout_seconds,
        ) as smtp:
            smtp.send_message(message)


def _email_body(payload: dict[str, Any]) -> str:
    lines = [
        f"A reader asked to talk to you (request #{payload['request_id']}).",
        "",
        f"Reply to: {payload['contact']}",
        "",
        "Their message:",
        payload["message"],
        "",
        "The conversation so far:",
    ]
    lines += [f"  {turn['speaker']}: {turn['text']}" for turn in payload["transcript"]]
    return "\n".join(lines) + "\n"
