"""The REST channel's reading of a body, and the flood gate's memory, without a server."""

from __future__ import annotations

import json

import pytest

from penpal.channels.flood import FloodGate
from penpal.channels.rest import MAX_BODY_BYTES, BadRequest, parse_message
from penpal.channels.text import clean_text


def body(**fields: object) -> bytes:
    return json.dumps(fields).encode()


def test_a_message_is_read_with_its_metadata() -> None:
    assert parse_message(body(sender="ada", message="hi 👋", metadata={"a": 1})) == (
        "ada", "hi 👋", {"a": 1})
    assert parse_message(body(sender="ada", message="")) == ("ada", "", {})


@pytest.mark.parametrize("raw", [
    body(message="hi"), body(sender=None, message="hi"), body(sender=7, message="hi"),
    body(sender="  ", message="hi"), body(sender="a\x00b", message="hi"),
    body(sender="a" * 129, message="hi"), body(sender="ada", message=3),
    body(sender="ada"), body(sender="ada", message="hi", metadata=[1]),
    b"[]", b"null", b"{", b"\xff", b"", b"x" * (MAX_BODY_BYTES + 1),
])
def test_anything_else_is_a_bad_request(raw: bytes) -> None:
    with pytest.raises(BadRequest):
        parse_message(raw)


def test_control_characters_and_bidi_overrides_are_taken_out() -> None:
    assert clean_text("a\x00b\x1bc\u202ed\u2066e\tf\ng\u200dh") == "abcde\tf\ng\u200dh"
    assert parse_message(body(sender="ada", message="\x07ring"))[1] == "ring"


def test_a_flooding_conversation_is_told_once_a_minute() -> None:
    gate = FloodGate()
    assert gate.should_tell("telegram:1", now=100.0)
    assert not gate.should_tell("telegram:1", now=159.0)
    assert gate.should_tell("telegram:2", now=159.0)  # each conversation on its own
    assert gate.should_tell("telegram:1", now=160.5)
