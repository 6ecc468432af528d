"""Topic follows and new-item notices, pushed through a stand-in of Rasa's trigger_intent API."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update

from penpal.db import Database
from penpal.db.clock import utcnow
from penpal.db.models import ChannelIdentity, ConsentRecord, Item, ItemTopic
from penpal.newsletter.follows import (
    UnknownTopic,
    follow,
    followed,
    send_new_item_notices,
    unfollow,
)
from penpal.push import RasaPusher
from tests.newsletter.support import ApiServer

TOPICS = ["worldbuilding", "maps", "craft"]


def add_item(db: Database, title: str, topics: list[str], imported_at: datetime) -> int:
    with db.session() as session:
        item = Item(source="test", external_id=title, url=f"https://example.org/{title}",
                    title=title, content_hash=title, imported_at=imported_at)
        item.topics = [ItemTopic(topic=topic) for topic in topics]
        session.add(item)
        session.flush()
        return item.id


def test_follow_list_and_stop(db: Database) -> None:
    assert follow(db, "chat-1", "telegram", "Worldbuilding", TOPICS) is True
    assert follow(db, "chat-1", "telegram", "worldbuilding", TOPICS) is False
    assert follow(db, "chat-1", "telegram", "maps", TOPICS) is True
    with pytest.raises(UnknownTopic):
        follow(db, "chat-1", "telegram", "cooking", TOPICS)
    assert followed(db, "chat-1") == ["maps", "worldbuilding"]
    assert unfollow(db, "chat-1", "telegram", "maps") == ["maps"]
    assert unfollow(db, "chat-1", "telegram") == ["worldbuilding"]
    assert followed(db, "chat-1") == []
    assert followed(db, "stranger") == [] and unfollow(db, "stranger", None) == []
    with db.session() as session:
        answers = session.execute(select(ConsentRecord.granted).where(
            ConsentRecord.purpose == "updates").order_by(ConsentRecord.id)).scalars().all()
    assert answers[-1] is False  # "stop those updates" is an opt-out


def _notices(api: ApiServer) -> list[tuple[str, str, str]]:
    found = []
    for call in api.calls:
        url = urlsplit(call.path)
        found.append((url.path.split("/")[2], parse_qs(url.query)["output_channel"][0],
                      call.body["entities"]["item_id"]))
        assert call.body["name"] == "EXTERNAL_follow_new_item"
    return found


def test_followers_are_told_once_per_new_item_on_their_channel(
    db: Database, api: ApiServer
) -> None:
    now = utcnow()
    old = add_item(db, "old", ["maps"], now - timedelta(days=30))
    follow(db, "chat-1", "telegram", "maps", TOPICS)
    follow(db, "chat-1", "telegram", "worldbuilding", TOPICS)
    follow(db, "chat-2", "rest", "maps", TOPICS)  # REST cannot be pushed to
    new = add_item(db, "new", ["maps", "worldbuilding"], now + timedelta(seconds=1))
    other = add_item(db, "other", ["craft"], now + timedelta(seconds=1))

    pusher = RasaPusher(api.url)
    report = send_new_item_notices(db, pusher, 3, now=now + timedelta(minutes=1))
    assert (report.sent, report.failed) == (1, 0)
    assert _notices(api) == [("chat-1", "telegram", str(new))]
    assert old != new != other

    send_new_item_notices(db, pusher, 3, now=now + timedelta(minutes=2))
    assert len(api.calls) == 1  # once per item


def test_a_failed_push_is_tried_again_and_the_daily_cap_holds(
    db: Database, api: ApiServer
) -> None:
    start = utcnow()
    follow(db, "chat-1", "slack", "craft", TOPICS)
    items = [add_item(db, f"essay-{n}", ["craft"], start + timedelta(seconds=n + 1))
             for n in range(4)]
    pusher = RasaPusher(api.url)
    api.statuses = [500]
    report = send_new_item_notices(db, pusher, 2, now=start + timedelta(minutes=1))
    assert (report.sent, report.failed, report.capped) == (2, 1, 1)
    assert [item for *_, item in _notices(api)] == [str(item) for item in items[:3]]

    report = send_new_item_notices(db, pusher, 2, now=start + timedelta(hours=2))
    assert (report.sent, report.capped) == (0, 1)  # two today already

    report = send_new_item_notices(db, pusher, 2, now=start + timedelta(days=1, minutes=2))
    assert report.sent == 2
    assert sorted(item for *_, item in _notices(api)[3:]) == sorted(
        [str(items[0]), str(items[3])])  # the one that failed, and the one over the cap


def test_notices_go_to_the_channel_the_reader_uses_now(db: Database, api: ApiServer) -> None:
    now = utcnow()
    follow(db, "chat-1", "rest", "maps", TOPICS)
    with db.session() as session:
        session.execute(update(ChannelIdentity).values(channel="socketio"))
    add_item(db, "map", ["maps"], now + timedelta(seconds=1))
    send_new_item_notices(db, RasaPusher(api.url), 3, now=now + timedelta(minutes=1))
    assert _notices(api)[0][:2] == ("chat-1", "socketio")
