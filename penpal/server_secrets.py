"""The secrets Penpal's own processes share, from the environment or made once.

Three shared secrets keep Penpal's doors shut by default:

- ``action``: Rasa sends it to the action server with every call (a header
  named in :data:`ACTION_SECRET_HEADER`); the action server refuses calls
  without it.
- ``api``: the token of Rasa's HTTP API; the scheduler and the console use it
  to push messages.
- ``session``: signs the web chat's session ids, so only ids this Penpal
  handed out are taken back.

Each comes from its environment variable when set (several machines share them
that way); otherwise from a file under ``PENPAL_SECRETS_DIR`` (default
``.penpal/`` in the working directory, git-ignored), created on first use
with 256 random bits, readable by its owner only. So ``make run`` needs no
configuration, and every process started from the project agrees.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

ACTION_SECRET_HEADER = "X-Penpal-Action-Secret"
VARIABLES = {
    "action": "PENPAL_ACTION_SECRET",
    "api": "PENPAL_API_TOKEN",
    "session": "PENPAL_SESSION_SECRET",
}
MIN_LENGTH = 16


class SecretError(ValueError):
    """A secret set in the environment is too short to protect anything."""


def secrets_dir() -> Path:
    return Path(os.environ.get("PENPAL_SECRETS_DIR") or ".penpal")


def shared_secret(name: str) -> str:
    """The secret ``name`` (see :data:`VARIABLES`): the environment's, else the file's."""
    variable = VARIABLES[name]
    value = os.environ.get(variable, "").strip()
    if value:
        if len(value) < MIN_LENGTH:
            raise SecretError(f"{variable} must be at least {MIN_LENGTH} characters long")
        return value
    return _from_file(secrets_dir() / f"{name}.secret")


def _from_file(path: Path) -> str:
    """Read ``path``, creating it first when it does not exist.

    The new secret is written to a private temporary file and linked into place,
    so a process starting at the same moment never reads a half-written file and
    the first one to link wins.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".new-")
        try:
            with os.fdopen(descriptor, "w") as file:  # mkstemp makes it 0600
                file.write(secrets.token_urlsafe(32))
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    value = path.read_text().strip()
    if len(value) < MIN_LENGTH:
        raise SecretError(f"{path} holds no usable secret: delete it and start again")
    return value
