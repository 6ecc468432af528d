"""Tracked links (``/r/<token>``): each shown pick is a row keyed by its token.

Only the token's SHA-256 is kept: the token is in the link handed out, nowhere else.
"""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from penpal.db.models import Recommendation
from penpal.newsletter.tokens import digest


def add_tracked_pick(
    session: Session, item_id: int, reader_id: int | None, reason: str
) -> str:
    """Keep a shown pick (``reader_id`` only with consent); the token for its link."""
    token = secrets.token_urlsafe(16)
    session.add(Recommendation(
        token_hash=digest(token), reader_id=reader_id, item_id=item_id, reason=reason
    ))
    return token


def with_token(token: str) -> ColumnElement:
    """The condition that finds the pick behind ``token``."""
    return Recommendation.token_hash == digest(token)
