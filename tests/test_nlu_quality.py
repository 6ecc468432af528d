"""NLU measured on held-out examples (tests/nlu/test_nlu.yml is not training data)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
MODEL = PROJECT / "models" / "penpal.tar.gz"
MIN_INTENT_MACRO_F1 = 0.90


@pytest.mark.e2e
def test_intent_macro_f1_on_held_out_data(tmp_path: Path) -> None:
    assert MODEL.exists(), "no trained model: run `make train` (make test does)"
    subprocess.run(
        [str(Path(sys.executable).parent / "rasa"), "test", "nlu", "--model", str(MODEL),
         "--nlu", str(PROJECT / "tests" / "nlu" / "test_nlu.yml"), "--out", str(tmp_path)],
        cwd=PROJECT, check=True, capture_output=True,
    )
    report = json.loads((tmp_path / "intent_report.json").read_text())
    macro_f1 = report["macro avg"]["f1-score"]
    weakest = sorted(
        (scores["f1-score"], intent) for intent, scores in report.items()
        if isinstance(scores, dict) and "support" in scores and intent not in (
            "macro avg", "weighted avg", "micro avg")
    )[:3]
    print(f"intent macro F1 {macro_f1:.3f}; weakest {weakest}")
    assert macro_f1 >= MIN_INTENT_MACRO_F1, f"macro F1 {macro_f1:.3f}; weakest {weakest}"

    entities = json.loads((tmp_path / "DIETClassifier_report.json").read_text())
    assert entities["name"]["f1-score"] >= 0.75, entities["name"]
