"""Keeping Python's garbage collector off what a server loads once, at start.

A Rasa server holds about 900,000 objects once its model is loaded (TensorFlow,
Rasa, the model, the domain). Python's full collections walk all of them: about
one second each on this machine, during which the server answers nobody, several
times a minute under load. Those pauses were Penpal's slowest replies.

Frozen objects (``gc.freeze``) are left out of every collection, so full collections
only walk what requests allocate. Call this once the server has loaded everything.
Reference counting still frees frozen objects; only reference cycles among them
stay in memory until the process ends (say, a model replaced through Rasa's
``PUT /model``): restart the server to change models for good.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def freeze_startup_objects(*_listener_args: object) -> int:
    """Collect the start-up garbage, then freeze what is left; return how many were frozen.

    Usable as a Sanic ``after_server_start`` listener (it ignores the app and loop).
    A second call finds them frozen already and does nothing.
    """
    if gc.get_freeze_count():
        return 0
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info("kept %d start-up objects out of garbage collection", frozen)
    return frozen
