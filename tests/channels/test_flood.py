"""Flood control on the running server: one noisy sender cannot starve the others.

The channel stack runs with flood control on (tests/channels/conftest.py):
SENDER_BURST messages at once per conversation, then SENDER_PER_MINUTE a minute;
ADDRESS_BURST requests at once per client address, then ADDRESS_PER_MINUTE.
"""

from __future__ import annotations

import http.client
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from penpal.channels.flood import SLOW_DOWN
from tests.channels.conftest import ADDRESS_BURST, ADDRESS_PER_MINUTE, SENDER_BURST, Channels
from tests.channels.test_telegram import post as telegram_post
from tests.channels.test_telegram import sent_to, text_update

pytestmark = pytest.mark.e2e
FLOOD = 40
FLOODER = "127.0.0.2"  # loopback too, but another client address than the other tests'


def say(channels: Channels, sender: str, text: str) -> requests.Response:
    return requests.post(f"{channels.stack.rasa_url}/webhooks/rest/webhook",
                         json={"sender": sender, "message": text}, timeout=120)


def test_a_flooding_rest_sender_is_slowed_and_the_others_are_answered(
    channels: Channels,
) -> None:
    with ThreadPoolExecutor(max_workers=FLOOD) as pool:
        flood = [pool.submit(say, channels, "flood-noisy", f"hello {n}") for n in range(FLOOD)]
        quiet = [say(channels, "flood-quiet", text)
                 for text in ("hello", "are you a bot?", "what can you do?")]
        answers = [future.result() for future in flood]

    refused = [answer for answer in answers if answer.status_code == 429]
    served = [answer for answer in answers if answer.status_code == 200]
    assert len(refused) + len(served) == FLOOD
    assert SENDER_BURST <= len(served) <= SENDER_BURST + 6  # refill while the flood lasted
    assert all(int(answer.headers["Retry-After"]) >= 1 for answer in refused)
    assert refused[0].json()["error"] == SLOW_DOWN
    turns = [e for e in channels.stack.tracker("flood-noisy")["events"] if e["event"] == "user"]
    assert len(turns) == len(served)  # refused messages never reached the conversation
    assert [answer.status_code for answer in quiet] == [200, 200, 200]
    assert all(answer.json() for answer in quiet)
    assert "Yes, I'm a bot" in " ".join(reply.get("text", "") for reply in quiet[1].json())


def test_a_flooding_telegram_chat_is_told_once_and_not_processed(channels: Channels) -> None:
    for n in range(SENDER_BURST + 8):
        assert telegram_post(channels, text_update(8181, f"spam {n}")).status_code == 200
    channels.telegram.wait_for(sent_to(8181, SLOW_DOWN))
    told = [call for call in channels.telegram.calls if sent_to(8181, SLOW_DOWN)(call)]
    assert len(told) == 1
    turns = [e for e in channels.stack.tracker("8181", "telegram")["events"]
             if e["event"] == "user"]
    assert SENDER_BURST <= len(turns) < SENDER_BURST + 8


def _get(port: int, path: str, source: str) -> tuple[int, str | None]:
    """GET ``path`` from the loopback address ``source``: status and Retry-After."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60,
                                            source_address=(source, 0))
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        answer.read()
        return answer.status, answer.getheader("Retry-After")
    finally:
        connection.close()


def test_a_flooding_address_is_refused_while_other_addresses_get_in(
    channels: Channels,
) -> None:
    port = int(channels.stack.rasa_url.rsplit(":", 1)[1])
    knocks = ADDRESS_BURST * 2
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda _: _get(port, "/r/no-such-token", FLOODER), range(knocks)))
        # Meanwhile this machine's usual address is not held up.
        assert _get(port, "/r/no-such-token", "127.0.0.1")[0] == 404
    elapsed = time.monotonic() - started
    statuses = [status for status, _ in answers]
    assert set(statuses) == {404, 429}
    refill = elapsed * ADDRESS_PER_MINUTE / 60
    assert ADDRESS_BURST <= statuses.count(404) <= ADDRESS_BURST + refill + 16
    wait = max(int(retry) for status, retry in answers if status == 429 and retry)
    time.sleep(wait)  # what Retry-After said
    assert _get(port, "/r/no-such-token", FLOODER)[0] == 404
