"""The newsletter and follow actions with rasa-sdk's Tracker and CollectingDispatcher."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.follows import (
    ActionFollowList,
    ActionFollowNotifyItem,
    ActionFollowStop,
    ActionFollowTopic,
)
from actions.newsletter import (
    CONFIRM_RESPONSES,
    ActionAskNewsletterEmail,
    ActionAskNewsletterFrequency,
    ActionNewsletterBroadcast,
    ActionNewsletterChange,
    ActionNewsletterConfirm,
    ActionNewsletterSubscribe,
    ActionNewsletterUnsubscribe,
    ValidateNewsletterForm,
)
from penpal.db import Database
from penpal.db.clock import utcnow
from penpal.db.models import Broadcast, NewsletterSubscription, Recommendation
from penpal.newsletter.tokens import digest
from penpal.privacy.throttle import NEWSLETTER_CODE_TRIES
from tests.conftest import PROJECT
from tests.newsletter.support import confirm_code
from tests.newsletter.test_follows import add_item
from tests.privacy.scan import app_database_text
from tests.support.rasa import responses, run, tracker


@pytest.fixture
def mail(config_path: Path, inbox: list[Any], smtp: tuple[int, list[Any]]) -> list[Any]:
    """penpal.yml pointing the newsletter at the local SMTP server; yields its inbox."""
    data = yaml.safe_load(config_path.read_text())
    data["newsletter"].update(smtp_host="127.0.0.1", smtp_port=smtp[0])
    config_path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return inbox


def validate(slot: str, value: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    method = getattr(ValidateNewsletterForm(), f"validate_{slot}")
    return method(value, dispatcher, tracker(), {}), dispatcher.messages


def subscribe(sender: str = "web-1", email: str = "anna@example.org") -> list[dict[str, Any]]:
    slots = {"newsletter_email": email, "newsletter_topics": "maps, craft",
             "newsletter_frequency": "weekly"}
    messages, events = run(ActionNewsletterSubscribe(), tracker(sender=sender, slots=slots))
    assert {event["name"]: event["value"] for event in events} == dict.fromkeys(slots)
    return messages


def test_the_form_validates_email_topics_and_frequency(config_path: Path) -> None:
    assert validate("newsletter_email", " Anna@Example.org ")[0] == {
        "newsletter_email": "anna@example.org"}
    result, messages = validate("newsletter_email", "anna at example")
    assert result == {"newsletter_email": None}
    assert responses(messages) == ["utter_newsletter_email_invalid"]
    assert "@" in messages[0]["reason"]
    assert validate("newsletter_topics", "maps and Folklore please")[0] == {
        "newsletter_topics": "maps, folklore"}
    assert validate("newsletter_topics", "all of them")[0]["newsletter_topics"].startswith(
        "worldbuilding, craft")
    result, messages = validate("newsletter_topics", "cooking")
    assert result == {"newsletter_topics": None}
    assert "worldbuilding" in messages[0]["topics"]
    assert validate("newsletter_frequency", "once a month")[0] == {
        "newsletter_frequency": "monthly"}
    result, messages = validate("newsletter_frequency", "daily")
    assert result == {"newsletter_frequency": None}
    assert messages[0]["choices"] == "weekly or monthly"


def test_the_consent_text_is_shown_before_the_email_is_asked(config_path: Path) -> None:
    [message], _ = run(ActionAskNewsletterEmail(), tracker())
    assert message["response"] == "utter_ask_newsletter_email"
    assert "unsubscribe at any time" in message["consent"]
    [message], _ = run(ActionAskNewsletterFrequency(), tracker())
    assert [button["payload"] for button in message["buttons"]] == ["weekly", "monthly"]


def test_signup_confirm_by_code_and_a_duplicate(app_db: Database, mail: list[Any]) -> None:
    assert responses(subscribe()) == ["utter_newsletter_check_inbox"]
    assert responses(subscribe()) == ["utter_newsletter_already_pending"]
    code = confirm_code(mail[0])
    [message], _ = run(ActionNewsletterConfirm(), tracker(
        sender="web-1", intent="newsletter_confirm_code", text=f"my code is {code.lower()}"))
    assert message["response"] == "utter_newsletter_confirm_confirmed"
    assert "anna@example.org" not in str(message)
    assert responses(subscribe()) == ["utter_newsletter_already_subscribed"]
    for text, response in [("my code is ZZZZ-9999", "utter_newsletter_confirm_unknown"),
                           ("my code is", "utter_newsletter_code_missing")]:
        messages, _ = run(ActionNewsletterConfirm(), tracker(sender="web-1", text=text))
        assert responses(messages) == [response]


def test_a_code_typed_elsewhere_is_refused_and_no_reply_names_the_address(
    app_db: Database, mail: list[Any]
) -> None:
    subscribe(sender="rest:anna")
    typed = f"my code is {confirm_code(mail[0])}"

    said = []
    for sender in ["rest:stranger"] * (NEWSLETTER_CODE_TRIES.limit + 1) + ["rest:anna"] * 2:
        [message], _ = run(ActionNewsletterConfirm(), tracker(sender=sender, text=typed))
        said.append(message["response"])
        assert "anna@example.org" not in str(message)
    assert said == ["utter_newsletter_confirm_unknown"] * NEWSLETTER_CODE_TRIES.limit + [
        "utter_newsletter_confirm_blocked", "utter_newsletter_confirm_confirmed",
        "utter_newsletter_confirm_already"]
    domain = yaml.safe_load((PROJECT / "domain.yml").read_text())
    for response in CONFIRM_RESPONSES.values():
        assert "{email}" not in str(domain["responses"][response])


def test_a_mail_server_that_is_down_still_keeps_the_signup(
    app_db: Database, config_path: Path
) -> None:
    from tests.support.devstack import free_port

    data = yaml.safe_load(config_path.read_text())
    data["newsletter"].update(smtp_host="127.0.0.1", smtp_port=free_port())
    config_path.write_text(yaml.safe_dump(data, allow_unicode=True))
    assert responses(subscribe()) == ["utter_newsletter_mail_later"]
    with app_db.session() as session:
        row = session.execute(select(NewsletterSubscription)).scalar_one()
        assert (row.status, row.mail_due) == ("pending", True)


def test_change_and_unsubscribe_in_one_message_each(app_db: Database, mail: list[Any]) -> None:
    messages, _ = run(ActionNewsletterChange(), tracker(sender="web-1", text="make it monthly"))
    assert responses(messages) == ["utter_newsletter_not_subscribed"]
    subscribe()
    messages, _ = run(ActionNewsletterChange(), tracker(
        sender="web-1", text="only worldbuilding, monthly", entities={"topic": "worldbuilding"}))
    assert (messages[0]["response"], messages[0]["topics"], messages[0]["frequency"]) == (
        "utter_newsletter_changed", "worldbuilding", "monthly")
    messages, _ = run(ActionNewsletterChange(), tracker(sender="web-1", text="change it"))
    assert responses(messages) == ["utter_newsletter_change_what"]
    messages, _ = run(ActionNewsletterUnsubscribe(), tracker(sender="web-1"))
    assert (messages[0]["response"], messages[0]["email"]) == (
        "utter_newsletter_unsubscribed", "anna@example.org")
    messages, _ = run(ActionNewsletterUnsubscribe(), tracker(sender="web-1"))
    assert responses(messages) == ["utter_newsletter_not_subscribed"]


def test_follow_list_and_stop(app_db: Database) -> None:
    messages, _ = run(ActionFollowTopic(), tracker(
        sender="tg-1", channel="telegram", text="tell me when you post about worldbuilding",
        entities={"topic": "worldbuilding"}))
    assert (messages[0]["response"], messages[0]["topics"]) == (
        "utter_follow_started", "worldbuilding")
    assert len(messages) == 1  # telegram can be pushed to
    messages, _ = run(ActionFollowTopic(), tracker(sender="tg-1", channel="telegram",
                                                   text="follow worldbuilding"))
    assert responses(messages) == ["utter_follow_already"]
    messages, _ = run(ActionFollowTopic(), tracker(sender="rest-1", text="follow maps"))
    assert responses(messages) == ["utter_follow_started", "utter_follow_no_push"]
    messages, _ = run(ActionFollowTopic(), tracker(sender="tg-1", text="follow cooking",
                                                   entities={"topic": "cooking"}))
    assert responses(messages) == ["utter_follow_unknown_topic"]
    messages, _ = run(ActionFollowList(), tracker(sender="tg-1"))
    assert (messages[0]["response"], messages[0]["topics"]) == (
        "utter_follow_list", "worldbuilding")
    messages, _ = run(ActionFollowStop(), tracker(sender="tg-1", text="stop those updates"))
    assert (messages[0]["response"], messages[0]["topics"]) == (
        "utter_follow_stopped", "worldbuilding")
    messages, _ = run(ActionFollowList(), tracker(sender="tg-1"))
    assert responses(messages) == ["utter_follow_none"]


def test_a_new_item_notice_has_a_tracked_link(app_db: Database) -> None:
    run(ActionFollowTopic(), tracker(sender="tg-1", channel="telegram", text="follow maps"))
    item = add_item(app_db, "the-atlas", ["maps", "craft"], utcnow() + timedelta(seconds=1))
    [message], _ = run(ActionFollowNotifyItem(), tracker(
        sender="tg-1", intent="EXTERNAL_follow_new_item", entities={"item_id": str(item)}))
    assert (message["response"], message["title"], message["topics"]) == (
        "utter_follow_new_item", "the-atlas", "maps")
    token = message["link"].removeprefix("http://localhost:5005/r/")
    with app_db.session() as session:
        assert session.execute(select(Recommendation.token_hash)).scalar_one() == digest(token)
    assert token not in app_database_text(app_db)
    messages, _ = run(ActionFollowNotifyItem(), tracker(sender="tg-1",
                                                        entities={"item_id": "999"}))
    assert messages == []


def test_a_broadcast_is_said_as_the_writer_wrote_it(app_db: Database) -> None:
    with app_db.session() as session:
        row = Broadcast(key="k", segment="newsletter", message="The new book is out!")
        session.add(row)
        session.flush()
        broadcast_id = row.id
    [message], _ = run(ActionNewsletterBroadcast(), tracker(
        intent="EXTERNAL_newsletter_broadcast", entities={"broadcast_id": str(broadcast_id)}))
    assert message["text"] == "The new book is out!"
