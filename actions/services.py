"""The library objects the actions share, built on first use.

The database URL and penpal.yml path come from the environment
(PENPAL_DATABASE_URL, PENPAL_CONFIG), so tests and deployments point the same
code at their own data.
"""

from __future__ import annotations

from functools import cache

from penpal.config import PenpalConfig, current_config
from penpal.db import Database, database_at, database_url, shared_database
from penpal.handoff import HandoffDesk
from penpal.notify import WriterNotifier
from penpal.readers import Readers
from penpal.recommend.service import RecommendationService


def database() -> Database:
    return shared_database()


def config() -> PenpalConfig:
    return current_config()


@cache
def _recommendations(url: str) -> RecommendationService:
    return RecommendationService(database_at(url))


def recommendations() -> RecommendationService:
    """One service per database: it keeps the catalogue index in memory."""
    return _recommendations(database_url())


def readers() -> Readers:
    return Readers(database())


def handoff_desk() -> HandoffDesk:
    return HandoffDesk(database(), WriterNotifier(config().handoff))
