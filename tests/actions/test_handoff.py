import yaml
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.handoff import ActionResetHandoff, ActionSubmitHandoff, ValidateHandoffForm
from penpal.db.models import ChannelIdentity, HandoffRequest
from tests.support.rasa import responses, run, tracker
from tests.support.servers import RecordingWebhook

CONVERSATION = [
    {"event": "user", "text": "hi", "input_channel": "rest"},
    {"event": "bot", "text": "Hello!"},
    {"event": "user", "text": "can I talk to Mira?", "input_channel": "rest"},
    {"event": "bot", "text": "What would you like me to pass on?"},
]


def submit_state(sender: str = "web-7", contact: str = "anna@example.org"):
    return tracker(
        sender=sender, events=CONVERSATION,
        slots={"handoff_message": "Will there be a third book?", "handoff_contact": contact},
    )


def use_webhook(config_path, url: str) -> None:
    data = yaml.safe_load(config_path.read_text())
    data["handoff"]["webhook_url"] = url
    config_path.write_text(yaml.safe_dump(data))


def validate(slot: str, value: str):
    dispatcher = CollectingDispatcher()
    method = getattr(ValidateHandoffForm(), f"validate_{slot}")
    return method(value, dispatcher, tracker(), {}), dispatcher.messages


def test_contact_is_validated_with_the_reason_given() -> None:
    assert validate("handoff_contact", " Anna@Example.org ")[0] == {
        "handoff_contact": "Anna@example.org"}
    result, messages = validate("handoff_contact", "anna@")
    assert result == {"handoff_contact": None}
    assert responses(messages) == ["utter_handoff_contact_invalid"]
    assert messages[0]["reason"]


def test_message_must_have_words_and_fit() -> None:
    assert validate("handoff_message", "  hello  ")[0] == {"handoff_message": "hello"}
    for text, response in [("   ", "utter_handoff_message_empty"),
                           ("x" * 4001, "utter_handoff_message_too_long")]:
        result, messages = validate("handoff_message", text)
        assert result == {"handoff_message": None}
        assert responses(messages) == [response]


def test_submit_stores_transcript_notifies_and_says_what_happens_next(
    app_db, config_path
) -> None:
    with RecordingWebhook().running() as hook:
        use_webhook(config_path, hook.url)
        [message], events = run(ActionSubmitHandoff(), submit_state())
    assert message["response"] == "utter_handoff_sent"
    assert message["contact"] == "anna@example.org"
    assert message["reply_within"] == "a few days"
    assert events == [SlotSet("handoff_message", None), SlotSet("handoff_contact", None)]
    [payload] = hook.received
    assert payload["message"] == "Will there be a third book?"
    with app_db.session() as session:
        request = session.execute(select(HandoffRequest)).scalar_one()
        identity = session.execute(select(ChannelIdentity)).scalar_one()
        assert request.id == message["request_id"] == payload["request_id"]
        assert request.transcript[1] == {"speaker": "bot", "text": "Hello!"}
        assert (identity.conversation_id, identity.channel) == ("web-7", "rest")


def test_without_a_notification_route_the_reader_hears_it_is_saved(app_db) -> None:
    messages, _ = run(ActionSubmitHandoff(), submit_state())
    assert responses(messages) == ["utter_handoff_saved"]


def test_a_storage_failure_is_admitted(config_path, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PENPAL_DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    messages, events = run(ActionSubmitHandoff(), submit_state())
    assert responses(messages) == ["utter_handoff_failed"]
    assert SlotSet("handoff_message", None) in events


def test_reset_clears_the_form_slots() -> None:
    _, events = run(ActionResetHandoff(), tracker())
    assert events == [SlotSet("handoff_message", None), SlotSet("handoff_contact", None)]
