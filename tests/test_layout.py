"""The library stays free of Rasa: only Rasa's adapters in penpal/ import it."""

from __future__ import annotations

from pathlib import Path

from tests.support.imports import imported_modules

PENPAL = Path(__file__).resolve().parents[1] / "penpal"
ADAPTERS = ("channels/", "rasa_stores/", "rasa_patches/", "rasa_server.py")


def test_only_rasas_adapters_import_rasa() -> None:
    importers = sorted(
        str(path.relative_to(PENPAL)) for path in PENPAL.rglob("*.py")
        if any(name == "rasa" or name.startswith("rasa.") for name in imported_modules(path))
    )
    assert importers, "the adapters import Rasa: the scan must see them"
    assert [path for path in importers if not path.startswith(ADAPTERS)] == []
