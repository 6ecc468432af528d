"""Custom Rasa connectors; importing them also applies ``penpal.rasa_patches``.

Every Rasa server Penpal runs loads these connectors from credentials.yml, so
this is where Penpal's speed-ups to Rasa itself take effect.
"""

import penpal.rasa_patches  # noqa: F401  (applied on import)
