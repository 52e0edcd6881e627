"""A feature that needs an extra says which one when it is missing.

The missing package is simulated in a new interpreter (``sys.modules[name] = None`` makes its import
fail as an absent package does); ``.ci/run`` checks the same in a venv that lacks it.
"""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _import_without(module: str, missing: str) -> subprocess.CompletedProcess:
    code = f"import sys; sys.modules[{missing!r}] = None; import {module}"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": ""})


def test_strategies_without_hypothesis_say_how_to_get_it():
    result = _import_without("validation.strategies", "hypothesis")
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ModuleNotFoundError: validation.strategies needs hypothesis")
    assert "pip install singular-toolkit[testing]" in last


def test_a_broken_hypothesis_is_not_reported_as_a_missing_one():
    result = _import_without("validation.strategies", "hypothesis.strategies")
    assert result.returncode == 1
    assert "singular-toolkit[testing]" not in result.stderr
    assert "hypothesis.strategies" in result.stderr.strip().splitlines()[-1]
