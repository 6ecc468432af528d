"""Answers about the writer, composed from penpal.yml (never hard-coded)."""

from __future__ import annotations

from penpal.config import FAQ_TOPICS, PenpalConfig


class UnknownTopic(KeyError):
    """No FAQ topic by that name."""


def answer(config: PenpalConfig, topic: str) -> str:
    """The writer's answer for ``topic``, with the links that belong to it."""
    if topic not in FAQ_TOPICS:
        raise UnknownTopic(topic)
    lines = [config.faq[topic]]
    if topic == "buy":
        lines += [
            f"• {book.title}: " + ", ".join(f"{link.label} {link.url}" for link in book.buy_links)
            for book in config.books
            if book.buy_links
        ]
    elif topic == "contact":
        lines += [f"• {link.label}: {link.url}" for link in config.writer.links]
    return "\n".join(lines)
