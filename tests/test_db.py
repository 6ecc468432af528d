import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError

from penpal.config import HandoffSettings
from penpal.contact import ContactRoute
from penpal.db import Database
from penpal.db.migrate import is_current
from penpal.db.models import Base, ChannelIdentity, ConsentRecord, HandoffRequest, Reader
from penpal.handoff import HandoffDesk, Turn
from penpal.notify import WriterNotifier
from penpal.readers import Readers


def test_migrations_create_every_model_table(db: Database) -> None:
    assert is_current(db.url)
    tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_one_conversation_belongs_to_one_reader(db: Database) -> None:
    with pytest.raises(IntegrityError), db.session() as session:
        for _ in range(2):
            session.add(ChannelIdentity(reader=Reader(), conversation_id="tg-1"))
            session.flush()


def test_erasing_a_reader_erases_everything_about_them(db: Database) -> None:
    Readers(db).remember_name("web-42", "rest", "Anna")
    desk = HandoffDesk(db, WriterNotifier(HandoffSettings()))
    desk.submit("web-42", "rest", "Hello Mira", ContactRoute("email", "anna@example.org"),
                [Turn("reader", "hi"), Turn("bot", "hello")])
    Readers(db).remember_name("web-43", "rest", "Ben")  # someone else stays

    with db.session() as session:
        reader = session.execute(
            select(Reader).join(ChannelIdentity).where(ChannelIdentity.conversation_id == "web-42")
        ).scalar_one()
        session.delete(reader)

    with db.session() as session:
        for model in (Reader, ChannelIdentity, ConsentRecord, HandoffRequest):
            rows = session.execute(select(model)).scalars().all()
            assert all("web-42" not in repr(vars(row)) and "Anna" not in repr(vars(row))
                       for row in rows), model.__tablename__
        assert session.scalar(select(func.count(HandoffRequest.id))) == 0
        assert session.scalar(select(func.count(Reader.id))) == 1
