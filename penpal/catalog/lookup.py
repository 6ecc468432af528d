"""The Rasa NLU lookup table for the ``topic`` entity, written from the catalogue."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from penpal.catalog.queries import topics_in_catalog
from penpal.db import Database


def topic_lookup_yaml(topics: Iterable[str]) -> str:
    """Rasa 3 NLU YAML with one ``lookup: topic`` table, one topic per line, sorted."""
    lines = "".join(f"    - {topic}\n" for topic in sorted(set(topics)))
    return f'version: "3.1"\nnlu:\n- lookup: topic\n  examples: |\n{lines}'


def write_topic_lookup(db: Database, path: str | Path) -> list[str]:
    """Write the lookup table of the catalogue's topics to ``path``; return the topics.

    The file is replaced atomically, so a training run never reads half of it.
    """
    topics = topics_in_catalog(db)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(topic_lookup_yaml(topics), encoding="utf-8")
    os.replace(temporary, path)
    return topics
