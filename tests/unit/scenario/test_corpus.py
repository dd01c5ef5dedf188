"""The broken-scenario corpus: each file is refused with exit 2 and one line naming the key.

Every file in tests/data/broken/ starts with ``# expect: <fragment>``; `harness validate` must
answer it with exactly one line that begins with the file's path and contains the fragment.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.scenario.loader import validate_files

ROOT = Path(__file__).resolve().parents[3]
CORPUS = sorted((ROOT / "tests" / "data" / "broken").glob("*.yaml"))


def expected(path: Path) -> str:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name}: first line must be '# expect: <fragment>'"
    return first.removeprefix("# expect: ")


def test_the_corpus_is_large_enough() -> None:
    """At least 30 broken scenarios."""
    assert len(CORPUS) >= 30


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_each_broken_file_gets_one_line_naming_the_key(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Exit 2, one line on stderr: the file, the line, the key path and the expectation."""
    code = validate_files([path])
    err = capsys.readouterr().err.splitlines()
    assert (code, len(err)) == (2, 1), err
    assert err[0].startswith(f"{path}:") and expected(path) in err[0]


def test_harness_validate_on_the_whole_corpus() -> None:
    """The CLI: exit 2, one line per file, nothing on stdout, no traceback."""
    proc = subprocess.run([sys.executable, "-m", "harness", "validate", *map(str, CORPUS)], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    lines = proc.stderr.splitlines()
    assert (proc.returncode, proc.stdout, len(lines)) == (2, "", len(CORPUS))
    assert "Traceback" not in proc.stderr
