from pathlib import Path

import pytest
from rasa_sdk.events import SlotSet
from sqlalchemy import func, select

from actions.consent import ActionSetPersonalization
from actions.content import ActionExplainPick, ActionFeedback, ActionRecommend
from penpal.catalog import import_file
from penpal.db import Database
from penpal.db.models import Feedback, Item, Recommendation
from tests.support.rasa import responses, run, tracker

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo" / "catalog.atom"


@pytest.fixture
def catalogue(app_db: Database) -> Database:
    import_file(app_db, str(DEMO))
    return app_db


def slots_of(events) -> dict:
    return {event["name"]: event["value"] for event in events if event["event"] == "slot"}


def pick_ids(messages) -> list[int]:
    return [int(m["buttons"][0]["payload"].split('"')[3]) for m in messages if m.get("buttons")
            and m["buttons"][0]["payload"].startswith("/more_like_that")]


def items_by_id(db: Database) -> dict[int, tuple[set[str], int | None]]:
    """Each item's topics and minutes."""
    with db.session() as session:
        return {item.id: ({t.topic for t in item.topics}, item.minutes)
                for item in session.execute(select(Item)).scalars()}


def test_three_picks_with_links_reasons_and_buttons_then_the_consent_question(
    catalogue: Database,
) -> None:
    messages, events = run(ActionRecommend(), tracker(intent="find_content",
                                                      text="recommend something"))
    picks = pick_ids(messages)
    assert len(picks) == 3 and len(set(picks)) == 3
    assert responses(messages) == ["utter_picks_intro", None, None, None, "utter_ask_personalize"]
    card = messages[1]["text"]
    assert "http://localhost:5005/r/" in card and "Why: " in card
    slots = slots_of(events)
    assert sorted(int(i) for i in slots["recommended_items"]) == sorted(picks)
    assert slots["asked_to_personalize"] is True
    with catalogue.session() as session:  # shown, anonymously: nothing ties them to the reader
        rows = session.execute(select(Recommendation)).scalars().all()
        assert len(rows) == 3 and all(row.reader_id is None for row in rows)


def test_filters_from_entities_are_honoured(catalogue: Database) -> None:
    state = tracker(intent="find_content", text="a short piece about maps",
                    entities={"topic": "maps", "length": "short"})
    messages, _ = run(ActionRecommend(), state)
    items = items_by_id(catalogue)
    picks = pick_ids(messages)
    assert picks
    for item_id in picks:
        topics, minutes = items[item_id]
        assert "maps" in topics and minutes is not None and minutes <= 7


def test_what_was_seen_this_session_is_never_repeated(catalogue: Database) -> None:
    seen: list[str] = []
    shown: list[int] = []
    for _ in range(4):
        messages, events = run(ActionRecommend(), tracker(
            intent="find_content", text="recommend something",
            slots={"recommended_items": seen, "asked_to_personalize": True}))
        shown += pick_ids(messages)
        seen = slots_of(events)["recommended_items"]
    assert len(shown) == 12 and len(set(shown)) == 12


def test_keywords_search_and_an_unknown_subject_offers_the_topics(catalogue: Database) -> None:
    found, _ = run(ActionRecommend(), tracker(intent="find_content",
                                              text="do you have anything on sea monsters?"))
    assert pick_ids(found)
    missing, events = run(ActionRecommend(), tracker(
        intent="find_content", text="anything about quantum chromodynamics?"))
    assert responses(missing) == ["utter_unknown_topic"]
    assert missing[0]["query"] == "quantum chromodynamics"
    assert "worldbuilding" in missing[0]["topics"]
    assert "recommended_items" not in slots_of(events)


def test_an_empty_catalogue_is_admitted(app_db: Database) -> None:
    messages, _ = run(ActionRecommend(), tracker(intent="find_content", text="recommend"))
    assert responses(messages) == ["utter_no_content"]


def test_more_like_that_needs_a_pick_and_follows_it(catalogue: Database) -> None:
    assert responses(run(ActionRecommend(), tracker(intent="more_like_that"))[0]) == [
        "utter_no_pick_yet"]
    first, events = run(ActionRecommend(), tracker(intent="find_content", text="recommend"))
    anchor = pick_ids(first)[0]
    more, _ = run(ActionRecommend(), tracker(
        intent="more_like_that", entities={"item_id": str(anchor)},
        slots={**slots_of(events), "asked_to_personalize": True}))
    assert anchor not in pick_ids(more) and pick_ids(more)
    assert all("Why: similar to" in m["text"] for m in more if m.get("buttons"))


def test_feedback_is_kept_only_with_consent(catalogue: Database) -> None:
    _, events = run(ActionRecommend(), tracker(sender="fan", intent="find_content",
                                               text="recommend"))
    liked = {**slots_of(events)}
    assert responses(run(ActionFeedback(), tracker(
        sender="fan", intent="feedback_like", slots=liked))[0]) == ["utter_feedback_liked_session"]
    with catalogue.session() as session:
        assert session.scalar(select(func.count(Feedback.id))) == 0

    run(ActionSetPersonalization(), tracker(sender="fan", intent="personalize_on"))
    messages, events = run(ActionFeedback(), tracker(
        sender="fan", intent="feedback_dislike", slots=liked))
    assert responses(messages) == ["utter_feedback_disliked"]
    assert events == [SlotSet("last_pick", liked["last_pick"])]
    with catalogue.session() as session:
        [row] = session.execute(select(Feedback)).scalars().all()
        assert (row.item_id, row.kind) == (int(liked["last_pick"]), "disliked")


def test_saying_no_to_personalisation_deletes_the_profile(catalogue: Database) -> None:
    run(ActionSetPersonalization(), tracker(sender="fan", intent="affirm"))
    _, events = run(ActionRecommend(), tracker(sender="fan", intent="find_content",
                                               text="recommend"))
    run(ActionFeedback(), tracker(sender="fan", intent="feedback_like", slots=slots_of(events)))
    messages, events = run(ActionSetPersonalization(), tracker(sender="fan", intent="deny"))
    assert responses(messages) == ["utter_personalize_off"]
    assert events == [SlotSet("asked_to_personalize", False)]
    with catalogue.session() as session:
        assert session.scalar(select(func.count(Feedback.id))) == 0
        assert session.scalar(select(func.count(Recommendation.token_hash))
                              .where(Recommendation.reader_id.is_not(None))) == 0


def test_why_explains_the_pick(catalogue: Database) -> None:
    assert responses(run(ActionExplainPick(), tracker(intent="why_this"))[0]) == [
        "utter_no_pick_yet"]
    first, events = run(ActionRecommend(), tracker(intent="find_content", text="recommend"))
    [why], _ = run(ActionExplainPick(), tracker(intent="why_this", slots=slots_of(events)))
    assert why["response"] == "utter_why_pick"
    assert why["title"] in first[1]["text"] and why["reason"] in first[1]["text"]
