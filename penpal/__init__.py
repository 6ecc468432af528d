"""Penpal's library: the writer's data and services, with no Rasa imports.

Rasa actions (``actions/``) and the writer's console (``penpal.cli``) call into
this package. Only Rasa's adapters may import Rasa, because they are Rasa
plug-ins by nature: ``penpal.channels`` (connectors), ``penpal.rasa_stores``
(the lock store), ``penpal.rasa_patches`` (speed-ups to Rasa itself) and
``penpal.rasa_server`` (starts Rasa). ``tests/test_layout.py`` holds the line.
"""
