"""Expiring secret links to a reader's export (served at ``/export/<token>``).

Only a token's SHA-256 is kept: the token itself is handed out once.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from penpal.db import Database
from penpal.db.clock import as_utc, utcnow
from penpal.db.models import ExportLink
from penpal.newsletter.tokens import digest
from penpal.privacy.export import collect_export

DEFAULT_TTL = timedelta(hours=24)
MAX_TOKEN_LENGTH = 64


def create_export_link(
    db: Database, reader_id: int, ttl: timedelta = DEFAULT_TTL, now: datetime | None = None
) -> str:
    """A new URL-safe token (43 characters) that opens the reader's export until ``ttl`` ends."""
    created = utcnow(now)
    token = secrets.token_urlsafe(32)
    with db.session() as session:
        session.add(ExportLink(token_hash=digest(token), reader_id=reader_id,
                               created_at=created, expires_at=created + ttl))
    return token


def export_for_token(
    db: Database, token: str, now: datetime | None = None
) -> dict[str, Any] | None:
    """The export behind a live token; None when it is unknown or expired (and then deleted)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    moment = utcnow(now)
    with db.session() as session:
        link = session.get(ExportLink, digest(token))
        if link is None:
            return None
        if as_utc(link.expires_at) <= moment:
            session.delete(link)
            return None
        return collect_export(session, link.reader_id, moment)
