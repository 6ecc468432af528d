"""The library stays free of Rasa: only Rasa's adapters in penpal/ import it."""

from __future__ import annotations

import ast
from pathlib import Path

PENPAL = Path(__file__).resolve().parents[1] / "penpal"
ADAPTERS = ("channels/", "rasa_stores/", "rasa_patches/", "rasa_server.py")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_only_rasas_adapters_import_rasa() -> None:
    importers = sorted(
        str(path.relative_to(PENPAL)) for path in PENPAL.rglob("*.py")
        if any(name == "rasa" or name.startswith("rasa.") for name in imported_modules(path))
    )
    assert importers, "the adapters import Rasa: the scan must see them"
    assert [path for path in importers if not path.startswith(ADAPTERS)] == []
