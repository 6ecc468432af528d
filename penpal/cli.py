"""The writer's console: `penpal --help`."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path

import typer
from rich.table import Table

from penpal.catalog.cli import content_app
from penpal.console import ConfigOption, app_database, console, writer_config
from penpal.db import database_url
from penpal.db.migrate import upgrade
from penpal.events.cli import events_app
from penpal.handoff import HandoffDesk
from penpal.logfilter import install as install_log_filter
from penpal.newsletter.cli import broadcast, newsletter_app
from penpal.privacy.cli import privacy_app
from penpal.scheduler import DEFAULT_TICK_SECONDS, tick
from penpal.scheduler import run as run_scheduler
from penpal.services import handoff_desk

app = typer.Typer(help="Penpal, the writer's console.", no_args_is_help=True)
db_app = typer.Typer(help="The app database.", no_args_is_help=True)
handoff_app = typer.Typer(help="Readers' messages for you.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(handoff_app, name="handoff")
app.add_typer(content_app, name="content", help="The writer's catalogue: import, sync, list.")
app.add_typer(privacy_app, name="privacy", help="Readers' data: export, forget, purge.")
app.add_typer(events_app, name="events", help="Your events: add, list, import, cancel.")
app.add_typer(newsletter_app, name="newsletter", help="Newsletter subscribers: list, sync.")
app.command("broadcast")(broadcast)


@app.callback()
def keep_personal_data_out_of_logs() -> None:
    # Runs before every command, and before it configures any logging.
    install_log_filter()


@app.command()
def check(config_path: Path = ConfigOption) -> None:
    """Validate penpal.yml and bring the app database up to date."""
    config = writer_config(config_path)
    upgrade(database_url())
    console.print(
        f"penpal.yml OK: {config.writer.name}, {len(config.books)} books, "
        f"{len(config.topics)} topics, retention {config.retention_days} days."
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to the app database."""
    upgrade(database_url())
    console.print("App database is up to date.")


def _desk(config_path: Path) -> HandoffDesk:
    config = writer_config(config_path)
    return handoff_desk(app_database(), config)


@handoff_app.command("list")
def handoff_list(config_path: Path = ConfigOption) -> None:
    """Show readers' requests to talk to you, newest last."""
    table = Table("#", "received", "status", "reply to", "message")
    for request in _desk(config_path).all_requests():
        table.add_row(
            str(request.id), f"{request.created_at:%Y-%m-%d %H:%M}", request.status,
            request.contact, request.message[:80],
        )
    console.print(table)


@handoff_app.command("retry")
def handoff_retry(config_path: Path = ConfigOption) -> None:
    """Notify you again of requests whose notification did not get through."""
    sent, failed = _desk(config_path).retry_pending()
    console.print(f"Notified: {sent}. Still pending: {failed}.")
    if failed:
        raise typer.Exit(1)


@app.command()
def scheduler(
    once: bool = typer.Option(False, help="Run one round and exit."),
    every: float = typer.Option(DEFAULT_TICK_SECONDS, min=1, help="Seconds between rounds."),
) -> None:
    """Run background jobs (feed sync, history erasure, retention) until stopped."""
    db = app_database()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if once:
        tick(db)
        return
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    run_scheduler(db, stop, every)
