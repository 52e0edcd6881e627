"""The quick benchmark in this process and on a 2-worker Dask LocalCluster: the same rows, and the two times.

    python benchmarks/bench_executor.py [--workers 2] [--suite quick]

Runs ``singular bench --suite quick --json`` twice, each into a fresh folder: once in-process, once
with ``--workers N`` (a ``distributed.LocalCluster`` of N single-threaded worker processes, started
and stopped inside the timed command).  Prints both wall-clock times (each includes starting
Python and importing torch; the second also starting the cluster) and their ratio, then compares
the rows.  Every field must be equal except ``seconds``, the wall-clock time of each estimate,
which is not a function of the task.  Exits 1 on any difference, naming the row and the fields.
CI runs it (``.ci/run``).  Threads are pinned (``OMP_NUM_THREADS=1 MKL_NUM_THREADS=1``; each
estimate runs with one torch thread anyway), so the speed-up comes from the workers alone.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

WALL_CLOCK = {"seconds"}


def _bench(arguments: list[str], out: str) -> tuple[list[dict], float]:
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "validation", "bench", "--json", "--out", out, *arguments],
                          env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"singular bench {' '.join(arguments)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)["rows"], seconds


def _differences(here: list[dict], there: list[dict]) -> list[str]:
    if len(here) != len(there):
        return [f"{len(here)} rows in-process, {len(there)} on the workers"]
    found = []
    for a, b in zip(here, there):
        fields = sorted(k for k in set(a) | set(b) if k not in WALL_CLOCK and a.get(k) != b.get(k))
        if fields:
            found.append(f"{a['estimator'].split('(')[0]} on {a['case']} (seed {a['seed']}): {', '.join(fields)} differ")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="Dask workers (default 2)")
    parser.add_argument("--suite", choices=("quick", "full"), default="quick")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        here, t_here = _bench(["--suite", args.suite], os.path.join(folder, "in-process"))
        there, t_there = _bench(["--suite", args.suite, "--workers", str(args.workers)],
                                os.path.join(folder, "workers"))
    print(f"{args.suite} suite, {len(here)} rows: in-process {t_here:.0f} s, on a {args.workers}-worker LocalCluster "
          f"{t_there:.0f} s (ratio {t_here / t_there:.2f}; {os.cpu_count()} cores)")
    differences = _differences(here, there)
    if differences:
        print("rows differ:\n  " + "\n  ".join(differences))
        sys.exit(1)
    print(f"rows identical (every field but {', '.join(sorted(WALL_CLOCK))})")


if __name__ == "__main__":
    main()
