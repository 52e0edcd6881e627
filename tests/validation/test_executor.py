"""Executors: the same rows in this process, on a process pool and on a Dask cluster; a killed driver loses nothing."""

import json
import os
import pathlib
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ProcessPoolExecutor

import pytest

from validation import main
from validation.benchmark import Estimator, run_benchmark
from studies.dln_scale import run_dln_scale

ESTIMATOR = Estimator("sgld", step_size=3e-4, num_draws=40, num_burnin=10, batch_size=64, num_chains=2)
CASES, SEEDS, N = ["nc-w"], (0, 1, 2), 200
WALL_CLOCK = {"seconds"}
"""The one field of a row that is not a function of its task's arguments: the estimate's wall-clock time."""


def _timeless(rows):
    return [{k: v for k, v in _columns(row).items() if k not in WALL_CLOCK} for row in rows]


def _columns(row) -> dict:
    """A benchmark row's columns (a dln_scale row is a dict already)."""
    return row if isinstance(row, dict) else row.to_dict()


@pytest.fixture(scope="module")
def in_process():
    return _timeless(run_benchmark(ESTIMATOR, CASES, seeds=SEEDS, n=N).rows)


@pytest.fixture(scope="module")
def pool(forkserver):
    with ProcessPoolExecutor(2, mp_context=forkserver) as pool:
        yield pool


def test_a_process_pool_gives_the_rows_of_this_process_in_its_order(in_process, pool):
    rows = _timeless(run_benchmark(ESTIMATOR, CASES, seeds=SEEDS, n=N, executor=pool).rows)
    assert [r["seed"] for r in rows] == list(SEEDS)
    assert rows == in_process
    assert len({r["estimate"] for r in rows}) == len(SEEDS)  # three datasets, three estimates: not one row copied


def test_a_two_worker_dask_cluster_gives_the_rows_of_this_process(in_process, forkserver):
    dask = pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    with dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"}):
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \
                distributed.Client(cluster) as client:
            rows = _timeless(run_benchmark(ESTIMATOR, CASES, seeds=SEEDS, n=N, executor=client.get_executor()).rows)
            assert len(client.nthreads()) == 2
    assert rows == in_process


def test_the_deep_linear_network_protocol_gives_the_same_rows_on_a_pool(pool):
    kwargs = dict(n=500, num_draws=20, num_burnin=5, num_chains=2, max_steps=100)
    here = run_dln_scale([30], [1], **kwargs)
    there = run_dln_scale([30], [1], executor=pool, **kwargs)
    assert _timeless(there) == _timeless(here) and [r["sampler"] for r in here] == ["sgld", "rmsprop_sgld"]


_DRIVER = """
import multiprocessing, sys
import torch._dynamo  # imported by the first vmap: once here, not in each forked worker
from concurrent.futures import ProcessPoolExecutor
sys.path.insert(0, {root!r})
from validation import main
from validation.benchmark import Estimator, run_benchmark
if __name__ == "__main__":
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        run_benchmark(Estimator(**{estimator!r}), {cases!r}, seeds={seeds!r}, n={n}, out={out!r}, executor=pool)
"""


def test_a_killed_driver_and_a_rerun_lose_nothing_and_write_no_row_twice(tmp_path, in_process):
    """Kill the driver (and its pool) after its first row is written; the re-run computes only the rest."""
    seeds = SEEDS
    log = tmp_path / "rows.jsonl"
    root = str(pathlib.Path(__file__).resolve().parents[2])
    script = tmp_path / "driver.py"
    fields = {"sampler": "sgld", "step_size": 3e-4, "num_draws": 40, "num_burnin": 10, "batch_size": 64,
              "num_chains": 2}
    script.write_text(_DRIVER.format(root=root, estimator=fields, cases=CASES, seeds=seeds, n=N, out=str(tmp_path)))
    driver = subprocess.Popen([sys.executable, str(script)], start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline and driver.poll() is None and not (log.exists() and log.read_text().count("\n")):
        time.sleep(0.02)
    os.killpg(driver.pid, signal.SIGKILL)  # the driver and its workers, as when a job is killed
    driver.wait()
    before = [json.loads(line) for line in log.read_text().splitlines()]
    assert 1 <= len(before) < len(seeds)
    report = run_benchmark(ESTIMATOR, CASES, seeds=seeds, n=N, out=tmp_path)
    after = [json.loads(line) for line in log.read_text().splitlines()]
    assert after[: len(before)] == before  # the rows written before the kill were kept, not computed again
    assert sorted(r["seed"] for r in after) == list(seeds)  # each row once
    assert _timeless(report.rows) == in_process


def test_cli_workers_without_dask_says_what_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed raises ImportError
    assert main(["bench", "--workers", "2", "--out", str(tmp_path)]) == 2
    assert "pip install singular-toolkit[distributed]" in capsys.readouterr().err
    assert not (tmp_path / "rows.jsonl").exists()


def test_cli_workers_and_scheduler_exclude_each_other(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["bench", "--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"])
    assert stopped.value.code == 2 and "not allowed with argument" in capsys.readouterr().err


@pytest.mark.slow  # 12 cases twice
def test_cli_bench_on_two_workers_writes_the_rows_of_an_in_process_run(tmp_path, capsys, forkserver):
    dask = pytest.importorskip("dask")
    quick = ["bench", "--sampler", "sgld", "--n", "200", "--max-steps", "100", "--reference-draws", "0", "--json"]
    assert main([*quick, "--out", str(tmp_path / "here")]) == 0
    here = json.loads(capsys.readouterr().out)["rows"]
    with dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"}):
        assert main([*quick, "--workers", "2", "--out", str(tmp_path / "there")]) == 0
    there = json.loads(capsys.readouterr().out)["rows"]
    assert _timeless(there) == _timeless(here) and len(here) == 12


def _warn_and_return(i: int, pause: float) -> dict:
    """A task whose row holds the warning it emitted, caught as the benchmark's rows catch theirs."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        time.sleep(pause)
        warnings.warn(f"task {i}")
        time.sleep(pause)
    return {"i": i, "warnings": [str(w.message) for w in caught]}


def test_tasks_in_threads_of_one_process_keep_their_own_warnings():
    from concurrent.futures import ThreadPoolExecutor

    from estimators.rowlog import RowLog, fill_rows

    tasks = [(i, _warn_and_return, (i, 0.05)) for i in range(6)]
    with ThreadPoolExecutor(3) as threads:
        rows = fill_rows(RowLog(None, key=lambda row: row["i"]), tasks, executor=threads)
    assert [row["warnings"] for row in rows] == [[f"task {i}"] for i in range(6)]


def _fail_on(i: int, bad: int) -> dict:
    time.sleep(0.2 * i)
    if i == bad:
        raise RuntimeError(f"task {i} failed")
    return {"i": i}


def test_a_failing_task_on_dask_raises_and_keeps_the_rows_that_came_back(tmp_path):
    """Cancelled Dask futures never complete: the driver must not wait for them (it hung before)."""
    pytest.importorskip("distributed")
    script = textwrap.dedent(f"""
        import sys
        import distributed
        from estimators.rowlog import RowLog, fill_rows
        sys.path.insert(0, {str(pathlib.Path(__file__).parent)!r})
        from test_executor import _fail_on

        if __name__ == "__main__":
            log = RowLog({str(tmp_path / "rows.jsonl")!r}, key=lambda row: row["i"])
            tasks = [(i, _fail_on, (i, 2)) for i in range(8)]
            with distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \\
                    distributed.Client(cluster) as client:
                try:
                    fill_rows(log, tasks, executor=client.get_executor())
                except RuntimeError as exc:
                    print("raised:", exc)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert "raised: task 2 failed" in done.stdout, done.stderr[-2000:]
    rows = tmp_path / "rows.jsonl"
    kept = [json.loads(line)["i"] for line in rows.read_text().splitlines()] if rows.exists() else []
    assert 2 not in kept and len(kept) == len(set(kept))  # which rows came back first is Dask's to decide


@pytest.mark.parametrize("executor", ["dask", object(), 4, ProcessPoolExecutor])
def test_an_executor_that_is_not_one_is_refused_before_anything_runs(executor):
    from estimators import BadSetting

    with pytest.raises(BadSetting, match="executor"):
        run_benchmark(ESTIMATOR, CASES, seeds=SEEDS, n=N, executor=executor)


def test_a_dask_client_instead_of_its_executor_is_refused_with_the_hint():
    from estimators import BadSetting
    from estimators.rowlog import RowLog, fill_rows

    class Client:  # what the check reads of a distributed.Client: it has get_executor
        def get_executor(self):
            raise AssertionError("not called")

    with pytest.raises(BadSetting, match=r"client\.get_executor\(\)"):
        fill_rows(RowLog(None, key=lambda row: row["i"]), [(0, dict, ())], executor=Client())


def test_cli_a_malformed_scheduler_address_is_an_error_line(capsys):
    pytest.importorskip("distributed")
    assert main(["bench", "--scheduler", "notanaddress", "--n", "50"]) == 2
    assert "--scheduler 'notanaddress'" in capsys.readouterr().err


def test_a_key_given_twice_is_computed_and_written_once(tmp_path):
    from estimators.rowlog import RowLog, fill_rows

    calls = []

    def square(x):
        calls.append(x)
        return {"x": x, "square": x * x}

    log = RowLog(tmp_path / "rows.jsonl", key=lambda row: row["x"])
    rows = fill_rows(log, [(x, square, (x,)) for x in (3, 3, 2)])
    assert rows == [{"x": 3, "square": 9}, {"x": 3, "square": 9}, {"x": 2, "square": 4}]
    assert calls == [3, 2] and len((tmp_path / "rows.jsonl").read_text().splitlines()) == 2


def _nested_rows(x: int) -> dict:
    from estimators.rowlog import RowLog, fill_rows

    inner = fill_rows(RowLog(None, key=lambda row: row["y"]), [(y, dict, ((("y", y),),)) for y in range(x)])
    return {"x": x, "inner": len(inner)}


def test_a_task_that_fills_rows_itself_does_not_wait_on_its_own_lock():
    import threading

    from estimators.rowlog import RowLog, fill_rows

    rows = []
    tasks = [(x, _nested_rows, (x,)) for x in (1, 2, 3)]
    worker = threading.Thread(target=lambda: rows.extend(fill_rows(RowLog(None, key=lambda row: row["x"]), tasks)),
                              daemon=True)  # a deadlock would leave it waiting: the test fails instead of hanging
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive() and [row["inner"] for row in rows] == [1, 2, 3]
