"""Channel secrets read from environment variables named in credentials.yml.

Rasa expands ``${NAME}`` in credentials.yml when it loads the file and stops
with an error when NAME is unset, so a channel written that way could never
stay "off until its secret is set". Penpal's connectors take the *names* of
the variables instead (keys ending in ``_env``, e.g.
``token_env: PENPAL_TELEGRAM_TOKEN``) and read them here: when one is unset,
that channel stays off and says so in one log line.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from sanic import Blueprint

log = logging.getLogger(__name__)


def env_setting(credentials: dict[str, Any] | None, key: str) -> str | None:
    """The value of the variable that ``<key>_env`` names, or None when unset or empty."""
    name = (credentials or {}).get(f"{key}_env")
    return (os.environ.get(name) or None) if name else None


def missing_settings(credentials: dict[str, Any] | None, keys: list[str]) -> list[str]:
    """The variable names (or ``<key>_env`` when not even named) of unset ``keys``."""
    credentials = credentials or {}
    return [
        credentials.get(f"{key}_env") or f"{key}_env"
        for key in keys
        if env_setting(credentials, key) is None
    ]


def channel_off(channel: str, missing: list[str]) -> None:
    log.info("%s channel is off: set %s to turn it on", channel, " and ".join(missing))


def empty_blueprint(channel: str) -> Blueprint:
    """What a channel that is off registers: no routes at all."""
    return Blueprint(f"{channel}_off", __name__)
