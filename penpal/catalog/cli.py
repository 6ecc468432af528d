"""`penpal content ...`: the writer's catalogue from the console."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from penpal.catalog.errors import ImportFailed
from penpal.catalog.fetch import DEFAULT_TIMEOUT
from penpal.catalog.importer import import_source
from penpal.catalog.lookup import write_topic_lookup
from penpal.catalog.queries import catalog_items
from penpal.catalog.store import CatalogImportSummary
from penpal.catalog.sync import sync_feeds
from penpal.config import DEFAULT_CONFIG_PATH
from penpal.console import app_database, console, writer_config
from penpal.db.models import ITEM_KINDS

content_app = typer.Typer(help="Your catalogue: import, sync, list.", no_args_is_help=True)
# Built from ITEM_KINDS, the one list of kinds; mypy sees no members in an Enum() not
# written out as literals, so members are looked up by name: Kind["article"].
Kind = Enum("Kind", {kind: kind for kind in ITEM_KINDS}, type=str)  # type: ignore[misc]


def _print_summary(summary: CatalogImportSummary) -> None:
    if summary.not_modified:
        console.print("Not modified since the last import (HTTP 304): nothing to do.")
        return
    table = Table("new", "updated", "unchanged", "rejected", title=Text(summary.source))
    table.add_row(*(str(count) for count in (
        summary.new, summary.updated, summary.unchanged, len(summary.rejected))))
    console.print(table)
    if summary.rejected:
        reasons = Table("entry", "why it was rejected", title="Rejected entries")
        for ref, reason in summary.rejected:
            reasons.add_row(Text(ref), Text(reason))
        console.print(reasons)


@content_app.command("import")
def import_command(
    source: Annotated[str, typer.Argument(
        help="An http(s) URL or a file: .csv, .json, else an RSS or Atom feed.")],
    kind: Annotated[Kind, typer.Option(
        "--kind", "-k", help="Kind of the entries that do not say.")] = Kind["article"],
    topics: Annotated[list[str] | None, typer.Option(
        "--topic", "-t", help="A topic added to every entry (repeatable).")] = None,
    timeout: Annotated[float, typer.Option(
        "--timeout", min=0.1, help="Seconds a URL may take to fetch.")] = DEFAULT_TIMEOUT,
) -> None:
    """Import your work from a feed, a CSV or a JSON file; importing again updates it."""
    db = app_database()
    columns = (TextColumn("Importing"), BarColumn(), MofNCompleteColumn())
    try:
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task("import", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            summary = import_source(db, source, kind=kind.value, topics=topics or (),
                                    timeout=timeout, progress=advance)
    except ImportFailed as error:
        console.print(f"[red]Import failed:[/red] {escape(str(error))}")
        raise typer.Exit(1) from error
    finally:
        db.dispose()
    _print_summary(summary)


@content_app.command()
def sync(
    force: Annotated[bool, typer.Option(
        "--force", help="Import every feed now, without asking the server what changed.")
    ] = False,
    config_path: Annotated[Path, typer.Option(
        "--config", "-c", envvar="PENPAL_CONFIG", help="penpal.yml to use.")
    ] = DEFAULT_CONFIG_PATH,
) -> None:
    """Import the feeds in penpal.yml (catalog.feeds) that are due."""
    config = writer_config(config_path)
    if not config.catalog.feeds:
        console.print("No feeds in penpal.yml (catalog.feeds): nothing to sync.")
        return
    db = app_database()
    try:
        results = sync_feeds(db, config, force=force)
    finally:
        db.dispose()
    table = Table("feed", "status", "new", "updated", "unchanged", "rejected", "error")
    for result in results:
        counts = (["", "", "", ""] if result.summary is None else [
            str(result.summary.new), str(result.summary.updated),
            str(result.summary.unchanged), str(len(result.summary.rejected))])
        table.add_row(Text(result.url), result.status, *counts, Text(result.error or ""))
    console.print(table)
    if any(result.status == "failed" for result in results):
        raise typer.Exit(1)


@content_app.command("list")
def list_command(
    topic: Annotated[str | None, typer.Option(
        "--topic", "-t", help="Only items on this topic.")] = None,
) -> None:
    """Show the catalogue, newest first."""
    db = app_database()
    try:
        items = catalog_items(db, topic)
    finally:
        db.dispose()
    table = Table("#", "kind", "min", "published", "title", "topics")
    for item in items:
        table.add_row(
            str(item.id), item.kind, str(item.minutes or ""),
            f"{item.published_at:%Y-%m-%d}" if item.published_at else "",
            Text(item.title), Text(", ".join(sorted(topic.topic for topic in item.topics))),
        )
    console.print(table)
    console.print(f"{len(items)} item(s).")


@content_app.command()
def lookup(
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="The NLU file to write, e.g. data/nlu/lookup_topic.yml.")],
) -> None:
    """Write the Rasa lookup table of the catalogue's topics (entity `topic`)."""
    db = app_database()
    try:
        topics = write_topic_lookup(db, out)
    finally:
        db.dispose()
    console.print(f"Wrote {len(topics)} topic(s) to {escape(str(out))}.")
