"""Reading the catalogue: its topics and its items."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from penpal.db import Database
from penpal.db.models import Item, ItemTopic


def topics_in_catalog(db: Database) -> list[str]:
    """Every topic some item has, sorted."""
    with db.session() as session:
        return list(session.execute(
            select(ItemTopic.topic).distinct().order_by(ItemTopic.topic)
        ).scalars())


def catalog_items(db: Database, topic: str | None = None) -> list[Item]:
    """Items (with their topics loaded), newest first; only ``topic``'s when given."""
    query = select(Item).options(selectinload(Item.topics))
    if topic:
        query = query.where(Item.topics.any(ItemTopic.topic == topic.strip().lower()))
    query = query.order_by(Item.published_at.is_(None), Item.published_at.desc(), Item.id.desc())
    with db.session() as session:
        return list(session.execute(query).scalars())
