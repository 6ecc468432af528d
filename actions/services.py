"""The library objects the actions share, built on first use by :mod:`penpal.services`.

The database URL and penpal.yml path come from the environment
(PENPAL_DATABASE_URL, PENPAL_CONFIG), so tests and deployments point the same
code at their own data. The action server's plug-in (``rasa_sdk_plugins``) uses
these too, to build the recommender's index and check the migrations at start-up.
"""

from __future__ import annotations

from functools import cache

from penpal import services as library
from penpal.config import PenpalConfig, current_config
from penpal.db import Database, shared_database
from penpal.handoff import HandoffDesk
from penpal.newsletter import Newsletter
from penpal.readers import Readers
from penpal.recommend.service import RecommendationService


def database() -> Database:
    """One Database (one connection pool) per PENPAL_DATABASE_URL for the process."""
    return shared_database()


def config() -> PenpalConfig:
    """penpal.yml as it is now: edits apply without a restart."""
    return current_config()


def migrated_database() -> Database:
    """The database, or NotMigrated / StoreUnavailable (:func:`penpal.services.migrated`)."""
    return library.migrated(database())


@cache
def _recommendations(db: Database) -> RecommendationService:
    return library.recommendations(db)


def recommendations() -> RecommendationService:
    """One service per database: it keeps the catalogue index in memory."""
    return _recommendations(database())


def readers() -> Readers:
    return library.readers(database())


def handoff_desk() -> HandoffDesk:
    return library.handoff_desk(database(), config())


def newsletter() -> Newsletter:
    return library.newsletter(database(), config())
