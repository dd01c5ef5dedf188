"""How long validation takes: one small scenario, a 64-variant matrix, the broken corpus.

`harness validate` runs in CI on every scenario file, and `harness run` validates every variant
before starting anything, so this should stay far below a second. Prints milliseconds per file
and the ratio of a 64-variant matrix to a single variant, measured side by side in one run.
Usage: python bench/scenario_validate.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from harness.errors import ScenarioError
from harness.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 20
SINGLE = ROOT / "scenarios" / "quickstart.yaml"
MATRIX = """name: big-matrix
duration_s: 60
matrix:
  app.builtin.pool.max_size: [5, 10, 20, 40]
  load.users: [10, 50, 100, 200]
  "faults[0].death": [reset, none]
  load.think_time_s: [0, 0.5]
load:
  stages: [{type: spike, at_s: 20, for_s: 5, users: 300}]
faults:
  - {type: freeze, at_s: 10, for_s: 5}
  - {type: kill_idle, at_s: 30, idle_s: 5, every_s: 2}
checks:
  - {type: expression, expr: "errors.connection_lost <= 2 and pool.peak_waiting < 10"}
"""


def per_call_ms(fn: object, rounds: int = ROUNDS) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        fn()  # type: ignore[operator]
    return (time.perf_counter() - started) * 1000 / rounds


def main() -> int:
    corpus = sorted((ROOT / "tests" / "data" / "broken").glob("*.yaml"))

    def broken() -> None:
        for path in corpus:
            try:
                load_scenario(path)
            except ScenarioError:
                pass

    with tempfile.TemporaryDirectory() as d:
        matrix = Path(d) / "matrix.yaml"
        matrix.write_text(MATRIX)
        assert len(load_scenario(matrix).variants) == 64
        load_scenario(SINGLE)  # warm imports
        single_ms = per_call_ms(lambda: load_scenario(SINGLE))
        matrix_ms = per_call_ms(lambda: load_scenario(matrix), rounds=5)
        corpus_ms = per_call_ms(broken, rounds=3) / len(corpus)
    print(f"quickstart (2 variants): {single_ms:.1f} ms; 64-variant matrix: {matrix_ms:.1f} ms "
          f"({matrix_ms / single_ms:.1f}x, {matrix_ms / 64:.2f} ms per variant); broken corpus: {corpus_ms:.1f} ms "
          f"per file ({len(corpus)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
