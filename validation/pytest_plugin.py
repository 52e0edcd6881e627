"""The pytest plugin of the toolkit: the ``slow`` mark, skipped unless ``--runslow`` is given.

pytest loads this module in every environment where singular-toolkit is installed (the
``pytest11`` entry point in ``pyproject.toml``), so that a test file using
:func:`validation.testing.assert_estimator_calibrated`, such as ``examples/test_my_estimator.py``
copied into another repository, behaves there as it does here: ``@pytest.mark.slow`` is a known
mark (no ``PytestUnknownMarkWarning``, and ``--strict-markers`` accepts it), a slow test is
skipped by default, and ``python -m pytest --runslow`` runs it.  ``-m "not slow"`` deselects
slow tests as with any registered mark.

A project that defines ``--runslow`` itself in its ``conftest.py`` (the recipe in pytest's
documentation, "Control skipping of tests according to command line option") keeps its own
option: the plugin adds the option only after the project's initial conftest files have been
read and only when none of them added it, so that the two never collide; it reads the option in
either case.

Examples
--------
In another project, with the toolkit installed (``pip install singular-toolkit[testing]``)::

    $ python -m pytest test_my_estimator.py
    ... 1 passed, 1 skipped ...
    $ python -m pytest test_my_estimator.py --runslow
    ... 2 passed ...
"""

from __future__ import annotations

import pytest

SLOW = "slow: long-running; skipped unless --runslow is given"


@pytest.hookimpl(hookwrapper=True)
def pytest_load_initial_conftests(early_config, parser, args):
    """Add ``--runslow`` once the project's own conftest files are loaded, unless one of them did."""
    yield
    try:
        parser.addoption("--runslow", action="store_true", default=False, help="run tests marked slow")
    except ValueError:  # pytest's "option names {'--runslow'} already added": the project's own option
        pass


def pytest_configure(config):
    config.addinivalue_line("markers", SLOW)


def pytest_collection_modifyitems(config, items):
    """Skip every test marked ``slow`` unless ``--runslow`` was given."""
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
