"""Every row of every table, as text, to look for traces of a reader."""

from __future__ import annotations

from sqlalchemy import MetaData, create_engine, select

from penpal.db import Database
from penpal.db.models import Base


def app_database_text(db: Database) -> str:
    """Every row of every table the app's models know."""
    with db.session() as session:
        return "\n".join(
            repr(tuple(row))
            for table in Base.metadata.sorted_tables
            for row in session.execute(select(table))
        )


def tracker_store_text(url: str) -> str:
    """Every row of every table in Rasa's tracker store database, as it is there."""
    engine = create_engine(url, future=True)
    try:
        tables = MetaData()
        tables.reflect(engine)
        with engine.connect() as connection:
            return "\n".join(
                repr(tuple(row))
                for table in tables.sorted_tables
                for row in connection.execute(select(table))
            )
    finally:
        engine.dispose()


def traces(text: str, words: list[str]) -> list[str]:
    return [word for word in words if word.lower() in text.lower()]
