"""What a reader would read: an action's message with its domain response filled in.

Actions send response names with values (``response="utter_x", title=...``);
Rasa fills ``domain.yml``'s text with them. :func:`said` does the same here, with
Rasa's own interpolation, so a test can check the words without the action
holding them.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml
from rasa.core.nlg.interpolator import interpolate_text

from tests.conftest import PROJECT


@cache
def domain_responses() -> dict[str, list[dict[str, Any]]]:
    return yaml.safe_load((PROJECT / "domain.yml").read_text())["responses"]


def said(message: dict[str, Any]) -> str:
    """The message's text: its own, or its response's first variant filled with its values."""
    name = message.get("response")
    if not name:
        return message.get("text") or ""
    values = {key: value for key, value in message.items() if value is not None}
    return interpolate_text(domain_responses()[name][0]["text"], values)
