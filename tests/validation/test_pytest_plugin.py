"""The pytest plugin, seen from another project: a fresh directory where the toolkit is installed.

The toolkit's entry points are read from ``pyproject.toml`` and written into a dist-info on the
path of the pytest run, as ``pip install`` would, so that these tests check the declaration and the
plugin together and fail on a checkout without either (there, ``examples/test_my_estimator.py``
copied elsewhere warns ``Unknown pytest.mark.slow`` and runs its slow test).
"""

import os
import pathlib

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, before it entered the standard library
    import tomli as tomllib

pytest_plugins = ["pytester"]

ROOT = pathlib.Path(__file__).resolve().parents[2]

SLOW_AND_FAST = """
import pytest

@pytest.mark.slow
def test_slow():
    pass

def test_fast():
    pass
"""

# The recipe of pytest's documentation ("Control skipping of tests according to command line option").
OWN_RUNSLOW = """
import pytest

def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False, help="run slow tests")

def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(pytest.mark.skip(reason="need --runslow option to run"))
"""


@pytest.fixture
def project(pytester, tmp_path, monkeypatch):
    """``pytester``'s fresh project, with the toolkit installed as pip would install it."""
    entry_points = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"].get("entry-points", {})
    dist_info = tmp_path / "site-packages" / "singular_toolkit-0.1.0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: singular-toolkit\nVersion: 0.1.0\n")
    (dist_info / "entry_points.txt").write_text("".join(
        f"[{group}]\n" + "".join(f"{name} = {target}\n" for name, target in names.items())
        for group, names in entry_points.items()))
    monkeypatch.syspath_prepend(dist_info.parent)  # for runs in this process
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(dist_info.parent), str(ROOT)]))  # and in a new one
    return pytester


@pytest.mark.slow
def test_the_copied_example_knows_the_slow_mark_and_skips_its_slow_test(project):
    """In a new interpreter (within one, ``pytest.mark`` remembers the marks known to any earlier run),
    which imports torch for the example: 10 to 60 s here, hence slow; ``.ci/run`` runs the same file
    from the wheel in a fresh venv on every run."""
    project.makepyfile(test_my_estimator=(ROOT / "examples" / "test_my_estimator.py").read_text())
    result = project.runpytest_subprocess("--strict-markers", "-k", "is_calibrated", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*slow: run with --runslow*"])


def test_runslow_runs_slow_tests_and_not_slow_deselects_them(project):
    project.makepyfile(SLOW_AND_FAST)
    project.runpytest_inprocess().assert_outcomes(passed=1, skipped=1)
    project.runpytest_inprocess("--runslow").assert_outcomes(passed=2)
    project.runpytest_inprocess("--runslow", "-m", "not slow").assert_outcomes(passed=1, deselected=1)


def test_a_project_with_its_own_runslow_keeps_it(project):
    project.makeconftest(OWN_RUNSLOW)
    project.makepyfile(SLOW_AND_FAST)
    project.runpytest_inprocess().assert_outcomes(passed=1, skipped=1)
    project.runpytest_inprocess("--runslow").assert_outcomes(passed=2)
