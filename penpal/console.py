"""What every `penpal` command shares: the terminal, penpal.yml and the app database."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from penpal.config import DEFAULT_CONFIG_PATH, ConfigError, PenpalConfig, load_config
from penpal.db import Database, StoreUnavailable, database_url
from penpal.services import UPGRADE_HINT, NotMigrated, migrated

console = Console()
ConfigOption = typer.Option(DEFAULT_CONFIG_PATH, "--config", "-c", help="penpal.yml to use.")


def writer_config(path: Path) -> PenpalConfig:
    """penpal.yml, or exit 2 with the field that is wrong."""
    try:
        return load_config(path)
    except ConfigError as error:
        console.print(f"[red]penpal.yml is not valid:[/red] {escape(str(error))}")
        raise typer.Exit(2) from error


def app_database() -> Database:
    """The app database, or exit 2 if it lacks migrations (it is never changed silently)
    or cannot be reached."""
    db = Database(database_url())
    try:
        return migrated(db)
    except NotMigrated as error:
        db.dispose()
        console.print(f"[red]The app database is not up to date:[/red] {UPGRADE_HINT}.")
        raise typer.Exit(2) from error
    except StoreUnavailable as error:
        db.dispose()
        console.print(f"[red]Penpal cannot use the app database:[/red] {escape(str(error))}. "
                      "Is PENPAL_DATABASE_URL right?")
        raise typer.Exit(2) from error
