"""Every door of the running servers, knocked on by a stranger.

The two attacks found in review must fail: posting a tracker to the action
server to act as a reader, and choosing another channel's reader as a REST
sender. Alongside: the REST channel's 400s, who may call it, CORS, the HTTP
API's token, the web chat's origin check, and no secret on any command line.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import requests
import socketio

from penpal.server_secrets import ACTION_SECRET_HEADER, shared_secret
from tests.channels.conftest import Channels
from tests.channels.test_socketio import close
from tests.channels.test_telegram import post as telegram_post
from tests.channels.test_telegram import sent_to, text_update

pytestmark = pytest.mark.e2e
EVIL_ORIGIN = "https://evil.example"


def rest(channels: Channels, body: object, headers: dict[str, str] | None = None
         ) -> requests.Response:
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return requests.post(f"{channels.stack.rasa_url}/webhooks/rest/webhook", data=data,
                         headers={"Content-Type": "application/json", **(headers or {})},
                         timeout=60)


def action_call(sender: str, action: str) -> dict[str, object]:
    """What Rasa posts to the action server to run ``action`` for ``sender``."""
    return {
        "next_action": action, "sender_id": sender, "version": "3.6.21", "domain": {},
        "tracker": {"sender_id": sender, "slots": {}, "latest_message": {}, "events": [],
                    "paused": False, "followup_action": None, "active_loop": {},
                    "latest_action_name": None, "latest_input_channel": "telegram"},
    }


def user_turns(channels: Channels, conversation_id: str) -> list[str]:
    """What was said in the conversation Rasa keeps under ``conversation_id``."""
    answer = requests.get(
        f"{channels.stack.rasa_url}/conversations/{conversation_id}/tracker",
        params={"token": shared_secret("api")}, timeout=30)
    answer.raise_for_status()
    return [event["text"] for event in answer.json()["events"] if event["event"] == "user"]


# --- the action server answers Rasa alone ----------------------------------------

@pytest.mark.hostile("action server")
@pytest.mark.parametrize("secret", [None, "", "a-wrong-secret-of-the-right-length-0000"])
def test_a_stranger_cannot_run_actions_for_a_reader(channels: Channels,
                                                    secret: str | None) -> None:
    headers = {} if secret is None else {ACTION_SECRET_HEADER: secret}
    for action in ("action_export_data", "action_forget_me"):
        answer = requests.post(f"{channels.stack.actions_url}/webhook",
                               json=action_call("telegram:4242", action),
                               headers=headers, timeout=30)
        assert answer.status_code == 401
        assert "export" not in answer.text and "forget" not in answer.text
    listing = requests.get(f"{channels.stack.actions_url}/actions", headers=headers, timeout=30)
    assert listing.status_code == 401


def test_rasa_itself_gets_through_and_the_health_check_is_open(channels: Channels) -> None:
    assert requests.get(f"{channels.stack.actions_url}/health", timeout=10).ok
    answer = requests.post(
        f"{channels.stack.actions_url}/webhook",
        json=action_call("rest:door-x", "action_follow_list"),
        headers={ACTION_SECRET_HEADER: shared_secret("action")}, timeout=30)
    assert answer.status_code == 200 and "events" in answer.json()


def test_the_action_server_listens_on_loopback_only(channels: Channels) -> None:
    port = int(channels.stack.actions_url.rsplit(":", 1)[1])
    listening = {
        fields[1] for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
        if (fields := line.split())[3] == "0A"  # LISTEN
        and int(fields[1].split(":")[1], 16) == port
    }
    assert listening == {f"0100007F:{port:04X}"}  # 127.0.0.1, not 0.0.0.0


@pytest.mark.hostile("action server")
def test_the_links_readers_follow_are_not_on_the_action_server(channels: Channels) -> None:
    secret = {ACTION_SECRET_HEADER: shared_secret("action")}
    for path in ("/r/sometoken", "/export/sometoken", "/events/1.ics"):
        # rasa-sdk answers a route it does not have with 500, not 404.
        assert requests.get(f"{channels.stack.actions_url}{path}", headers=secret,
                            timeout=10).status_code in (404, 500)
        assert requests.get(f"{channels.stack.rasa_url}{path}", timeout=10).status_code == 404


# --- REST: a trusted front end, in its own namespace --------------------------------

@pytest.mark.hostile("REST")
def test_a_rest_caller_cannot_speak_as_a_telegram_reader(channels: Channels) -> None:
    assert telegram_post(channels, text_update(4343, "hello")).status_code == 200
    channels.telegram.wait_for(sent_to(4343))
    replies = rest(channels, {"sender": "4343", "message": "what do you know about me?"})
    assert replies.status_code == 200 and replies.json()
    assert all(reply["recipient_id"] == "4343" for reply in replies.json())
    assert user_turns(channels, "telegram:4343") == ["hello"]
    assert user_turns(channels, "rest:4343") == ["what do you know about me?"]
    assert user_turns(channels, "4343") == []
    # Nor can it name the namespaced conversation itself.
    rest(channels, {"sender": "telegram:4343", "message": "forget me"})
    assert user_turns(channels, "telegram:4343") == ["hello"]
    assert user_turns(channels, "rest:telegram:4343") == ["forget me"]


@pytest.mark.hostile("REST")
def test_rest_ignores_an_input_channel_named_in_the_body(channels: Channels) -> None:
    rest(channels, {"sender": "door-ch", "message": "hi", "input_channel": "telegram"})
    tracker = channels.stack.tracker("door-ch")
    assert tracker["latest_input_channel"] == "rest"


@pytest.mark.hostile("REST")
@pytest.mark.parametrize(("body", "says"), [
    ({"message": "hello"}, "sender"),
    ({"sender": "", "message": "hello"}, "sender"),
    ({"sender": 12345, "message": "hello"}, "sender"),
    ({"sender": ["a"], "message": "hello"}, "sender"),
    ({"sender": "door-a\u202e", "message": "hello"}, "sender"),
    ({"sender": "x" * 129, "message": "hello"}, "sender"),
    ({"sender": "door-b", "message": ["hello"]}, "message"),
    ({"sender": "door-b", "message": None}, "message"),
    ({"sender": "door-b"}, "message"),
    ({"sender": "door-b", "message": "hi", "metadata": "x"}, "metadata"),
    ([{"sender": "door-b", "message": "hi"}], "object"),
    ("{not json", "JSON"),
    (b"\xff\xfe\x00", "JSON"),
    ("", "JSON"),
])
def test_rest_answers_a_malformed_body_with_a_clear_400(
    channels: Channels, body: object, says: str
) -> None:
    answer = rest(channels, body)
    assert answer.status_code == 400
    assert says in answer.json()["error"]


@pytest.mark.hostile("REST")
def test_no_rest_body_lands_in_a_shared_default_conversation(channels: Channels) -> None:
    assert rest(channels, {"message": "hello"}).status_code == 400
    assert rest(channels, {"sender": None, "message": "hello"}).status_code == 400
    assert user_turns(channels, "default") == []
    assert user_turns(channels, "rest:default") == []


@pytest.mark.hostile("REST")
def test_rest_refuses_a_megabyte_body(channels: Channels) -> None:
    answer = rest(channels, {"sender": "door-big", "message": "a" * 1_000_000})
    assert answer.status_code == 400 and "larger" in answer.json()["error"]


@pytest.mark.hostile("REST")
def test_control_and_bidi_characters_are_taken_out_of_a_message(channels: Channels) -> None:
    answer = rest(channels, {"sender": "door-ctl", "message": "hel\x00lo\u202e \x1b[31m"})
    assert answer.status_code == 200 and answer.json()
    assert user_turns(channels, "rest:door-ctl") == ["hello [31m"]


@pytest.mark.hostile("REST")
def test_rest_from_beyond_this_machine_needs_the_token(channels: Channels) -> None:
    # Through a proxy on this machine, the caller is whoever the proxy forwards.
    forwarded = {"X-Forwarded-For": "203.0.113.7"}
    answer = rest(channels, {"sender": "door-far", "message": "hello"}, headers=forwarded)
    assert answer.status_code == 401 and "PENPAL_REST_TOKEN" in answer.json()["error"]
    answer = rest(channels, {"sender": "door-far", "message": "hello"},
                  headers={**forwarded, "Authorization": "Bearer guess"})
    assert answer.status_code == 401
    assert user_turns(channels, "rest:door-far") == []


# --- the HTTP API and the browser ----------------------------------------------------

@pytest.mark.hostile("HTTP API")
def test_the_http_api_needs_its_token(channels: Channels) -> None:
    url = f"{channels.stack.rasa_url}/conversations/rest:door-api/tracker"
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url, params={"token": "guess"}, timeout=10).status_code == 401
    trigger = f"{channels.stack.rasa_url}/conversations/telegram:4343/trigger_intent"
    answer = requests.post(trigger, data='{"name": "greet"}',
                           headers={"Content-Type": "text/plain", "Origin": EVIL_ORIGIN},
                           timeout=10)
    assert answer.status_code == 401
    assert requests.get(url, params={"token": shared_secret("api")}, timeout=10).ok


@pytest.mark.hostile("HTTP API")
def test_no_other_site_gets_cors_access(channels: Channels) -> None:
    preflight = requests.options(
        f"{channels.stack.rasa_url}/webhooks/rest/webhook",
        headers={"Origin": EVIL_ORIGIN, "Access-Control-Request-Method": "POST"}, timeout=10)
    assert "access-control-allow-origin" not in {key.lower() for key in preflight.headers}


def _connect(url: str, origin: str | None) -> bool:
    async def attempt() -> bool:
        client = socketio.AsyncClient(reconnection=False)
        headers = {"Origin": origin} if origin else {}
        try:
            await client.connect(url, transports=["polling"], headers=headers,
                                 socketio_path="/socket.io", wait_timeout=10)
        except socketio.exceptions.ConnectionError:
            return False
        await close(client)
        return True

    return asyncio.run(attempt())


@pytest.mark.hostile("web chat")
def test_the_web_chat_takes_its_own_page_and_refuses_other_sites(channels: Channels) -> None:
    url = channels.stack.rasa_url
    assert _connect(url, url)  # the chat page served by this server
    assert not _connect(url, EVIL_ORIGIN)


def test_no_secret_is_on_any_command_line(channels: Channels) -> None:
    secrets = [shared_secret(name) for name in ("action", "api", "session")]
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().decode(errors="replace")
        except OSError:
            continue
        assert not any(secret in words for secret in secrets), cmdline
