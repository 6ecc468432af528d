"""Custom Rasa connectors (with penpal.rasa_patches, the place in penpal/ that imports Rasa).

Every Rasa server Penpal runs loads these connectors from credentials.yml, so
this package also applies Penpal's speed-ups to Rasa (``penpal.rasa_patches``).
"""

import penpal.rasa_patches  # noqa: F401  (applied on import)
