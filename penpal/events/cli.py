"""`penpal events ...`: the writer's events from the console."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from enum import Enum
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from penpal.console import app_database, console
from penpal.db.clock import utcnow
from penpal.events.ics import DEFAULT_TIMEOUT
from penpal.events.importer import import_source
from penpal.events.queries import EventFilter, upcoming
from penpal.events.records import EVENT_KINDS, EventError, EventRecord
from penpal.events.store import add_event, cancel_event

events_app = typer.Typer(help="Your events: add, list, import, cancel.", no_args_is_help=True)
# Built from EVENT_KINDS, the one list of kinds; mypy sees no members in an Enum() not
# written out as literals, so members are looked up by name: Kind["reading"].
Kind = Enum("Kind", {kind: kind for kind in EVENT_KINDS}, type=str)  # type: ignore[misc]


def _fail(error: Exception) -> typer.Exit:
    console.print(f"[red]{escape(str(error))}[/red]")
    return typer.Exit(1)


@events_app.command("import")
def import_command(
    source: Annotated[str, typer.Argument(help="An ICS file or an http(s) URL.")],
    zone: Annotated[str, typer.Option(
        "--timezone", help="Time zone of times that carry none.")] = "UTC",
    timeout: Annotated[float, typer.Option(
        "--timeout", min=0.1, help="Seconds a URL may take to fetch.")] = DEFAULT_TIMEOUT,
) -> None:
    """Import events from iCalendar; importing again updates them (by UID)."""
    db = app_database()
    try:
        summary = import_source(db, source, zone, timeout)
    except EventError as error:
        raise _fail(error) from error
    finally:
        db.dispose()
    table = Table("new", "updated", "unchanged", "cancelled", "rejected", title=Text(source))
    table.add_row(*(str(count) for count in (summary.new, summary.updated, summary.unchanged,
                                             summary.cancelled, len(summary.rejected))))
    console.print(table)
    for uid, reason in summary.rejected:
        console.print(Text(f"rejected {uid}: {reason}"))


@events_app.command("add")
def add_command(
    title: Annotated[str, typer.Argument(help="The event's title.")],
    start: Annotated[str, typer.Option(
        "--start", help="Local start, like 2026-12-05T19:00.")],
    zone: Annotated[str, typer.Option("--timezone", help="IANA time zone.")] = "UTC",
    minutes: Annotated[int, typer.Option("--minutes", min=1, help="How long it lasts.")] = 90,
    kind: Annotated[Kind, typer.Option("--kind", "-k")] = Kind["reading"],
    venue: Annotated[str | None, typer.Option("--venue")] = None,
    city: Annotated[str | None, typer.Option("--city")] = None,
    online_url: Annotated[str | None, typer.Option("--online", help="Online link.")] = None,
    capacity: Annotated[int | None, typer.Option("--capacity", min=1)] = None,
    topics: Annotated[list[str] | None, typer.Option("--topic", "-t")] = None,
    description: Annotated[str, typer.Option("--description")] = "",
) -> None:
    """Add one event by hand."""
    try:
        starts_at = datetime.fromisoformat(start).replace(tzinfo=ZoneInfo(zone))
    except (ValueError, ZoneInfoNotFoundError) as error:
        raise _fail(ValueError(f"bad --start or --timezone: {error}")) from error
    record = EventRecord(
        uid=f"console-{uuid.uuid4().hex}", title=title, starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes), timezone=zone, kind=kind.value,
        description=description, venue=venue, city=city, online_url=online_url,
        capacity=capacity, topics=tuple(topic.lower() for topic in topics or ()),
    )
    db = app_database()
    try:
        event = add_event(db, record)
    except EventError as error:
        raise _fail(error) from error
    finally:
        db.dispose()
    console.print(f"Added event #{event.id}: {escape(event.title)}, {event.when()}.")


@events_app.command("list")
def list_command(
    limit: Annotated[int, typer.Option("--limit", min=1)] = 50,
) -> None:
    """Show upcoming events with their sign-ups."""
    db = app_database()
    try:
        events = upcoming(db, EventFilter(), utcnow(), limit)
    finally:
        db.dispose()
    table = Table("#", "when (local)", "kind", "title", "where", "going", "capacity")
    for event in events:
        table.add_row(str(event.id), event.when(), event.kind, Text(event.title),
                      Text(event.where()), str(event.seats_taken),
                      "" if event.capacity is None else str(event.capacity))
    console.print(table)


@events_app.command("cancel")
def cancel_command(event_id: Annotated[int, typer.Argument(help="The event's #.")]) -> None:
    """Cancel an event: everyone who signed up is told on their channel."""
    db = app_database()
    try:
        event, told = cancel_event(db, event_id)
    except EventError as error:
        raise _fail(error) from error
    finally:
        db.dispose()
    console.print(f"Cancelled #{event.id} {escape(event.title)}; {told} reader(s) will be told.")
