"""How often a secret typed in chat may be tried: counters in the app database.

A counter is one row per (scope, subject), so a limit holds across processes
and restarts. Its window is fixed: the first try opens it, it ends ``window``
later, and the next try after that opens a new one.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import DateTime, case, delete, literal, select
from sqlalchemy.orm import Session

from penpal.db.models import TryCounter
from penpal.db.upsert import upsert


@dataclass(frozen=True)
class Throttle:
    """At most ``limit`` tries per ``window`` for each subject of ``scope``."""

    scope: str
    limit: int
    window: timedelta

    def allows(self, session: Session, subject: str, moment: datetime) -> bool:
        """Count one try by ``subject``; whether it is within the limit.

        The upsert locks the counter's row until commit, so concurrent tries queue.
        """
        window_open = TryCounter.window_ends_at > moment
        ends = moment + self.window
        upsert(
            session, TryCounter,
            {"scope": self.scope, "subject": subject, "tries": 1, "window_ends_at": ends},
            key=[TryCounter.scope, TryCounter.subject],
            changes={
                "tries": case((window_open, TryCounter.tries + 1), else_=1),
                "window_ends_at": case(
                    (window_open, TryCounter.window_ends_at),
                    else_=literal(ends, DateTime(timezone=True)),
                ),
            },
        )
        tries = session.execute(select(TryCounter.tries).where(
            TryCounter.scope == self.scope, TryCounter.subject == subject
        )).scalar_one()
        return tries <= self.limit


# Linking conversations (penpal.privacy.linking): per conversation, and per source
# (the channel a conversation belongs to), however many conversations it has.
LINK_CODE_TRIES = Throttle("link_code", 5, timedelta(minutes=10))
LINK_CODE_SOURCE_TRIES = Throttle("link_code_source", 30, timedelta(minutes=10))
# The newsletter's confirmation code typed in chat, per conversation.
NEWSLETTER_CODE_TRIES = Throttle("newsletter_code", 5, timedelta(minutes=15))
# Throttles whose subject is a conversation id: their counters go with the conversation.
PER_CONVERSATION = (LINK_CODE_TRIES, NEWSLETTER_CODE_TRIES)


def forget_conversations(session: Session, conversation_ids: Collection[str]) -> None:
    """Delete the counters that name these conversations."""
    if conversation_ids:
        session.execute(delete(TryCounter).where(
            TryCounter.scope.in_([throttle.scope for throttle in PER_CONVERSATION]),
            TryCounter.subject.in_(list(conversation_ids)),
        ))
