"""Freezing a server's start-up objects: garbage collected first, the rest frozen once."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from penpal.gcfreeze import freeze_startup_objects


class Node:
    """Something that can sit in a reference cycle."""

    other: Node | None = None


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # leave the test process as it was


def test_start_up_garbage_is_collected_and_the_rest_frozen(unfrozen: None) -> None:
    kept, cycle = Node(), Node()
    cycle.other = Node()
    cycle.other.other = cycle
    garbage = weakref.ref(cycle)
    del cycle

    frozen = freeze_startup_objects("app", "loop")  # as a Sanic listener calls it

    assert garbage() is None, "a reference cycle left from start-up was frozen, not collected"
    assert frozen == gc.get_freeze_count() > 0
    assert not any(obj is kept for generation in range(3) for obj in gc.get_objects(generation))


def test_a_second_call_leaves_the_frozen_objects_alone(unfrozen: None) -> None:
    first = freeze_startup_objects()
    assert freeze_startup_objects() == 0
    assert gc.get_freeze_count() == first
