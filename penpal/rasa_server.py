"""Start Rasa (``rasa run``, ``rasa shell`` or ``rasa interactive``) with Penpal's
safe settings.

    python -m penpal.rasa_server run --model models/penpal.tar.gz -p 5005 --endpoints e.yml ...
    python -m penpal.rasa_server shell      # as `rasa shell`, endpoints.yml by default

Every argument is passed on to Rasa; this adds:

- **The action secret.** Rasa's calls to the action server carry the shared
  action secret (:mod:`penpal.server_secrets`), which the action server
  requires: the endpoints file given with ``--endpoints`` (else Rasa's default,
  ``endpoints.yml``) is handed to Rasa with that header added to
  ``action_endpoint`` (in a private copy, readable by its owner only), whoever
  wrote it: ``scripts/run-penpal``, a Helm chart, or the project's own.
- **The HTTP API behind its token** (``run``): ``PENPAL_API_TOKEN`` or a file
  made on first run, handed to Rasa inside this process, never on a command
  line where ``ps`` would show it to every user of the machine.
- **CORS** (``run``) only for the origins in ``PENPAL_ALLOWED_ORIGINS``
  (:mod:`penpal.origins`); never ``*``.
- **No personal data in the logs** (:mod:`penpal.logfilter`).
"""

from __future__ import annotations

import atexit
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

import yaml

from penpal.logfilter import install as install_log_filter
from penpal.origins import ORIGINS_VARIABLE, OriginError, allowed_origins
from penpal.server_secrets import ACTION_SECRET_HEADER, shared_secret

COMMANDS = ("run", "shell", "interactive")
DEFAULT_ENDPOINTS = Path("endpoints.yml")  # where Rasa looks without --endpoints
PENPALS_FLAGS = ("--auth-token", "-t", "--cors", "--enable-api")


class SettingError(ValueError):
    """A setting Penpal refuses to start with."""


def with_action_secret(endpoints: Mapping, secret: str) -> dict:
    """``endpoints`` whose action endpoint (if any) sends ``secret``."""
    result = dict(endpoints)
    if isinstance(result.get("action_endpoint"), dict):
        action = dict(result["action_endpoint"])
        action["headers"] = {**(action.get("headers") or {}), ACTION_SECRET_HEADER: secret}
        result["action_endpoint"] = action
    return result


def _private_copy(endpoints: Path) -> Path:
    """The endpoints with the action secret, in a file only this user can read."""
    content = yaml.safe_load(endpoints.read_text()) or {}
    descriptor, name = tempfile.mkstemp(prefix="penpal-endpoints-", suffix=".yml")
    with os.fdopen(descriptor, "w") as file:
        yaml.safe_dump(with_action_secret(content, shared_secret("action")), file)
    atexit.register(Path(name).unlink, missing_ok=True)
    return Path(name)


def rasa_arguments(
    arguments: list[str], environ: Mapping[str, str], default_endpoints: Path = DEFAULT_ENDPOINTS
) -> list[str]:
    """Rasa's command line: ``arguments`` with Penpal's settings added."""
    if not arguments or arguments[0] not in COMMANDS:
        raise SettingError(f"the first argument must be one of: {', '.join(COMMANDS)}")
    for flag in PENPALS_FLAGS:
        if flag in arguments:
            raise SettingError(f"{flag} is set by penpal.rasa_server; leave it out")
    command = list(arguments)
    if "--endpoints" in command:
        at = command.index("--endpoints") + 1
        command[at] = str(_private_copy(Path(command[at])))
    elif default_endpoints.is_file():
        command += ["--endpoints", str(_private_copy(default_endpoints))]
    if command[0] == "run":
        command += ["--enable-api", "--auth-token", shared_secret("api")]
        try:
            origins = allowed_origins(environ.get(ORIGINS_VARIABLE))
        except OriginError as error:
            raise SettingError(str(error)) from None
        if origins:
            command += ["--cors", *origins]
    return command


def main() -> None:
    try:
        command = rasa_arguments(sys.argv[1:], os.environ)
    except SettingError as error:
        sys.exit(f"error: {error}")
    install_log_filter()  # covers the handlers Rasa and Sanic add later too
    from rasa.__main__ import main as rasa_main

    import penpal.rasa_patches  # noqa: F401  (also for `shell`, which loads no connector)

    sys.argv = ["rasa", *command]
    rasa_main()


if __name__ == "__main__":
    main()
