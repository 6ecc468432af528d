"""Penpal's plug-in for the Rasa action server (rasa-sdk's plug-in mechanism).

rasa-sdk imports a top-level ``rasa_sdk_plugins`` package when the action
server starts and lets it extend its Sanic app. Penpal shuts the door there:
the server listens on loopback unless told otherwise and answers Rasa alone
(:mod:`penpal.action_door`); it checks that the app database is migrated, and
builds the recommender's index before the first reader asks, with the objects
the actions use (``actions/services.py``). The links readers follow are served by
the Rasa server (:mod:`penpal.channels.links`), never here.
"""

from __future__ import annotations

import asyncio
import logging

import pluggy
from sanic import Sanic

log = logging.getLogger(__name__)

hookimpl = pluggy.HookimplMarker("rasa_sdk")


class PenpalActionServer:
    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        try:
            from actions import services
        except ImportError:  # another project's action server in this environment
            log.info("not Penpal's actions package: Penpal's plug-in stays out")
            return
        from penpal.action_door import choose_bind_address, guard
        from penpal.gcfreeze import freeze_startup_objects
        from penpal.logfilter import install as install_log_filter
        from penpal.server_secrets import shared_secret
        from penpal.services import NotMigrated

        install_log_filter()  # rasa-sdk has configured logging by now
        guard(app, shared_secret("action"))
        log.info("action server: answering Rasa only, on %s", choose_bind_address())

        async def get_ready() -> None:
            """Check the migrations; build the recommender's index now, not on the first
            reader's request. Then keep everything loaded so far out of garbage collection.
            """
            try:
                await asyncio.to_thread(services.migrated_database)
            except NotMigrated as error:  # the actions apologise until it is upgraded
                log.error("action server: %s", error)
            except Exception as error:
                log.error("action server: could not check the app database's migrations (%s)",
                          type(error).__name__)
            try:
                await asyncio.to_thread(services.recommendations().refresh)
            except Exception:
                log.exception("could not build the recommendation index at start-up")
            finally:
                freeze_startup_objects()

        # Sanic calls a coroutine function at start-up (Sanic._prep_task), but its
        # add_task annotation names only futures, coroutines and awaitables.
        app.add_task(get_ready)  # type: ignore[arg-type]


def init_hooks(manager: pluggy.PluginManager) -> None:
    manager.register(PenpalActionServer())
