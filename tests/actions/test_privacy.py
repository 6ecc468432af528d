import re

from rasa_sdk.events import AllSlotsReset, SlotSet
from sqlalchemy import select

from actions.privacy import (
    ActionAskForget,
    ActionCompleteLink,
    ActionExportData,
    ActionForgetMe,
    ActionKeepMe,
    ActionShowMyData,
    ActionStartLink,
    ActionUnlink,
)
from penpal.db import Database
from penpal.db.models import Reader
from penpal.privacy import export_for_token
from penpal.readers import Readers
from tests.privacy.scan import app_database_text
from tests.support.rasa import responses, run, tracker


def test_a_stranger_is_told_nothing_is_kept(app_db: Database) -> None:
    for action in (ActionShowMyData(), ActionExportData()):
        assert responses(run(action, tracker(sender="stranger"))[0]) == ["utter_nothing_stored"]


def test_what_do_you_know_summarises_and_export_links_to_everything(app_db: Database) -> None:
    Readers(app_db).remember_name("web-1", "rest", "Anna")
    messages, _ = run(ActionShowMyData(), tracker(sender="web-1"))
    assert responses(messages) == ["utter_my_data_intro", None, "utter_my_data_outro"]
    assert "Anna" in messages[1]["text"]

    [link], _ = run(ActionExportData(), tracker(sender="web-1"))
    assert link["response"] == "utter_export_link" and link["hours"] == 24
    token = re.search(r"/export/(\S+)$", link["link"]).group(1)
    export = export_for_token(app_db, token)
    assert "Anna" in str(export) and "web-1" in str(export)
    assert token not in app_database_text(app_db)  # only its hash is kept


def test_forget_me_asks_first_and_erases_on_yes(app_db: Database) -> None:
    Readers(app_db).remember_name("web-2", "rest", "Ben")
    messages, events = run(ActionAskForget(), tracker(sender="web-2"))
    assert responses(messages) == ["utter_ask_forget"]
    assert SlotSet("confirm_forget", True) in events
    kept, events = run(ActionKeepMe(), tracker(sender="web-2"))
    assert responses(kept) == ["utter_not_forgotten"] and events == [
        SlotSet("confirm_forget", False)]
    assert Readers(app_db).profile("web-2").name == "Ben"

    messages, events = run(ActionForgetMe(), tracker(sender="web-2"))
    assert responses(messages) == ["utter_forgotten"]
    assert events == [AllSlotsReset(), SlotSet("writer_name", "Mira Kestrel")]
    assert Readers(app_db).profile("web-2") is None
    with app_db.session() as session:
        assert session.execute(select(Reader)).first() is None


def test_linking_two_chats_shares_the_profile_and_unlinking_separates_them(
    app_db: Database,
) -> None:
    Readers(app_db).remember_name("tg-1", "telegram", "Chidi")
    [shown], _ = run(ActionStartLink(), tracker(sender="tg-1", channel="telegram"))
    code = shown["code"]
    assert re.fullmatch(r"\d{6}", code)

    wrong = "000000" if code != "000000" else "111111"
    assert responses(run(ActionCompleteLink(), tracker(
        sender="slack-1", channel="slack", entities={"code": wrong}))[0]) == ["utter_link_wrong"]
    assert responses(run(ActionCompleteLink(), tracker(
        sender="slack-1", entities={"code": "12"}))[0]) == ["utter_link_no_code"]
    assert responses(run(ActionCompleteLink(), tracker(
        sender="slack-1", channel="slack", entities={"code": code}))[0]) == ["utter_link_done"]
    assert Readers(app_db).profile("slack-1").name == "Chidi"

    assert responses(run(ActionUnlink(), tracker(sender="slack-1"))[0]) == ["utter_unlinked"]
    assert Readers(app_db).profile("slack-1").name is None
    assert Readers(app_db).profile("tg-1").name == "Chidi"
    assert responses(run(ActionUnlink(), tracker(sender="slack-1"))[0]) == ["utter_not_linked"]


def test_an_unreachable_database_gets_an_apology(config_path, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PENPAL_DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    assert responses(run(ActionShowMyData(), tracker())[0]) == ["utter_privacy_unavailable"]
