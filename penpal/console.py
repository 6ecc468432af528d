"""What every `penpal` command shares: the terminal, penpal.yml and the app database."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from penpal.config import DEFAULT_CONFIG_PATH, ConfigError, PenpalConfig, load_config
from penpal.db import Database, database_url
from penpal.db.migrate import is_current

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
    """The app database, or exit 2 if it lacks migrations (it is never changed silently)."""
    url = database_url()
    if not is_current(url):
        console.print("[red]The app database is not up to date:[/red] run `penpal db upgrade`.")
        raise typer.Exit(2)
    return Database(url)
