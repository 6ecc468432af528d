"""The one shape of an action that calls the library: work off the event loop, fail soft.

A :class:`GuardedAction` does its work in ``act``. If the app database cannot be
reached (the library raises :class:`~penpal.db.StoreUnavailable`), or the work
fails with one of the action's own ``failures``, ``run`` logs one line that names
the action and the kind of error (never the reader's words, address or the
error's text, which can quote them), sends the action's ``apology`` response and
returns the events that are safe whatever happened (``safe_events``).

Work the action can do without (a profile to greet by name, a consent state)
goes through :func:`blocking_or`, which logs the same line and carries on.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar, ParamSpec, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from typing_extensions import TypeVarTuple, Unpack

from penpal.db import StoreUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")
F = TypeVar("F")  # blocking_or's fallback, which need not be of the work's type (None)
P = ParamSpec("P")
Ts = TypeVarTuple("Ts")  # blocking_or's positional arguments (it has a keyword of its own)


async def blocking(function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run blocking library work (database, mail, files) in a worker thread."""
    return await asyncio.to_thread(function, *args, **kwargs)


async def blocking_or(
    fallback: F, action: str, function: Callable[[Unpack[Ts]], T], /, *args: Unpack[Ts],
    failures: tuple[type[Exception], ...] = (),
) -> T | F:
    """Blocking work whose result the action can do without: ``fallback`` if it fails."""
    caught: tuple[type[Exception], ...] = (StoreUnavailable, *failures)
    try:
        return await blocking(function, *args)
    except caught as error:
        log_failure(action, error, "carrying on without it")
        return fallback


def log_failure(action: str, error: BaseException, outcome: str) -> None:
    """One line about a failed action: its name and the error's type, nothing personal."""
    kind = "the app database is unavailable" if isinstance(error, StoreUnavailable) else (
        type(error).__name__)
    log.error("%s: %s; %s", action, kind, outcome)
    log.debug("%s: the failure in full", action, exc_info=error)


class GuardedAction(Action, ABC):
    """Runs ``act``; if the store is down (or a listed failure happens), apologises."""

    #: The response sent when the work fails; None says nothing (pushed notices).
    apology: ClassVar[str | None] = None
    #: Library errors other than StoreUnavailable that are answered the same way.
    failures: ClassVar[tuple[type[Exception], ...]] = ()

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        caught: tuple[type[Exception], ...] = (StoreUnavailable, *self.failures)
        try:
            return await self.act(dispatcher, tracker)
        except caught as error:
            log_failure(self.name(), error, "the reader was told" if self.apology else "skipped")
            if self.apology:
                dispatcher.utter_message(response=self.apology)
            return self.safe_events(tracker)

    @abstractmethod
    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """The action's work; failures are turned into the apology by ``run``."""

    def safe_events(self, tracker: Tracker) -> list[EventType]:
        """The events returned when the work failed (none unless the action says so)."""
        return []
