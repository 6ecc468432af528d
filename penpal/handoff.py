"""Handing a reader over to the writer: store the request, then notify.

The request is committed before anyone is notified, so a notification route
that is down loses nothing: ``penpal handoff retry`` sends what is pending.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from penpal.contact import ContactRoute
from penpal.db import Database
from penpal.db.clock import utcnow
from penpal.db.models import HandoffRequest, HandoffStatus
from penpal.notify import NotificationError, WriterNotifier
from penpal.readers import reader_for_conversation, record_consent

log = logging.getLogger(__name__)

MAX_MESSAGE_LENGTH = 4000
MAX_TRANSCRIPT_TURNS = 50
MAX_TURN_LENGTH = 1000
HANDOFF_PURPOSE = "handoff"


@dataclass(frozen=True)
class Turn:
    speaker: str  # "reader" or "bot"
    text: str


@dataclass(frozen=True)
class HandoffReceipt:
    request_id: int
    notified: bool


def _transcript_rows(turns: list[Turn]) -> list[dict[str, str]]:
    recent = [turn for turn in turns if turn.text.strip()][-MAX_TRANSCRIPT_TURNS:]
    return [{"speaker": turn.speaker, "text": turn.text[:MAX_TURN_LENGTH]} for turn in recent]


def _payload(request: HandoffRequest) -> dict[str, Any]:
    return {
        "request_id": request.id,
        "created_at": request.created_at.isoformat(),
        "message": request.message,
        "contact": request.contact,
        "transcript": request.transcript,
    }


class HandoffDesk:
    def __init__(self, db: Database, notifier: WriterNotifier) -> None:
        self._db = db
        self._notifier = notifier

    def submit(
        self,
        conversation_id: str,
        channel: str | None,
        message: str,
        contact: ContactRoute,
        transcript: list[Turn],
    ) -> HandoffReceipt:
        """Store the request (committed), then try to notify the writer once."""
        text = message.strip()
        if not text:
            raise ValueError("the message is empty")
        with self._db.session() as session:
            reader = reader_for_conversation(session, conversation_id, channel)
            record_consent(session, reader, HANDOFF_PURPOSE, True, channel)
            request = HandoffRequest(
                reader=reader,
                message=text[:MAX_MESSAGE_LENGTH],
                contact=contact.value,
                transcript=_transcript_rows(transcript),
            )
            session.add(request)
            session.flush()
            request_id = request.id
        log.info("handoff %s stored", request_id)
        return HandoffReceipt(request_id, self._notify(request_id))

    def retry_pending(self) -> tuple[int, int]:
        """Notify the writer of every request not yet delivered: (sent, failed)."""
        with self._db.session() as session:
            pending = session.execute(
                select(HandoffRequest.id).where(HandoffRequest.status == HandoffStatus.PENDING)
            ).scalars().all()
        sent = sum(self._notify(request_id) for request_id in pending)
        return sent, len(pending) - sent

    def all_requests(self) -> list[HandoffRequest]:
        """Every request, oldest first, whatever its status (for `penpal handoff list`)."""
        with self._db.session() as session:
            return list(
                session.execute(
                    select(HandoffRequest).order_by(HandoffRequest.id)
                ).scalars()
            )

    def _notify(self, request_id: int) -> bool:
        if not self._notifier.configured:
            log.warning("handoff %s waits: no notification route configured", request_id)
            return False
        with self._db.session() as session:
            request = session.get(HandoffRequest, request_id, with_for_update=True)
            if request is None or request.status != HandoffStatus.PENDING:
                return request is not None
            request.notify_attempts += 1
            try:
                self._notifier.send(_payload(request))
            except NotificationError:
                log.warning("handoff %s: writer not notified yet (attempt %s)",
                            request_id, request.notify_attempts)
                return False
            request.status = HandoffStatus.NOTIFIED
            request.notified_at = utcnow()
        log.info("handoff %s: writer notified", request_id)
        return True
