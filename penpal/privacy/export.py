"""Everything kept about a reader, as JSON, and a short summary of it for a chat."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from penpal.db import Database
from penpal.db.clock import utcnow
from penpal.db.models import (
    ChannelIdentity,
    ConsentRecord,
    DeliveryStatus,
    Feedback,
    HandoffRequest,
    Item,
    NoticeStatus,
    ReaderInterest,
    Recommendation,
)
from penpal.privacy.schema import (
    CREDENTIAL_TABLES,
    READERS,
    reader_tables,
    row_dict,
)

# Tables the named sections already tell about in summary_lines.
_SUMMARISED = frozenset({
    "channel_identities", "consent_records", "reader_interests", "feedback",
    "recommendations", "handoff_requests", "newsletter_subscriptions", "topic_follows",
    "rsvps", "event_notices", "follow_notices", "broadcast_deliveries",
})
# Messages Penpal sent a reader unasked: reminders, new work they follow, broadcasts.
_SENT_TO_READER = ("event_notices", "follow_notices", "broadcast_deliveries")
_PURPOSES = {
    "personalize": "personalisation",
    "remember_name": "remembering your name",
    "handoff": "passing your messages to the writer",
    "newsletter": "the newsletter",
}


class UnknownReader(LookupError):
    """No reader with that id (never created, or already erased)."""


def export_reader(db: Database, reader_id: int, now: datetime | None = None) -> dict[str, Any]:
    """Everything kept about the reader; raises UnknownReader when there is none."""
    with db.session() as session:
        return collect_export(session, reader_id, now)


def collect_export(
    session: Session, reader_id: int, now: datetime | None = None
) -> dict[str, Any]:
    profile = session.execute(
        select(READERS).where(READERS.c.id == reader_id)
    ).one_or_none()
    if profile is None:
        raise UnknownReader(reader_id)
    return {
        "exported_at": utcnow(now).isoformat(),
        "profile": row_dict(profile),
        "identities": _rows(session, select(
            ChannelIdentity.conversation_id, ChannelIdentity.channel, ChannelIdentity.created_at,
        ).where(ChannelIdentity.reader_id == reader_id).order_by(ChannelIdentity.id)),
        "consents": _rows(session, select(
            ConsentRecord.purpose, ConsentRecord.granted, ConsentRecord.channel,
            ConsentRecord.recorded_at,
        ).where(ConsentRecord.reader_id == reader_id).order_by(ConsentRecord.id)),
        "interests": _rows(session, select(
            ReaderInterest.topic, ReaderInterest.weight, ReaderInterest.updated_at,
        ).where(ReaderInterest.reader_id == reader_id)
            .order_by(ReaderInterest.weight.desc(), ReaderInterest.topic)),
        "feedback": _rows(session, select(
            Feedback.item_id, Item.title.label("item_title"), Feedback.kind, Feedback.created_at,
        ).join(Item, Item.id == Feedback.item_id)
            .where(Feedback.reader_id == reader_id).order_by(Feedback.id)),
        "recommendations": _rows(session, select(
            Recommendation.item_id, Item.title.label("item_title"), Recommendation.reason,
            Recommendation.created_at.label("shown_at"), Recommendation.clicked_at,
        ).join(Item, Item.id == Recommendation.item_id)
            .where(Recommendation.reader_id == reader_id)
            .order_by(Recommendation.created_at, Recommendation.token_hash)),
        "handoff_requests": _rows(session, select(
            HandoffRequest.message, HandoffRequest.contact, HandoffRequest.transcript,
            HandoffRequest.status, HandoffRequest.created_at, HandoffRequest.notified_at,
        ).where(HandoffRequest.reader_id == reader_id).order_by(HandoffRequest.id)),
        "tables": _every_reader_table(session, reader_id),
    }


def _rows(session: Session, query: Select) -> list[dict[str, Any]]:
    return [row_dict(row) for row in session.execute(query)]


def _every_reader_table(session: Session, reader_id: int) -> dict[str, list[dict[str, Any]]]:
    """Each table pointing at readers, its rows for this reader as they are stored."""
    dump = {}
    for linked in reader_tables():
        if linked.name in CREDENTIAL_TABLES:
            continue
        query = select(linked.table).where(or_(*(col == reader_id for col in linked.columns)))
        dump[linked.name] = _rows(session, query.order_by(*linked.table.primary_key.columns))
    return dump


def summary_lines(export: dict[str, Any]) -> list[str]:
    """A few readable lines about an export, short enough for one chat message."""
    name = export["profile"].get("display_name")
    lines = [f"Your name: {name}" if name else "No name kept"]
    identities = export["identities"]
    channels = sorted({row["channel"] for row in identities if row["channel"]})
    conversations = _count(len(identities), "conversation")
    lines.append(f"{conversations} ({', '.join(channels)})" if channels else conversations)
    if export["interests"]:
        lines.append("Interests: " + ", ".join(row["topic"] for row in export["interests"]))
    if export["feedback"]:
        lines.append(_count(len(export["feedback"]), "reaction") + " to picks")
    if shown := export["recommendations"]:
        opened = sum(1 for row in shown if row["clicked_at"])
        lines.append(_count(len(shown), "pick") + f" shown to you ({opened} opened)")
    if export["handoff_requests"]:
        lines.append(_count(len(export["handoff_requests"]), "message") + " to the writer")
    lines += _later_feature_lines(export["tables"])
    lines += [_consent_line(record) for record in _latest_consents(export["consents"])]
    others = [
        f"{name.replace('_', ' ')} ({len(rows)})"
        for name, rows in export["tables"].items()
        if rows and name not in _SUMMARISED
    ]
    if others:
        lines.append("Also kept: " + ", ".join(others))
    return lines


def _later_feature_lines(tables: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Newsletter, follows, events and what was sent, in words rather than table names."""
    lines = []
    for subscription in tables.get("newsletter_subscriptions") or []:
        topics = f", {', '.join(subscription['topics'])}" if subscription["topics"] else ""
        lines.append(f"Newsletter: {subscription['status']} ({subscription['frequency']}{topics})")
    if follows := tables.get("topic_follows"):
        lines.append("Following: " + ", ".join(row["topic"] for row in follows))
    if rsvps := tables.get("rsvps"):
        lines.append(_count(len(rsvps), "event sign-up"))
    sent = sum(
        1 for name in _SENT_TO_READER for row in tables.get(name) or []
        if row["status"] in (NoticeStatus.SENT, DeliveryStatus.SENT)
    )
    if sent:
        lines.append(_count(sent, "message") + " sent to you (reminders, new work, news)")
    return lines


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _latest_consents(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The newest answer per purpose (records come oldest first)."""
    return list({record["purpose"]: record for record in records}.values())


def _consent_line(record: dict[str, Any]) -> str:
    purpose = _PURPOSES.get(record["purpose"], record["purpose"].replace("_", " "))
    answer = "yes" if record["granted"] else "no"
    where = [record["recorded_at"][:10]] + ([record["channel"]] if record["channel"] else [])
    return f"Consent: {purpose} {answer} ({', '.join(where)})"

