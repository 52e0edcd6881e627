"""Repository-wide pytest set-up: the hypothesis profile, and one torch thread in each of the two test
processes (``-n 2`` in pyproject.toml: two processes of two threads each would oversubscribe a 2-core
machine and take as long as one).  The ``slow`` mark and ``--runslow`` come from the toolkit's own
pytest plugin (:mod:`validation.pytest_plugin`, ``-p`` in pyproject.toml's addopts)."""

import os
import sys

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, max_examples=60)
settings.load_profile("ci")


def pytest_configure(config):
    if os.environ.get("PYTEST_XDIST_WORKER"):
        os.environ["OMP_NUM_THREADS"] = "1"
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(1)


@pytest.fixture(scope="session")
def forkserver():
    """A ``forkserver`` multiprocessing context whose server has imported the toolkit once, so that
    each worker process (of a ``ProcessPoolExecutor`` or a Dask ``LocalCluster``) starts at once
    instead of importing torch again, as ``spawn`` would; unlike ``fork`` it copies no threads.
    ``torch._dynamo`` too: the first ``torch.func.vmap`` of a process imports it (4 s here)."""
    import multiprocessing
    import multiprocessing.forkserver

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["validation.benchmark", "studies.dln_scale", "torch._dynamo"])
    multiprocessing.forkserver.ensure_running()
    return context
