"""``/events/<id>.ics``: an event as a calendar file, a link served on Rasa's public port."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

log = logging.getLogger(__name__)


def events_routes(calendar_file: Callable[[int], bytes | None]) -> Blueprint:
    """``calendar_file(event_id)`` (blocking, run in a thread) gives the ICS or None."""
    blueprint = Blueprint("penpal_events")

    @blueprint.get("/events/<filename:str>")
    async def calendar(request: Request, filename: str) -> HTTPResponse:
        number = filename.removesuffix(".ics")
        if not filename.endswith(".ics") or not number.isdigit() or len(number) > 12:
            return response.text("No such event.", status=404)
        event_id = int(number)
        try:
            data = await asyncio.to_thread(calendar_file, event_id)
        except Exception:
            log.exception("calendar file for an event failed")
            return response.text("Sorry, this calendar file is not available right now.",
                                 status=503)
        if data is None:
            return response.text("No such event.", status=404)
        return response.raw(
            data, content_type="text/calendar; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="event-{event_id}.ics"'},
        )

    return blueprint

