"""Reading a reader's choices: their email address, topics and frequency."""

from __future__ import annotations

import re
from collections.abc import Sequence

from email_validator import EmailNotValidError, validate_email

ALL_WORDS = re.compile(r"\b(all|everything|any|every topic|all of them|whatever)\b", re.I)


class InvalidEmail(ValueError):
    """Not a usable email address; the message says why."""


def parse_email(text: str) -> str:
    """The address, normalised (lower-cased, for one subscription per address).

    Syntax only: no DNS at run time.
    """
    candidate = (text or "").strip().strip("<>.,;")
    if not candidate:
        raise InvalidEmail("it was empty")
    if "@" not in candidate:
        raise InvalidEmail("an email address needs an @ sign")
    try:
        checked = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidEmail(str(error)) from error
    return checked.normalized.lower()


def pick_topics(text: str, known: Sequence[str]) -> list[str]:
    """The known topics named in ``text``; all of them for "all" or "everything"."""
    lowered = (text or "").lower()
    named = [topic for topic in known if re.search(rf"\b{re.escape(topic)}\b", lowered)]
    if named:
        return named
    return list(known) if ALL_WORDS.search(lowered) else []


def pick_frequency(text: str, choices: Sequence[str]) -> str | None:
    """The frequency named in ``text`` ("weekly", "once a month", "monthly please")."""
    lowered = (text or "").lower()
    for choice in choices:
        stem = choice.removesuffix("ly")  # weekly -> week, monthly -> month
        if re.search(rf"\b({re.escape(choice)}|{re.escape(stem)}s?)\b", lowered):
            return choice
    return None
