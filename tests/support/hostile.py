"""Tally of the hostile-input suite: every test marked ``hostile(door)`` is one case.

At the end of the run it prints, and writes to results/hostile-inputs.md, a table
of doors with the cases tried, those answered as the test demands (a clear
refusal or a friendly reply, nothing lost or leaked), and those that failed.
The README's table is copied from that file.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest

RESULTS = Path(__file__).resolve().parents[2] / "results" / "hostile-inputs.md"
_outcomes: defaultdict[str, Counter] = defaultdict(Counter)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "hostile(door): one case of the hostile-input suite, against that door")


def pytest_runtest_setup(item: pytest.Item) -> None:
    marker = item.get_closest_marker("hostile")
    if marker is not None:
        item.user_properties.append(("hostile_door", marker.args[0]))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    door = dict(report.user_properties).get("hostile_door")
    if door is None:
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        _outcomes[door][report.outcome] += 1


def table() -> list[str]:
    lines = ["| door | cases tried | answered as intended | failed |", "| --- | --- | --- | --- |"]
    for door, counts in sorted(_outcomes.items()):
        tried = sum(counts.values())
        lines.append(f"| {door} | {tried} | {counts['passed']} | {counts['failed']} |")
    total = Counter()
    for counts in _outcomes.values():
        total.update(counts)
    lines.append(f"| all | {sum(total.values())} | {total['passed']} | {total['failed']} |")
    return lines


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # Under pytest-xdist the controller sees every worker's reports and writes the table.
    if not _outcomes or hasattr(terminalreporter.config, "workerinput"):
        return
    lines = table()
    terminalreporter.write_sep("-", "hostile inputs")
    for line in lines:
        terminalreporter.write_line(line)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
