from alembic import command
from sqlalchemy import inspect

from penpal.db import Database, upgrade
from penpal.db.migrate import alembic_config, is_current

PRIVACY_TABLES = {"export_links", "link_codes", "link_attempts", "pending_erasures"}


def test_the_privacy_migration_goes_down_and_up_again(db: Database) -> None:
    assert set(inspect(db.engine).get_table_names()) >= PRIVACY_TABLES

    command.downgrade(alembic_config(db.url), "0002")
    assert not PRIVACY_TABLES & set(inspect(db.engine).get_table_names())

    upgrade(db.url)
    assert is_current(db.url)
    assert set(inspect(db.engine).get_table_names()) >= PRIVACY_TABLES
