"""The action server's door: Rasa's calls only.

rasa-sdk's ``/webhook`` runs any action for any tracker it is sent, so whoever
reaches it could act as any reader (export their data, erase them). The action
server therefore listens on loopback unless told otherwise
(``PENPAL_ACTIONS_BIND``), and every route but ``/health`` requires the shared
action secret (:mod:`penpal.server_secrets`) in the header Rasa sends it in.
A call without it is refused with 401 and logged without its payload.
"""

from __future__ import annotations

import hmac
import logging
import os

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from penpal.server_secrets import ACTION_SECRET_HEADER

log = logging.getLogger(__name__)

BIND_VARIABLE = "PENPAL_ACTIONS_BIND"
DEFAULT_BIND = "127.0.0.1"
OPEN_PATHS = frozenset({"/health"})


def choose_bind_address() -> str:
    """Where the action server listens: PENPAL_ACTIONS_BIND, else loopback.

    rasa-sdk reads its address from SANIC_HOST (default 0.0.0.0, every
    interface) after the plug-ins ran; an explicit SANIC_HOST still wins.
    """
    address = os.environ.get(BIND_VARIABLE) or DEFAULT_BIND
    os.environ.setdefault("SANIC_HOST", address)
    return os.environ["SANIC_HOST"]


def guard(app: Sanic, secret: str) -> None:
    """Refuse every request to ``app`` but ``/health`` that lacks ``secret``."""
    expected = secret.encode()

    @app.on_request
    async def require_the_secret(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get(ACTION_SECRET_HEADER, "").encode()
        if hmac.compare_digest(given, expected):
            return None
        log.warning("action server: %s %s from %s without the action secret; refused",
                    request.method, request.path[:64], request.ip)
        return response.json({"error": "this server answers Penpal's Rasa server only"},
                             status=401)
