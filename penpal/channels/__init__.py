"""Custom Rasa connectors (the one place in penpal/ that imports Rasa).

Every Rasa server Penpal runs loads these connectors from credentials.yml, so
this package also carries the one speed-up Penpal applies to Rasa itself.
"""

from penpal.channels import action_results  # noqa: F401  (patches RemoteAction on import)
