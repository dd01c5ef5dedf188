"""The run directory: ``reports/<scenario>/<YYYYmmdd-HHMMSS>/`` plus a ``latest`` link, and the
scenario as run (variants expanded, secrets redacted)."""

from __future__ import annotations

import copy
import datetime as dt
import os
from pathlib import Path
from typing import Any

import yaml

from harness.stack.mysql import redact_dsn


def new_run_dir(scenario_name: str, out: Path | None, root: Path = Path("reports")) -> tuple[Path, str]:
    """Create the run directory; returns (path, run_id)."""
    run_id = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        return out, run_id
    base = root / scenario_name
    path = base / run_id
    n = 1
    while path.exists():  # two runs in one second
        n += 1
        path = base / f"{run_id}-{n}"
    path.mkdir(parents=True)
    latest = base / "latest"
    try:
        if latest.is_symlink() or latest.exists():
            latest.unlink()
        os.symlink(path.name, latest)
    except OSError:
        pass  # a filesystem without symlinks: the timestamped directory is enough
    return path, path.name


def redact(doc: Any) -> Any:
    """Passwords out of every DSN-like or password-like value, recursively."""
    if isinstance(doc, dict):
        out = {}
        for k, v in doc.items():
            if isinstance(v, str) and any(w in str(k).lower() for w in ("password", "secret", "token")):
                out[k] = "***"
            else:
                out[k] = redact(v)
        return out
    if isinstance(doc, list):
        return [redact(v) for v in doc]
    if isinstance(doc, str) and "://" in doc and "@" in doc:
        return redact_dsn(doc)
    return doc


def write_scenario(run_dir: Path, raw: dict[str, Any], variants: list[tuple[str, dict[str, Any]]],
                   descriptions: dict[str, str] | None = None) -> None:
    """The scenario as run: the original document with its variants expanded (the matrix becomes
    plain variants, each with all its overrides), only the variants that ran, secrets redacted.
    ``harness report`` loads it back and finds the same variant names."""
    doc = copy.deepcopy(raw)
    doc.pop("matrix", None)
    described = descriptions or {}
    if doc.get("variants") or len(variants) > 1 or (variants and variants[0][0] != "default"):
        doc["variants"] = [{"name": name, **({"description": described[name]} if name in described else {}),
                            "set": dict(sets)} for name, sets in variants]
    (run_dir / "scenario.yaml").write_text(yaml.safe_dump(redact(doc), sort_keys=False, allow_unicode=True))
