from actions.profile import ActionAskRememberName, ActionForgetName, ActionRememberName
from penpal.readers import Readers
from tests.support.rasa import responses, run, tracker


def test_asks_before_remembering_a_name() -> None:
    asked = run(ActionAskRememberName(), tracker(slots={"reader_name": "Anna"}))[0]
    assert responses(asked) == ["utter_ask_remember_name"]
    missed = run(ActionAskRememberName(), tracker(slots={"reader_name": None}))[0]
    assert responses(missed) == ["utter_name_not_caught"]


def test_remembers_the_name_when_the_reader_agrees(app_db) -> None:
    state = tracker(sender="tg-1", slots={"reader_name": "Anna"}, channel="telegram")
    assert responses(run(ActionRememberName(), state)[0]) == ["utter_name_remembered"]
    assert Readers(app_db).profile("tg-1").name == "Anna"


def test_keeps_nothing_when_the_reader_declines(app_db) -> None:
    state = tracker(sender="tg-2", slots={"reader_name": "Ben"})
    assert responses(run(ActionForgetName(), state)[0]) == ["utter_name_not_kept"]
    assert Readers(app_db).profile("tg-2") is None


def test_a_database_failure_is_told_honestly(config_path, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PENPAL_DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    state = tracker(slots={"reader_name": "Anna"})
    assert responses(run(ActionRememberName(), state)[0]) == ["utter_name_not_saved"]
