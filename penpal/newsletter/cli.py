"""`penpal newsletter ...` and `penpal broadcast`: the writer's side of the list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from sqlalchemy import select

from penpal.console import ConfigOption, app_database, console, writer_config
from penpal.db.models import NewsletterSubscription, SubscriptionStatus
from penpal.newsletter import broadcast as broadcasts
from penpal.newsletter import mailer_for, newsletter_for
from penpal.push import RasaPusher

newsletter_app = typer.Typer(help="Newsletter subscribers.", no_args_is_help=True)


@newsletter_app.command("list")
def list_subscribers(
    status: Annotated[str | None, typer.Option(help=", ".join(SubscriptionStatus))] = None,
) -> None:
    """Show subscribers with their status and whether the provider has them."""
    db = app_database()
    query = select(NewsletterSubscription).order_by(NewsletterSubscription.id)
    if status:
        query = query.where(NewsletterSubscription.status == status)
    table = Table("#", "email", "status", "frequency", "topics", "signed up", "provider")
    with db.session() as session:
        for row in session.execute(query).scalars():
            synced = ("waiting: " + (row.sync_error or "")) if row.sync_due else (
                row.sync_error or "ok")
            table.add_row(str(row.id), row.email, row.status, row.frequency,
                          ", ".join(row.topics or []), f"{row.consented_at:%Y-%m-%d %H:%M}",
                          escape(synced))
    console.print(table)


@newsletter_app.command("sync")
def sync(config_path: Path = ConfigOption) -> None:
    """Send confirmation emails and provider updates that could not go out before."""
    report = newsletter_for(app_database(), writer_config(config_path)).deliver_due()
    console.print(f"confirmation emails sent: {report.mailed} (failed {report.mail_failed}); "
                  f"provider updates: {report.synced} (failed {report.sync_failed})")


def broadcast(
    segment: Annotated[str, typer.Argument(help=broadcasts.SEGMENT_HELP)],
    message: Annotated[str | None, typer.Option("--message", "-m")] = None,
    item: Annotated[int | None, typer.Option(help="A catalogue item's id.")] = None,
    event: Annotated[int | None, typer.Option(help="An event's id.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only show who would get it.")] = False,
    config_path: Path = ConfigOption,
) -> None:
    """Send a message, an item or an event to a segment; a rerun never sends twice."""
    try:
        chosen = broadcasts.parse_segment(segment)
        db = app_database()
        plan = broadcasts.plan(db, chosen, message, item, event)
    except ValueError as error:
        console.print(f"[red]{escape(str(error))}[/red]")
        raise typer.Exit(2) from error
    if dry_run:
        console.print(escape(plan.text))
        table = Table("reader", "via", "conversation or address")
        for recipient in plan.to_send:
            table.add_row(str(recipient.reader_id), recipient.via or "",
                          recipient.conversation_id or recipient.email or "")
        console.print(table)
        console.print(f"would send to {len(plan.to_send)}; already reached {plan.already}; "
                      f"unreachable {plan.unreachable} (no push channel, no newsletter address)")
        return
    config = writer_config(config_path)
    with Progress(TextColumn("sending"), BarColumn(), MofNCompleteColumn(),
                  console=console) as progress:
        task = progress.add_task("sending", total=len(plan.to_send))
        report = broadcasts.send(
            db, chosen, RasaPusher(), mailer_for(config), str(config.public_url),
            message, item, event, progress=lambda _recipient: progress.advance(task),
        )
    console.print(f"sent {report.sent}, failed {report.failed} (run again to retry them), "
                  f"already reached before {report.already}, unreachable {report.unreachable}")
    if report.failed:
        raise typer.Exit(1)
