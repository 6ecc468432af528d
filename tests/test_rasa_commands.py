"""Rasa's own commands work from the project root as Rasa users type them, no flags:
config.yml, one domain.yml and data/ are where Rasa looks by default.

`make test` itself runs `rasa data validate` and the story tests from `tests/` (the
folder a plain `rasa test` reads); this checks that a plain `rasa train` reads its
inputs and that they are the ones `make train` trained the model on.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.constants import DEFAULT_CONFIG_PATH, DEFAULT_DATA_PATH, DEFAULT_DOMAIN_PATH
from rasa.shared.importers.importer import TrainingDataImporter

from tests.support.stack import MODEL, PROJECT

RASA = Path(sys.executable).parent / "rasa"
# What `rasa train --dry-run` ends with when it read every input: its verdict.
VERDICTS = ("No training of components required", "The model needs to be retrained")


@pytest.mark.e2e
def test_plain_rasa_train_reads_config_domain_and_data() -> None:
    done = subprocess.run(
        [str(RASA), "train", "--dry-run"], cwd=PROJECT, capture_output=True, text=True,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"}, timeout=600, check=False,
    )
    output = done.stdout + done.stderr
    assert "does not exist" not in output, output[-3000:]
    assert any(verdict in output for verdict in VERDICTS), output[-3000:]


def test_rasas_default_paths_hold_the_domain_the_model_was_trained_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert MODEL.exists(), "no trained model: run `make train` (make test does)"
    monkeypatch.chdir(PROJECT)
    importer = TrainingDataImporter.load_from_config(
        DEFAULT_CONFIG_PATH, DEFAULT_DOMAIN_PATH, [DEFAULT_DATA_PATH])
    trained_on = LocalModelStorage.metadata_from_archive(MODEL).domain
    assert importer.get_domain().as_dict() == trained_on.as_dict()
    assert importer.get_nlu_data().intent_examples
    assert importer.get_stories().story_steps
