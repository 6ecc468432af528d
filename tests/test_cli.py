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


def test_commands_refuse_a_database_that_lacks_migrations(
    config_path: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("PENPAL_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    for command in (["handoff", "list"], ["handoff", "retry"], ["scheduler", "--once"]):
        result = runner.invoke(app, [*command])
        assert result.exit_code == 2, (command, result.output)
        assert "not up to date" in result.output and "penpal db upgrade" in result.output


def test_a_database_that_cannot_be_opened_is_reported_not_traced(
    config_path: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("PENPAL_DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    result = runner.invoke(app, ["handoff", "list"])
    assert result.exit_code == 2
    assert "cannot use the app database" in result.output
    assert "PENPAL_DATABASE_URL" in result.output


def test_handoff_list_reads_a_migrated_database(config_path: Path, sqlite_url: str,
                                                monkeypatch) -> None:
    monkeypatch.setenv("PENPAL_DATABASE_URL", sqlite_url)
    result = runner.invoke(app, ["handoff", "list", "--config", str(config_path)])
    assert result.exit_code == 0, result.output
    assert "received" in result.output
