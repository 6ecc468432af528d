from datetime import timedelta

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, inspect, select

from penpal.db import Database, upgrade
from penpal.db.migrate import alembic_config, is_current
from penpal.db.models import Base, Recommendation, utcnow
from penpal.newsletter.tokens import digest
from penpal.privacy import LinkStatus, complete_link, export_for_token
from penpal.recommend.service import RecommendationService
from tests.privacy.scan import app_database_text

PRIVACY_TABLES = {"export_links", "link_codes", "try_counters", "pending_erasures"}
EXPORT_TOKEN = "Xq3v-export-token-as-0005-handed-it-out-1234"
PICK_TOKEN = "pick-token-from-0005"
BUSY = "rest:busy-guesser"

# The tables as revision 0005 left them.
OLD = MetaData()
readers = Table("readers", OLD, Column("id", Integer), Column("created_at", DateTime(True)))
items = Table("items", OLD, *(Column(name, String) for name in (
    "source", "external_id", "url", "title", "summary", "kind", "content_hash")),
    Column("id", Integer), Column("imported_at", DateTime(True)),
    Column("updated_at", DateTime(True)))
export_links = Table("export_links", OLD, Column("token", String), Column("reader_id", Integer),
                     Column("created_at", DateTime(True)), Column("expires_at", DateTime(True)))
recommendations = Table("recommendations", OLD, Column("token", String),
                        Column("item_id", Integer), Column("reason", String),
                        Column("created_at", DateTime(True)))
link_attempts = Table("link_attempts", OLD, Column("conversation_id", String),
                      Column("tries", Integer), Column("window_started_at", DateTime(True)))


def test_the_privacy_migration_goes_down_and_up_again(db: Database) -> None:
    assert set(inspect(db.engine).get_table_names()) >= PRIVACY_TABLES

    command.downgrade(alembic_config(db.url), "0002")
    assert not PRIVACY_TABLES & set(inspect(db.engine).get_table_names())

    upgrade(db.url)
    assert is_current(db.url)
    assert set(inspect(db.engine).get_table_names()) >= PRIVACY_TABLES


def test_the_migrated_schema_is_what_the_models_say(db: Database) -> None:
    with db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_links_sent_before_tokens_were_hashed_keep_working(db: Database) -> None:
    command.downgrade(alembic_config(db.url), "0005")
    now = utcnow()
    with db.engine.begin() as connection:
        connection.execute(readers.insert().values(id=1, created_at=now))
        connection.execute(items.insert().values(
            id=1, source="test", external_id="1", url="https://writer.example/maps",
            title="Maps", summary="", kind="article", content_hash="1", imported_at=now,
            updated_at=now))
        connection.execute(export_links.insert().values(
            token=EXPORT_TOKEN, reader_id=1, created_at=now, expires_at=now + timedelta(hours=1)))
        connection.execute(recommendations.insert().values(
            token=PICK_TOKEN, item_id=1, reason="because", created_at=now))
        connection.execute(link_attempts.insert().values(
            conversation_id=BUSY, tries=5, window_started_at=now - timedelta(minutes=1)))

    upgrade(db.url)

    stored = app_database_text(db)
    assert EXPORT_TOKEN not in stored and PICK_TOKEN not in stored
    assert digest(EXPORT_TOKEN) in stored and digest(PICK_TOKEN) in stored
    assert export_for_token(db, EXPORT_TOKEN)["profile"]["id"] == 1
    service = RecommendationService(db)
    assert service.click(PICK_TOKEN) == "https://writer.example/maps"
    assert service.explain(PICK_TOKEN) == "because"
    with db.session() as session:
        assert session.execute(select(Recommendation.clicked_at)).scalar_one() is not None
    # The old counter still holds: that conversation used its five tries.
    assert complete_link(db, "123456", BUSY, "rest").status is LinkStatus.BLOCKED
    assert complete_link(db, "123456", "rest:other", "rest").status is LinkStatus.WRONG

    command.downgrade(alembic_config(db.url), "0005")  # rows stay; the links cannot
    with db.engine.connect() as connection:
        assert connection.execute(select(recommendations.c.token)).scalar_one() == (
            digest(PICK_TOKEN))
        assert connection.execute(select(link_attempts.c.tries).where(
            link_attempts.c.conversation_id == BUSY)).scalar_one() == 6
