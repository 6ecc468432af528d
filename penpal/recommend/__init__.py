"""Personalised recommendations from the writer's catalogue.

The core (index, engagement, signals, rank, search) is pure and works on
arrays; :mod:`penpal.recommend.service` connects it to the app database.
"""

from penpal.recommend.engagement import Engagement, Events
from penpal.recommend.filters import SHORT_MINUTES, Filters
from penpal.recommend.index import CatalogIndex, ItemDoc
from penpal.recommend.rank import Pick, more_like, recommend
from penpal.recommend.search import search
from penpal.recommend.signals import Weights
from penpal.recommend.state import ReaderState

__all__ = [
    "SHORT_MINUTES",
    "CatalogIndex",
    "Engagement",
    "Events",
    "Filters",
    "ItemDoc",
    "Pick",
    "ReaderState",
    "Weights",
    "more_like",
    "recommend",
    "search",
]
