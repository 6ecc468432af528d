"""Rasa store classes Penpal's endpoints name by module path (Rasa imports live here).

``penpal.endpoints`` refers to them from the endpoints Rasa reads; nothing else in
the library imports this package.
"""

from penpal.rasa_stores.lock_store import AtomicRedisLockStore

__all__ = ["AtomicRedisLockStore"]
