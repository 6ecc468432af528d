"""Penpal's plug-in for the Rasa action server (rasa-sdk's plug-in mechanism).

rasa-sdk imports a top-level ``rasa_sdk_plugins`` package when the action
server starts and lets it attach routes to its Sanic app; Penpal adds its
tracked recommendation links there, beside /webhook and /health.
"""

from __future__ import annotations

import asyncio
import logging

import pluggy
from sanic import Sanic

log = logging.getLogger(__name__)

hookimpl = pluggy.HookimplMarker("rasa_sdk")


class PenpalRoutes:
    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        try:
            from actions import services
        except ImportError:  # another project's action server in this environment
            log.info("not Penpal's actions package: no Penpal routes attached")
            return
        from penpal.events import calendar_file
        from penpal.events.web import events_routes
        from penpal.gcfreeze import freeze_startup_objects
        from penpal.logfilter import install as install_log_filter
        from penpal.newsletter import newsletter_for
        from penpal.newsletter.web import newsletter_routes
        from penpal.privacy import export_for_token
        from penpal.web import penpal_routes

        install_log_filter()  # rasa-sdk has configured logging by now

        app.blueprint(penpal_routes(
            record_click=lambda token: services.recommendations().click(token),
            export_for_token=lambda token: export_for_token(services.database(), token),
        ))
        app.blueprint(events_routes(lambda event_id: calendar_file(
            services.database(), event_id, str(services.config().public_url),
            services.config().writer.name)))

        def newsletter():  # built per request: penpal.yml edits apply at once
            return newsletter_for(services.database(), services.config())

        app.blueprint(newsletter_routes(
            confirm=lambda token: newsletter().confirm_token(token),
            unsubscribe=lambda token: newsletter().unsubscribe_token(token),
        ))

        async def build_the_index() -> None:
            """Build the recommender's index now, not on the first reader's request.

            Then keep everything loaded so far out of garbage collection.
            """
            try:
                await asyncio.to_thread(services.recommendations().refresh)
            except Exception:
                log.exception("could not build the recommendation index at start-up")
            finally:
                freeze_startup_objects()

        app.add_task(build_the_index)


def init_hooks(manager: pluggy.PluginManager) -> None:
    manager.register(PenpalRoutes())
