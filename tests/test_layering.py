"""ARCHITECTURE.md: nothing imports upward, and estimators knows nothing of sympy."""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "resolution": {"singular", "estimators", "validation"},
    "singular": {"estimators", "validation"},
    "estimators": {"resolution", "singular", "validation", "sympy"},
    "validation": set(),
}


def _imports(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_upward_imports(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files
    for path in files:
        bad = _imports(path) & FORBIDDEN[package]
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize("package", ["estimators", "validation"])
def test_the_library_takes_an_executor_and_never_imports_dask(package):
    """Only the command line (validation/cli.py) starts a Dask cluster; the library takes any Executor."""
    for path in sorted((ROOT / package).rglob("*.py")):
        if path.relative_to(ROOT).as_posix() != "validation/cli.py":
            assert not _imports(path) & {"dask", "distributed"}, f"{path.relative_to(ROOT)} imports dask"
