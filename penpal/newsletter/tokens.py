"""Secrets in newsletter emails: link tokens and the short code typed in chat.

A code looks like ``K7PM-2XQD`` (a letter first, letters and digits),
so it cannot be mistaken for a six-digit code that links conversations.
"""

from __future__ import annotations

import hashlib
import re
import secrets

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CODE_LENGTH = 8
_CODE_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])([A-Za-z2-9]{4})[- ]?([A-Za-z2-9]{4})(?![A-Za-z0-9])")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_code() -> str:
    """A code shown as XXXX-XXXX: letter first, with at least one digit.

    Starting with a letter keeps it clearly unlike the all-digit link codes,
    for the reader and for NLU.
    """
    letters = [ch for ch in CODE_ALPHABET if ch.isalpha()]
    while True:
        code = secrets.choice(letters) + "".join(
            secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH - 1))
        if any(ch.isdigit() for ch in code):
            return f"{code[:4]}-{code[4:]}"


def normalize_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def find_code(text: str) -> str | None:
    """A confirmation code written anywhere in ``text`` ("my code is k7pm-2xqd")."""
    for match in _CODE_IN_TEXT.finditer(text or ""):
        candidate = normalize_code(match.group(1) + match.group(2))
        if any(ch.isdigit() for ch in candidate) and any(ch.isalpha() for ch in candidate):
            return candidate
    return None
