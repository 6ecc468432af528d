"""Every action that calls the library fails soft through one guard (actions/guard.py)."""

from __future__ import annotations

import importlib
import inspect
import logging
import pkgutil
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

import actions
from actions.guard import GuardedAction, blocking_or
from penpal.db import StoreUnavailable
from tests.support.imports import imported_modules
from tests.support.rasa import responses, run, tracker

ACTIONS = Path(actions.__file__).parent
EMAIL, NAME = "anna.zed@example.org", "Annabel Zed"

# What each guarded action is given to reach the store, what it says when the store
# is down (None: nothing, it was a push the reader did not ask for) and which slots
# it still resets.
STORE_DOWN: dict[str, tuple[dict[str, Any], str | None, list[str]]] = {
    "action_show_my_data": ({}, "utter_privacy_unavailable", []),
    "action_export_data": ({}, "utter_privacy_unavailable", []),
    "action_forget_me": ({}, "utter_privacy_unavailable", []),
    "action_start_link": ({}, "utter_privacy_unavailable", []),
    "action_complete_link": ({"entities": {"code": "123456"}}, "utter_privacy_unavailable", []),
    "action_unlink": ({}, "utter_privacy_unavailable", []),
    "action_set_personalization": (
        {"intent": "affirm"}, "utter_personalize_unavailable", ["asked_to_personalize"]),
    "action_remember_name": (
        {"slots": {"reader_name": NAME}}, "utter_name_not_saved", []),
    "action_recommend": (
        {"intent": "find_content", "text": "anything about maps?"},
        "utter_recommend_unavailable", ["topic", "kind", "length"]),
    "action_follow_topic": (
        {"text": f"tell me about maps, {EMAIL}", "entities": {"topic": "maps"}},
        "utter_follow_failed", []),
    "action_follow_stop": ({"text": "stop the updates"}, "utter_follow_failed", []),
    "action_follow_list": ({}, "utter_follow_failed", []),
    "action_follow_notify_item": ({"entities": {"item_id": "1"}}, None, []),
    "action_submit_handoff": (
        {"slots": {"handoff_message": f"I'm {NAME}", "handoff_contact": EMAIL}},
        "utter_handoff_failed", ["handoff_message", "handoff_contact"]),
    "action_event_list": ({"text": "any events?"}, "utter_events_unavailable", []),
    "action_event_details": ({"entities": {"event_id": "1"}}, "utter_events_unavailable", []),
    "action_rsvp_list": ({}, "utter_events_unavailable", []),
    "action_rsvp_cancel": ({}, "utter_events_unavailable", []),
    "action_rsvp_submit": (
        {"slots": {"rsvp_event": "1", "rsvp_name": NAME, "rsvp_email": EMAIL}},
        "utter_rsvp_failed", ["rsvp_event", "rsvp_name", "rsvp_email"]),
    "action_event_notice": ({"entities": {"event_id": "1"}}, None, []),
    "action_newsletter_subscribe": (
        {"slots": {"newsletter_email": EMAIL, "newsletter_topics": "maps",
                   "newsletter_frequency": "weekly"}},
        "utter_newsletter_failed",
        ["newsletter_email", "newsletter_topics", "newsletter_frequency"]),
    "action_newsletter_confirm": (
        {"text": "my code is k7pm-2xqd"}, "utter_newsletter_failed", []),
    "action_newsletter_unsubscribe": ({}, "utter_newsletter_failed", []),
    "action_newsletter_change": (
        {"text": "make it monthly"}, "utter_newsletter_failed", []),
    "action_newsletter_broadcast": ({"entities": {"broadcast_id": "1"}}, None, []),
}
NOT_STORE_ACTIONS = {"action_answer_faq"}  # guarded against penpal.yml, tested in test_faq


def guarded_actions() -> dict[str, GuardedAction]:
    for module in pkgutil.iter_modules(actions.__path__):
        importlib.import_module(f"actions.{module.name}")
    found, pending = {}, list(GuardedAction.__subclasses__())
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if cls.__module__.startswith("actions.") and not inspect.isabstract(cls):
            found[cls().name()] = cls()
    return found


def test_no_action_module_touches_sqlalchemy() -> None:
    importers = sorted(
        path.name for path in ACTIONS.glob("*.py")
        if any(name.split(".")[0] == "sqlalchemy" for name in imported_modules(path))
    )
    assert importers == [], "actions catch penpal.db.StoreUnavailable, not SQLAlchemy's errors"


def test_every_guarded_action_is_checked_with_its_store_down() -> None:
    assert set(guarded_actions()) == set(STORE_DOWN) | NOT_STORE_ACTIONS


@pytest.fixture
def store_down(config_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The actions' database is a file in a folder that does not exist: it cannot open."""
    monkeypatch.setenv("PENPAL_DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'x.db'}")


@pytest.mark.parametrize("name", sorted(STORE_DOWN))
def test_with_the_store_down_an_action_apologises_instead_of_raising(
    name: str, store_down: None, caplog: pytest.LogCaptureFixture
) -> None:
    given, apology, reset = STORE_DOWN[name]
    caplog.set_level(logging.INFO)
    messages, events = run(guarded_actions()[name], tracker(sender="tg-5150", **given))
    assert responses(messages) == ([apology] if apology else [])
    assert events == [SlotSet(slot, False if slot == "asked_to_personalize" else None)
                      for slot in reset]
    logged = [record for record in caplog.records if record.name == "actions.guard"]
    assert [record.levelno for record in logged] == [logging.ERROR]  # one line
    line = logged[0].getMessage()
    assert name in line and "the app database is unavailable" in line
    assert logged[0].exc_info is None
    for personal in (EMAIL, NAME, "tg-5150", "maps", "monthly", "k7pm"):
        assert personal not in caplog.text


class Sample(GuardedAction):
    apology = "utter_sample_sorry"
    failures = (LookupError,)

    def __init__(self, error: Exception) -> None:
        self.error = error

    def name(self) -> str:
        return "action_sample"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        dispatcher.utter_message(response="utter_sample_started")
        raise self.error

    def safe_events(self, tracker: Tracker) -> list[EventType]:
        return [SlotSet("sample", None)]


def test_the_guard_apologises_for_listed_failures_and_lets_bugs_through(caplog) -> None:
    messages, events = run(Sample(KeyError(EMAIL)), tracker())
    assert responses(messages) == ["utter_sample_started", "utter_sample_sorry"]
    assert events == [SlotSet("sample", None)]
    assert "action_sample: KeyError" in caplog.text and EMAIL not in caplog.text
    with pytest.raises(ZeroDivisionError):
        run(Sample(ZeroDivisionError()), tracker())


def test_work_an_action_can_do_without_falls_back(caplog) -> None:
    import asyncio

    def down() -> None:
        raise StoreUnavailable("the app database is unavailable (OperationalError)")

    assert asyncio.run(blocking_or("fallback", "action_sample", down)) == "fallback"
    assert "action_sample: the app database is unavailable; carrying on" in caplog.text
