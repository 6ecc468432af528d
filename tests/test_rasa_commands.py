"""Rasa's own commands work from the project root as Rasa users type them, no flags:
config.yml, one domain.yml and data/ are where Rasa looks by default.

`make test` itself runs `rasa data validate` and `rasa test core` with Rasa's default
paths; this checks `rasa train` sees the very inputs `make train` trained from.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.stack import MODEL, PROJECT

RASA = Path(sys.executable).parent / "rasa"


@pytest.mark.e2e
def test_plain_rasa_train_finds_its_inputs_and_nothing_to_retrain() -> None:
    assert MODEL.exists(), "no trained model: run `make train` (make test does)"
    done = subprocess.run(
        [str(RASA), "train", "--dry-run"], cwd=PROJECT, capture_output=True, text=True,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"}, timeout=600, check=False,
    )
    output = done.stdout + done.stderr
    assert "does not exist" not in output, output[-3000:]
    # 0: every part of the model is in Rasa's training cache (~/.rasa), which
    # `make train` filled from the same config, domain and data.
    assert done.returncode == 0, output[-3000:]
    assert "No training of components required" in output, output[-3000:]
