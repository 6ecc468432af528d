"""Fixtures: the newsletter against a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from penpal.config import NewsletterSettings
from penpal.db import Database
from penpal.newsletter import Newsletter
from penpal.newsletter.providers import Provider, SmtpMailer, SmtpProvider
from tests.newsletter.support import ApiServer
from tests.support.devstack import free_port
from tests.support.servers import smtp_server

PUBLIC_URL = "http://127.0.0.1:5055"


@pytest.fixture
def smtp() -> Iterator[tuple[int, list[Any]]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def settings(smtp: tuple[int, list[Any]]) -> NewsletterSettings:
    return NewsletterSettings(smtp_host="127.0.0.1", smtp_port=smtp[0], retries=2)


@pytest.fixture
def inbox(smtp: tuple[int, list[Any]]) -> list[Any]:
    return smtp[1]


@pytest.fixture
def api() -> Iterator[ApiServer]:
    with ApiServer().running() as server:
        yield server


def make_newsletter(
    db: Database, settings: NewsletterSettings, provider: Provider | None = None
) -> Newsletter:
    return Newsletter(db, settings, PUBLIC_URL, SmtpMailer(settings, "Mira Kestrel"),
                      provider or SmtpProvider())


@pytest.fixture
def newsletter(db: Database, settings: NewsletterSettings) -> Newsletter:
    return make_newsletter(db, settings)


def closed_port_settings(settings: NewsletterSettings) -> NewsletterSettings:
    """The same settings with a mail server that is down (nothing listens)."""
    return settings.copy(update={"smtp_port": free_port()})
