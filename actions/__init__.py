"""Rasa custom actions: thin adapters between the tracker and the penpal library."""
