"""Penpal's speed-ups to Rasa give Rasa's own results: replies checked, events resolved."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses

import penpal.channels  # noqa: F401  (what every Penpal Rasa server imports)
from penpal.rasa_patches.action_results import REJECTED_REPLY_HINT, reply_validator
from penpal.rasa_patches.event_types import _resolve_by_walking

VALID_REPLIES: list[dict[str, Any]] = [
    {},
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "reader_name", "value": "Ann"}],
     "responses": [{"text": "Hi Ann 👋", "buttons": [{"title": "Events", "payload": "/events"}]}]},
    {"events": [{"event": "followup", "name": "action_listen"}, {"event": "restart"}]},
]
INVALID_REPLIES: list[dict[str, Any]] = [
    {"events": "not a list"},
    {"events": [{"event": "slot"}]},
    {"events": [{"event": "no_such_event"}]},
    {"responses": ["a bare string"]},
]


def rasa_check(reply: dict[str, Any]) -> bool:
    return RemoteAction("action_answer_faq", None)._validate_action_result(reply)


def test_importing_penpals_connectors_applies_the_speed_ups() -> None:
    assert RemoteAction._validate_action_result.__module__ == "penpal.rasa_patches.action_results"
    assert Event.resolve_by_type.__module__ == "penpal.rasa_patches.event_types"


@pytest.mark.parametrize("reply", VALID_REPLIES)
def test_valid_replies_pass_as_they_do_with_jsonschema_validate(reply: dict[str, Any]) -> None:
    jsonschema.validate(reply, RemoteAction.action_response_format_spec())
    assert rasa_check(reply) is True


@pytest.mark.parametrize("reply", INVALID_REPLIES)
def test_invalid_replies_fail_with_the_same_error_as_rasas_own_check(
    reply: dict[str, Any],
) -> None:
    with pytest.raises(jsonschema.ValidationError) as expected:
        jsonschema.validate(reply, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError) as raised:
        rasa_check(reply)
    assert raised.value.message == expected.value.message + REJECTED_REPLY_HINT
    assert list(raised.value.absolute_path) == list(expected.value.absolute_path)


def test_the_schema_is_checked_once_not_on_every_reply(monkeypatch: pytest.MonkeyPatch) -> None:
    schema = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(schema)
    check_schema = validator_class.check_schema
    checked: list[dict[str, Any]] = []

    def counting_check(checked_schema: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        checked.append(checked_schema)
        check_schema(checked_schema, *args, **kwargs)

    monkeypatch.setattr(validator_class, "check_schema", counting_check)
    reply_validator.cache_clear()
    for reply in VALID_REPLIES * 5:
        rasa_check(reply)
    assert checked == [schema]


EVENT_NAMES = sorted({event_class.type_name for event_class in all_subclasses(Event)})


@pytest.mark.parametrize("name", EVENT_NAMES)
def test_every_event_name_resolves_to_rasas_own_answer(name: str) -> None:
    first, again = Event.resolve_by_type(name), Event.resolve_by_type(name)
    assert first is again is _resolve_by_walking(name)
    assert first.type_name == name


def test_unknown_names_defaults_and_old_topics_behave_as_in_rasa() -> None:
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        Event.resolve_by_type("no_such_event")  # the default above was not remembered
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("user", default=SlotSet) is UserUttered


def test_stored_events_come_back_equal() -> None:
    events = [
        UserUttered("hi 👋", {"name": "greet", "confidence": 0.9}),
        SlotSet("reader_name", "Ann"),
    ]
    assert [Event.from_parameters(event.as_dict()) for event in events] == events
