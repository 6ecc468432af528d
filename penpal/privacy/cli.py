"""`penpal privacy`: the writer's side of readers' privacy requests."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer

from penpal.config import ConfigError, load_config
from penpal.console import ConfigOption, app_database, console
from penpal.db import Database
from penpal.privacy.broker import erasure_notices
from penpal.privacy.erasure import forget_reader
from penpal.privacy.export import export_reader
from penpal.privacy.lookup import AmbiguousReader, resolve_reader
from penpal.privacy.retention import purge_expired
from penpal.privacy.tracker import (
    DEFAULT_GRACE_SECONDS,
    erase_conversations,
    purge_conversation_history,
    tracker_store_url,
)

privacy_app = typer.Typer(
    help="Readers' data: export, forget, retention.", no_args_is_help=True
)
ReaderArgument = typer.Argument(
    ..., help="A reader id or a conversation id (or reader:ID / conversation:ID)."
)
OutOption = typer.Option(None, "--out", "-o", help="Write the JSON to this file.")


def _reader_id(db: Database, ref: str) -> int:
    with db.session() as session:
        try:
            reader_id = resolve_reader(session, ref)
        except AmbiguousReader:
            console.print(f"{ref} is a reader id and another reader's conversation: "
                          f"say reader:{ref} or conversation:{ref}.")
            raise typer.Exit(2) from None
    if reader_id is None:
        console.print(f"Nothing is kept about {ref}.")
        raise typer.Exit(1)
    return reader_id


def _erase_history(db: Database, queued: int) -> int:
    """Erase queued conversation histories, waiting out the grace period for new ones.

    Erasing with no grace could race a "forget me" turn that Rasa is still saving.
    """
    if queued:
        with console.status("Erasing conversation history..."):
            time.sleep(DEFAULT_GRACE_SECONDS)
    return erase_conversations(tracker_store_url(), db, notices=erasure_notices())


@privacy_app.command("export")
def export(
    reader: str = ReaderArgument,
    out: Path | None = OutOption,
) -> None:
    """Print everything kept about a reader, as JSON."""
    db = app_database()
    data = json.dumps(export_reader(db, _reader_id(db, reader)), indent=2, ensure_ascii=False)
    if out is None:
        typer.echo(data)
    else:
        out.write_text(data + "\n", encoding="utf-8")
        console.print(f"Written to {out}.")


@privacy_app.command("forget")
def forget(
    reader: str = ReaderArgument,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Erase a reader and everything about them, including their conversation history."""
    db = app_database()
    reader_id = _reader_id(db, reader)
    if not yes:
        typer.confirm(f"Erase reader {reader_id} and everything about them?", abort=True)
    report = forget_reader(db, reader_id)
    events = _erase_history(db, report.conversations)
    for line in report.lines():
        console.print(line)
    console.print(f"conversation events erased from Rasa's history: {events}")


@privacy_app.command("purge")
def purge(
    config_path: Path = ConfigOption,
) -> None:
    """Erase what is older than the retention period in penpal.yml."""
    try:
        retention_days = load_config(config_path).retention_days
    except ConfigError as error:
        console.print(f"[red]penpal.yml is not valid:[/red] {error}")
        raise typer.Exit(2) from error
    db = app_database()
    report = purge_expired(db, retention_days)
    events = _erase_history(db, report.conversations)
    old = purge_conversation_history(tracker_store_url(), retention_days)
    console.print(f"Retention: {retention_days} days.")
    for line in report.lines():
        console.print(line)
    console.print(f"conversation events erased (readers above, and requests): {events}")
    console.print(f"conversation events older than {retention_days} days erased: {old}")


@privacy_app.command("erase-conversations")
def erase_now(
    grace_seconds: float = typer.Option(
        DEFAULT_GRACE_SECONDS, min=0, help="Leave requests younger than this for the next run."
    ),
) -> None:
    """Erase the conversation history of forgotten readers from Rasa's tracker store now."""
    events = erase_conversations(tracker_store_url(), app_database(), grace_seconds,
                                 notices=erasure_notices())
    console.print(f"Conversation events erased: {events}.")
