"""The library objects Penpal's front ends share, built one way for all of them.

The action server (``actions/services.py``, and through it its plug-in) and the
writer's console (``penpal.cli``) each choose a database and a penpal.yml; what
is built from them is built here. :func:`migrated` is the check both make before
they use the database: it is never migrated silently, only by ``penpal check``
and ``penpal db upgrade``.
"""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from penpal.config import PenpalConfig
from penpal.db import Database
from penpal.db.database import store_unavailable
from penpal.db.migrate import is_current
from penpal.handoff import HandoffDesk
from penpal.newsletter import Newsletter, newsletter_for
from penpal.notify import WriterNotifier
from penpal.readers import Readers
from penpal.recommend.service import RecommendationService

UPGRADE_HINT = "run `penpal db upgrade`"


class NotMigrated(Exception):
    """The app database lacks migrations: Penpal would miss tables or columns."""

    def __init__(self) -> None:
        super().__init__(f"the app database is not up to date: {UPGRADE_HINT}")


def migrated(db: Database) -> Database:
    """``db`` if every migration is applied; else NotMigrated (StoreUnavailable if
    the database cannot be reached to tell)."""
    try:
        current = is_current(db.url)
    except SQLAlchemyError as error:
        raise store_unavailable(error, "checking its migrations") from error
    if not current:
        raise NotMigrated()
    return db


def readers(db: Database) -> Readers:
    return Readers(db)


def handoff_desk(db: Database, config: PenpalConfig) -> HandoffDesk:
    """Readers' messages for the writer, notified as penpal.yml's ``handoff`` says."""
    return HandoffDesk(db, WriterNotifier(config.handoff))


def newsletter(db: Database, config: PenpalConfig) -> Newsletter:
    """The newsletter with penpal.yml's provider, mail server and public URL."""
    return newsletter_for(db, config)


def recommendations(db: Database) -> RecommendationService:
    """The recommender; it keeps the catalogue index in memory, so a long-running
    front end keeps one per database (``actions/services.py`` does)."""
    return RecommendationService(db)
