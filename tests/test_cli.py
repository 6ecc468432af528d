from pathlib import Path

import yaml
from typer.testing import CliRunner

from penpal.cli import app

runner = CliRunner()


def test_check_migrates_and_reports_a_valid_configuration(
    config_path: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("PENPAL_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    result = runner.invoke(app, ["check", "--config", str(config_path)])
    assert result.exit_code == 0, result.output
    assert "penpal.yml OK: Mira Kestrel" in result.output
    assert (tmp_path / "fresh.db").exists()


def test_check_refuses_a_broken_configuration_naming_the_field(
    config_path: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("PENPAL_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    data = yaml.safe_load(config_path.read_text())
    data["writer"]["website"] = "not a url"
    config_path.write_text(yaml.safe_dump(data))
    result = runner.invoke(app, ["check", "--config", str(config_path)])
    assert result.exit_code == 2
    assert "writer.website" in result.output
    assert not (tmp_path / "fresh.db").exists()
