import pytest
from sqlalchemy import select

from penpal.db import Database
from penpal.db.models import ConsentRecord
from penpal.readers import Readers, clean_name


@pytest.mark.parametrize(
    ("raw", "name"),
    [("Anna", "Anna"), ("  mary   ann! ", "mary ann"), ("José", "José"), ("", None),
     (None, None), ("!!!", None), ("🙂", None), ("x" * 101, None)],
)
def test_clean_name(raw, name) -> None:
    assert clean_name(raw) == name


def test_an_unknown_conversation_has_no_profile_and_creates_nothing(db: Database) -> None:
    readers = Readers(db)
    assert readers.profile("never-seen") is None
    with db.session() as session:
        assert session.execute(select(ConsentRecord)).first() is None


def test_a_remembered_name_comes_back_with_a_consent_record(db: Database) -> None:
    readers = Readers(db)
    assert readers.remember_name("tg-7", "telegram", " Priya ") == "Priya"
    assert readers.profile("tg-7").name == "Priya"
    readers.forget_name("tg-7", "telegram")
    assert readers.profile("tg-7").name is None
    with db.session() as session:
        consents = session.execute(select(ConsentRecord).order_by(ConsentRecord.id)).scalars()
        assert [(c.purpose, c.granted, c.channel) for c in consents] == [
            ("remember_name", True, "telegram"),
            ("remember_name", False, "telegram"),
        ]


def test_personalization_is_off_until_the_reader_says_yes(db: Database) -> None:
    readers = Readers(db)
    assert readers.personalization_choice("web-9") is None
    readers.set_personalization("web-9", "rest", True)
    assert readers.personalization_choice("web-9") is True
    readers.set_personalization("web-9", "rest", False)
    assert readers.personalization_choice("web-9") is False
