from alembic import command
from sqlalchemy import inspect

from penpal.db import Database, upgrade
from penpal.db.migrate import alembic_config, is_current

NEWSLETTER_TABLES = {"newsletter_subscriptions", "newsletter_tokens", "topic_follows",
                     "follow_notices", "broadcasts", "broadcast_deliveries"}


def test_the_newsletter_migration_goes_down_and_up_again(db: Database) -> None:
    assert set(inspect(db.engine).get_table_names()) >= NEWSLETTER_TABLES

    command.downgrade(alembic_config(db.url), "0004")
    tables = set(inspect(db.engine).get_table_names())
    assert not NEWSLETTER_TABLES & tables and "rsvps" in tables

    upgrade(db.url)
    assert is_current(db.url)
    assert set(inspect(db.engine).get_table_names()) >= NEWSLETTER_TABLES
