"""HTTP routes Penpal adds to the action server (Sanic, no Rasa imports).

``/r/<token>``: a recommendation link. It records the click (so click-through
can be measured) and redirects the reader to the item.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

log = logging.getLogger(__name__)

ClickRecorder = Callable[[str], "str | None"]
MAX_TOKEN_LENGTH = 64


def links_blueprint(record_click: Callable[[], ClickRecorder]) -> Blueprint:
    """Routes for tracked links; ``record_click()`` gives the function to call."""
    blueprint = Blueprint("penpal_links")

    @blueprint.get("/r/<token:str>")
    async def follow(request: Request, token: str) -> HTTPResponse:
        if len(token) > MAX_TOKEN_LENGTH:
            return response.text("This link is not valid.", status=404)
        try:
            url = await asyncio.to_thread(record_click(), token)
        except Exception:
            log.exception("recommendation link: could not record a click")
            return response.text("Sorry, this link is not working right now.", status=503)
        if url is None:
            return response.text("This link is not valid.", status=404)
        return response.redirect(url)

    return blueprint
