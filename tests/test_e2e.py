"""End to end: the trained model, the Rasa server and the action server, over REST."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import requests
import yaml
from sqlalchemy import select, text

from penpal.db import Database
from penpal.db.models import Feedback, HandoffRequest, Item, Recommendation
from penpal.newsletter.tokens import digest
from tests.support.devstack import Stack
from tests.support.servers import RecordingWebhook
from tests.support.stack import PROJECT, SharedPenpal

APOLOGY = yaml.safe_load((PROJECT / "credentials.yml").read_text())[
    "penpal.channels.rest.PenpalRestInput"]["apology"]

pytestmark = pytest.mark.e2e


def texts(replies: list[dict]) -> list[str]:
    return [reply.get("text", "") for reply in replies]


@pytest.fixture(scope="module")
def stack(shared: SharedPenpal) -> Stack:
    return shared.stack


@pytest.fixture(scope="module")
def webhook(shared: SharedPenpal) -> RecordingWebhook:
    return shared.webhook


@pytest.fixture(scope="module")
def workdir(shared: SharedPenpal) -> Path:
    return shared.workdir


@pytest.fixture(scope="module")
def app_db(shared: SharedPenpal) -> Database:
    return shared.database


def test_a_new_reader_is_told_it_is_a_bot_then_greeted(stack: Stack) -> None:
    replies = texts(stack.say("greeter", "hello!"))
    assert replies[0].startswith("Hi, I'm Penpal, an automated assistant for Mira Kestrel")
    assert "Ask me about Mira Kestrel" in replies[1]
    assert texts(stack.say("greeter", "are you a bot?"))[0].startswith("Yes, I'm a bot")


def test_faq_answers_come_from_penpal_yml_and_follow_edits(stack: Stack, workdir: Path) -> None:
    replies = texts(stack.say("faq", "where can I buy her books?"))
    assert any("https://bookshop.example/salt-cartographer" in text for text in replies)
    config_path = workdir / "penpal.yml"
    written = config_path.read_text()
    config = yaml.safe_load(written)
    config["faq"]["press"] = "Press enquiries go to Rook Literary, rook@agency.example."
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True))
    try:
        replies = texts(stack.say("faq", "I'd like to interview Mira for a podcast"))
    finally:
        config_path.write_text(written)  # the other modules' Penpal is the demo writer's
    assert "Press enquiries go to Rook Literary, rook@agency.example." in replies


def test_what_can_you_do_offers_buttons(stack: Stack) -> None:
    replies = stack.say("helper", "what can you do?")
    reply = next(r for r in replies if "buttons" in r)
    assert {b["payload"] for b in reply["buttons"]} >= {"/faq_bio", "/request_human"}
    assert any("Mira Kestrel" in text for text in texts(stack.say("helper", "/faq_bio")))


def test_out_of_scope_gets_an_honest_no(stack: Stack) -> None:
    replies = texts(stack.say("oos", "can you order me a pizza with extra cheese?"))
    assert any(text.startswith("Sorry, I can't help with that") for text in replies)


def test_handoff_reaches_the_writer_with_the_transcript(
    stack: Stack, webhook: RecordingWebhook, app_db: Database
) -> None:
    stack.say("handoff", "hi")
    assert "What would you like me to pass on" in " ".join(
        texts(stack.say("handoff", "I want to talk to a real person")))
    assert "how can Mira Kestrel reach you" in " ".join(
        texts(stack.say("handoff", "Will there be a third Atlas book? 📚")))
    assert "doesn't look like an email address" in " ".join(
        texts(stack.say("handoff", "anna at example")))
    [done] = texts(stack.say("handoff", "anna@example.org"))
    assert "sent your message" in done and "anna@example.org" in done

    [payload] = [p for p in webhook.received if p["message"].startswith("Will there be")]
    assert payload["contact"] == "anna@example.org"
    assert f"#{payload['request_id']}" in done
    with app_db.session() as session:
        request = session.get(HandoffRequest, payload["request_id"])
        assert request.status == "notified"
        spoken = [turn["text"] for turn in request.transcript if turn["speaker"] == "reader"]
        assert spoken[:2] == ["hi", "I want to talk to a real person"]


def test_a_remembered_name_greets_the_reader_next_session(stack: Stack) -> None:
    assert "Shall I remember your name" in " ".join(texts(stack.say("named", "call me Priya")))
    assert "I'll greet you by name" in " ".join(texts(stack.say("named", "yes")))
    stack.say("named", "/session_start")
    assert any("Welcome back, Priya" in text for text in texts(stack.say("named", "hello")))


LINK = re.compile(r"https?://\S+/r/(\S+)")


def test_recommendations_links_feedback_and_why(
    stack: Stack, app_db: Database
) -> None:
    replies = stack.say("reader-rec", "anything short about worldbuilding?")
    cards = [reply for reply in replies if LINK.search(reply.get("text", ""))]
    assert 1 <= len(cards) <= 3
    assert {b["title"] for b in cards[0]["buttons"]} == {"More like this", "👍 Liked it",
                                                         "Not for me"}
    assert "Shall I remember what you like" in texts(replies)[-1]
    assert "I'll learn from what you like" in " ".join(texts(stack.say("reader-rec", "yes")))

    token = LINK.search(cards[0]["text"]).group(1)
    followed = requests.get(f"{stack.rasa_url}/r/{token}", allow_redirects=False, timeout=10)
    assert followed.status_code == 302
    with app_db.session() as session:
        shown = session.get(Recommendation, digest(token))
        item = session.get(Item, shown.item_id)
        assert followed.headers["Location"] == item.url
        assert shown.clicked_at is not None and shown.reader_id is None  # shown before consent
        assert {t.topic for t in item.topics} >= {"worldbuilding"}
        assert item.minutes <= 7
    assert requests.get(f"{stack.rasa_url}/r/not-a-token", timeout=10).status_code == 404

    liked = cards[0]["buttons"][1]["payload"]
    assert "remember that" in " ".join(texts(stack.say("reader-rec", liked)))
    with app_db.session() as session:
        assert [(f.kind, f.item_id) for f in session.execute(select(Feedback)).scalars()] == [
            ("liked", shown.item_id)]
    why = " ".join(texts(stack.say("reader-rec", "why did you pick that one?")))
    assert why.startswith("I picked")


def test_an_unknown_subject_is_admitted_with_the_known_topics(stack: Stack) -> None:
    replies = " ".join(texts(stack.say("reader-unknown", "do you have anything on tax law?")))
    assert "couldn't find anything" in replies and "worldbuilding" in replies


def tracker_events(workdir: Path, conversation_id: str) -> int:
    tracker_db = Database(f"sqlite:///{workdir / 'tracker.db'}")
    try:
        with tracker_db.engine.connect() as connection:
            return connection.execute(
                text("SELECT count(*) FROM events WHERE sender_id = :conversation"),
                {"conversation": conversation_id},
            ).scalar_one()
    finally:
        tracker_db.dispose()


def test_a_reader_sees_exports_and_erases_their_data(stack: Stack, workdir: Path) -> None:
    stack.say("reader-zoe", "call me Radu")
    stack.say("reader-zoe", "yes")
    known = " ".join(texts(stack.say("reader-zoe", "what do you know about me?")))
    assert "Radu" in known

    [link] = texts(stack.say("reader-zoe", "please export my data"))
    token = re.search(r"/export/(\S+)$", link).group(1)
    export = requests.get(f"{stack.rasa_url}/export/{token}", timeout=10)
    assert export.status_code == 200 and "attachment" in export.headers["Content-Disposition"]
    assert "Radu" in export.text and "reader-zoe" in export.text

    assert "erase everything" in " ".join(texts(stack.say("reader-zoe", "forget me")))
    assert tracker_events(workdir, "rest:reader-zoe") > 0
    assert "erased everything" in " ".join(texts(stack.say("reader-zoe", "yes")))
    assert requests.get(f"{stack.rasa_url}/export/{token}", timeout=10).status_code == 404
    deadline = time.monotonic() + 30
    while tracker_events(workdir, "rest:reader-zoe") and time.monotonic() < deadline:
        time.sleep(1)
    assert tracker_events(workdir, "rest:reader-zoe") == 0
    assert "Radu" not in " ".join(texts(stack.say("reader-zoe", "what do you know about me?")))


@pytest.mark.parametrize(
    "message",
    ["", "   ", "😀🎉📚", "x" * 10_000, "Was ist die Hauptstadt von Frankreich?",
     "<script>alert('hi')</script><b>bold</b>", "a " * 5_000],
    ids=["empty", "blank", "emoji", "10k-chars", "german", "markup", "10k-words"],
)
def test_bad_input_gets_a_sensible_reply(stack: Stack, message: str) -> None:
    replies = texts(stack.say("bad-input", message))
    assert replies and all(text.strip() for text in replies)
    assert APOLOGY not in replies


def test_both_servers_keep_their_start_up_objects_out_of_garbage_collection(
    stack: Stack,
) -> None:
    """Without it, full collections of ~900,000 objects stalled every reply for a second."""
    for log in ("rasa.log", "actions.log"):
        frozen = re.search(r"kept (\d+) start-up objects out of garbage collection",
                           (stack.workdir / log).read_text())
        assert frozen, f"{log} does not say the start-up objects were frozen"
        assert int(frozen.group(1)) > 100_000


def test_when_the_action_server_is_down_the_reader_gets_an_apology(
    shared: SharedPenpal,
) -> None:
    with shared.relay.cut():
        replies = texts(shared.stack.say("stranded", "tell me about the author"))
    # Rasa's core fallback (utter_default) or, failing that, the connector's apology
    assert len(replies) == 1
    assert replies[0].startswith("Sorry, something went wrong on my side")
    after = texts(shared.stack.say("stranded", "tell me about the author"))
    assert after and not any(text.startswith("Sorry, something went wrong") for text in after)
