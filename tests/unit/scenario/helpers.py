"""Writing a scenario to a file and loading it, or collecting its one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import ScenarioError
from harness.scenario.loader import LoadedScenario, load_scenario

HEAD = "name: x\nduration_s: 60\n"


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def load(tmp_path: Path, text: str) -> LoadedScenario:
    return load_scenario(write(tmp_path, text))


def errors(tmp_path: Path, text: str) -> list[str]:
    """The error lines, without the file name prefix."""
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return [line.removeprefix(f"{path}:").removeprefix(" ") for line in info.value.lines()]
