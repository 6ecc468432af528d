"""Custom Rasa connectors (the one place in penpal/ that imports Rasa)."""
