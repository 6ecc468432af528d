"""Penpal's library: the writer's data and services, with no Rasa imports.

Rasa actions (``actions/``) and the writer's console (``penpal.cli``) call into
this package; only ``penpal.channels`` may import Rasa, because connectors are
Rasa plug-ins by nature.
"""
