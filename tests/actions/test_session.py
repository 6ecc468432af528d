from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet

from actions.session import ActionSessionStart
from penpal.readers import Readers
from tests.support.rasa import responses, run, tracker


def test_every_session_starts_with_the_disclosure(app_db) -> None:
    messages, events = run(ActionSessionStart(), tracker(sender="new-reader", events=[]))
    assert responses(messages) == ["utter_session_disclosure"]
    assert messages[0]["writer_name"] == "Mira Kestrel"
    assert events == [SessionStarted(), SlotSet("writer_name", "Mira Kestrel"),
                      ActionExecuted("action_listen")]


def test_a_reader_who_let_us_remember_their_name_is_known(app_db) -> None:
    Readers(app_db).remember_name("known-reader", "rest", "Anna")
    _, events = run(ActionSessionStart(), tracker(sender="known-reader", events=[]))
    assert SlotSet("reader_name", "Anna") in events


def test_the_profile_store_being_down_does_not_stop_the_session(
    config_path, monkeypatch, tmp_path
) -> None:
    monkeypatch.setenv("PENPAL_DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    messages, events = run(ActionSessionStart(), tracker(events=[]))
    assert responses(messages) == ["utter_session_disclosure"]
    assert events[-1] == ActionExecuted("action_listen")
