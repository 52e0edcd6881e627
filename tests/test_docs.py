"""Every code block of README.md and docs/*.md runs as written, so the documentation cannot drift.

Blocks are fenced (```) or indented by four spaces, and are of four kinds:

- Python with ``>>>`` prompts: a doctest; the printed output must match what the block shows
  (``...`` matches anything, whitespace is normalised).
- Python without prompts: executed; it must not raise (its own ``assert`` lines check it).
- Shell: lines ``$ command`` followed by the output they show (compared as a doctest's), or bare
  command lines.  ``singular ...`` runs in this process through the command line's ``main`` and
  must exit 0; ``python examples/...`` runs in a subprocess.
- Anything else is a formula, and must contain no command.

A block is named by its page and its first line.  Blocks that use names the reader supplies
(``model``, ``X``, ``Y``) get them from ``SETUP``; blocks too slow for the default run are in
``SLOW`` (with the fast variant run instead, where there is one); blocks that cannot run here are in
``EXCLUDED`` with the reason.  A new block runs by default, so a new page is covered without
editing this file.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import os
import pathlib
import re
import shlex
import subprocess
import sys
import warnings
from dataclasses import dataclass

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
COMMANDS = ("singular", "python", "python3", "pip", "mkdocs")
CHECKER_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    language: str
    code: str

    @property
    def key(self) -> tuple[str, str]:
        return self.page, self.code.lstrip("$ ").splitlines()[0]

    @property
    def kind(self) -> str:
        if self.language == "python":
            return "doctest" if self.code.lstrip().startswith(">>>") else "python"
        first = [line.lstrip("$ ").split(" ", 1)[0] for line in self.code.splitlines() if line.strip()]
        return "shell" if first and first[0] in COMMANDS else "formula"


def _blocks(path: pathlib.Path) -> list[Block]:
    lines, found, i, after_blank = path.read_text().split("\n"), [], 0, True
    page = str(path.relative_to(ROOT))
    while i < len(lines):
        fence = re.match(r"^```(\w*)\s*$", lines[i])
        if fence:
            end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
            found.append(Block(page, i + 1, fence.group(1), "\n".join(lines[i + 1:end])))
            i, after_blank = end + 1, False
        elif after_blank and lines[i].startswith("    ") and lines[i].strip():
            end = i
            while end < len(lines) and (lines[end].startswith("    ") or not lines[end].strip()):
                end += 1
            while not lines[end - 1].strip():
                end -= 1
            found.append(Block(page, i + 1, "", "\n".join(line[4:] for line in lines[i:end])))
            i, after_blank = end, False
        else:
            after_blank, i = not lines[i].strip(), i + 1
    return found


BLOCKS = [block for page in PAGES for block in _blocks(page)]

_TRAINING = """
import torch
X = torch.randn(1000, 2)
Y = X @ torch.tensor([1.0, -1.0]) + torch.randn(1000)
model = torch.nn.Linear(2, 1)
with torch.no_grad():
    model.weight.copy_(torch.linalg.lstsq(X, Y[:, None]).solution.T)
    model.bias.zero_()
"""
_CHECKPOINTS = _TRAINING + """
import pathlib

class MyNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = torch.nn.ModuleList([torch.nn.Sequential(torch.nn.Linear(2, 2)),
                                           torch.nn.Sequential(torch.nn.Linear(2, 1))])

    def forward(self, x):
        return self.blocks[1](self.blocks[0](x))

pathlib.Path("run/checkpoints").mkdir(parents=True)
torch.manual_seed(0)
net, saved = MyNet(), (1, 3, 10, 30, 100, 300)  # six checkpoints: find_transitions needs 2·min_size
optimizer = torch.optim.Adam(net.parameters(), lr=0.05)
for step in range(1, saved[-1] + 1):
    optimizer.zero_grad()
    torch.nn.functional.mse_loss(net(X)[:, 0], Y).backward()
    optimizer.step()
    if step in saved:
        torch.save(net.state_dict(), f"run/checkpoints/step_{step:06d}.pt")
"""

SETUP = {  # names a block takes from the reader: a small model and its data
    ("README.md", "from estimators import estimate_llc, gaussian_nll"): _TRAINING,
    ("docs/estimators.md", "from estimators import estimate_llc, gaussian_nll"): _TRAINING,
    ("docs/trajectories.md", "from estimators import llc_trajectory"): _CHECKPOINTS,
}

SLOW = {  # blocks run only with --runslow, and why
    ("README.md", "from estimators import estimate_llc, gaussian_nll"): "automatic settings and every check",
    ("docs/estimators.md", "from estimators import estimate_llc, gaussian_nll"): "automatic settings and every check",
    ("docs/trajectories.md", "from estimators import llc_trajectory"): "six checkpoints, two estimates each with every check",
    ("docs/observables.md", "import torch"): "800 steps with every check and four observables: 30 s here",
    ("docs/benchmark.md", "singular bench                       # quick: 12 cases × sgld, rmsprop_sgld, n = 2000, under 3 min"):
        "the benchmark, minutes even at its fast variants",
    ("docs/studies.md", "python examples/tms_study.py --out study-tms --seed 0          # about 4 min here"):
        "training runs, minutes even at --quick",
}
FAST = {  # a command as written -> the variant run instead ({tmp}: the test's folder)
    "singular model dln --widths 2,3,4,5 --true-rank 1 --verify --seconds 60":
        "singular model dln --widths 2,3,4,5 --true-rank 1 --verify --seconds 2",
    "singular bench": "singular bench --n 300 --max-steps 200 --out {tmp}/quick",
    "singular bench --sampler sgld,sgld_fixed": "singular bench --sampler sgld,sgld_fixed --n 300 --max-steps 200 --out {tmp}/fixed",
    "singular bench --sampler sgld_extrapolated --seeds 1":
        "singular bench --sampler sgld_extrapolated --seeds 1 --n 300 --max-steps 200 --out {tmp}/extrapolated",
    **{f"python examples/{name}_study.py --out study-{name}" + seed: f"python examples/{name}_study.py --quick --out {{tmp}}/{name}"
       for name, seed in [("tms", " --seed 0"), ("grokking", ""), ("induction", ""), ("digits", "")]},
}

EXCLUDED = {
    ("README.md", "python3 -m venv .venv && . .venv/bin/activate && pip install torch==2.13.0 && pip install -e . && singular bench"):
        "creates a virtual environment and installs from PyPI; `singular bench` itself is the benchmark.md block",
    ("README.md", 'python3 -m venv .venv && . .venv/bin/activate && pip install torch==2.13.0 && pip install -e ".[dev]" && python -m pytest'):
        "creates a virtual environment and installs from PyPI: it is what CI runs (checked against .ci/run below)",
    ("docs/getting-started.md", "python3 -m venv .venv && . .venv/bin/activate && pip install torch==2.13.0 && pip install -e . && singular bench"):
        "the README's set-up command (checked equal to it below)",
    ("docs/getting-started.md", 'python3 -m venv .venv && . .venv/bin/activate && pip install torch==2.13.0 && pip install -e ".[dev]" && python -m pytest'):
        "the README's test command (checked equal to it below)",
    ("docs/getting-started.md", 'pip install -e ".[docs]" && mkdocs build --strict'):
        "installs from PyPI; CI runs `mkdocs build --strict` itself (checked in .ci/run below)",
    ("docs/exact-rlct.md", "singular rlct EXPR [--vars x,y,z] [--prior EXPR] [--at x=1,y=0] [--nonneg t,s]"):
        "a usage synopsis: EXPR and the bracketed options are placeholders",
    ("docs/resolution.md", "singular resolve EXPR [--vars ...] [--prior ...] [--at ...] [--json] [--dot FILE] [--png FILE]"):
        "a usage synopsis: EXPR, FILE and the bracketed options are placeholders",
    ("docs/scaling.md", "from distributed import Client, LocalCluster"):
        "the full catalog on 4 workers (about 52 minutes of estimates); tests/validation/test_executor.py runs "
        "the same call on a 2-worker LocalCluster with two cases",
    ("docs/scaling.md", "from dask_jobqueue import SLURMCluster"):
        "needs a SLURM batch system and dask-jobqueue",
    ("docs/scaling.md", "import multiprocessing"):
        "MyNet, X, Y and run/checkpoints are the reader's own; tests/estimators/test_trajectory.py runs "
        "llc_trajectory on a process pool",
    ("docs/scaling.md", "singular bench --workers 4                          # a LocalCluster of 4 single-threaded workers"):
        "a usage example with a cluster address; the slow CLI test runs singular bench --workers 2",
}
# Single commands of otherwise runnable blocks that cannot run here, and why.
EXCLUDED_COMMANDS = {
    "python benchmarks/bench_dln.py --out bench-dln": "78 minutes, and its --quick variant still about 40 minutes here",
    "singular bench --suite full --out runs/full": "52 minutes, and the full suite has no smaller variant: 48 cases, "
                                                   "d > 3 targets by long MALA runs",
}


def _id(block: Block) -> str:
    return f"{block.page}:{block.line}"


def _check_output(block: Block, command: str, expected: str, got: str) -> None:
    if expected and not doctest.OutputChecker().check_output(expected, got, CHECKER_FLAGS):
        pytest.fail(f"{_id(block)}: `{command}` printed\n{got}\ninstead of\n{expected}")


def _session(code: str) -> list[tuple[str, str]]:
    """(command, expected output) pairs: `$ ` lines with the lines below them, or bare command lines;
    each command without its comment."""
    pairs: list[tuple[str, list[str]]] = []
    for line in code.splitlines():
        if line.startswith("$ ") or not code.lstrip().startswith("$ "):
            if line.strip():
                pairs.append((shlex.join(shlex.split(line.removeprefix("$ "), comments=True)), []))
        else:
            pairs[-1][1].append(line)
    return [(command, "\n".join(output) + "\n" if output else "") for command, output in pairs]


def _run_command(block: Block, command: str, expected: str, tmp_path: pathlib.Path) -> None:
    argv = shlex.split(command)
    if argv[0] == "singular":
        from validation.cli import main

        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = main(argv[1:])
        assert status == 0, f"{_id(block)}: `{command}` exited {status}"
        _check_output(block, command, expected, out.getvalue())
    elif argv[0] == "python" and argv[1].startswith("examples/"):
        done = subprocess.run([sys.executable, str(ROOT / argv[1]), *argv[2:]], cwd=tmp_path, capture_output=True,
                              text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=1800)
        assert done.returncode == 0, f"{_id(block)}: `{command}` failed:\n{done.stderr[-3000:]}"
        _check_output(block, command, expected, done.stdout)
    else:
        pytest.fail(f"{_id(block)}: no rule runs `{command}`: add one, or list the block in EXCLUDED with the reason")


def _run(block: Block, tmp_path: pathlib.Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    if block.kind == "formula":
        assert not any(re.match(r"\s*(>>>|import |from \w+ import |\$ )", line) for line in block.code.splitlines()), \
            f"{_id(block)} reads as code: label it ```python or make it a command"
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small budgets: the verdicts' LLCWarnings are not the point here
        namespace: dict = {}
        exec(compile(SETUP.get(block.key, ""), f"setup of {_id(block)}", "exec"), namespace)
        if block.kind == "doctest":
            test = doctest.DocTestParser().get_doctest(block.code, namespace, _id(block), block.page, block.line)
            runner = doctest.DocTestRunner(optionflags=CHECKER_FLAGS)
            report = io.StringIO()
            runner.run(test, out=report.write)
            assert runner.failures == 0, report.getvalue()
        elif block.kind == "python":
            exec(compile(block.code, _id(block), "exec"), namespace)
        else:
            for command, expected in _session(block.code):
                if command not in EXCLUDED_COMMANDS:
                    _run_command(block, FAST.get(command, command).format(tmp=tmp_path), expected, tmp_path)


def _params(slow: bool):
    return [pytest.param(block, id=_id(block)) for block in BLOCKS
            if block.key not in EXCLUDED and (block.key in SLOW) == slow]


@pytest.mark.parametrize("block", _params(slow=False))
def test_the_block_runs(block, tmp_path, monkeypatch):
    _run(block, tmp_path, monkeypatch)


@pytest.mark.slow
@pytest.mark.parametrize("block", _params(slow=True))
def test_the_slow_block_runs(block, tmp_path, monkeypatch):
    _run(block, tmp_path, monkeypatch)


def test_every_listed_block_exists():
    """A renamed or removed block or command must leave these lists too, or they would name nothing."""
    keys = [block.key for block in BLOCKS]
    for key in set(SETUP) | set(SLOW) | set(EXCLUDED):
        assert keys.count(key) == 1, f"{key} names {keys.count(key)} blocks, not one"
    commands = {command for block in BLOCKS if block.kind == "shell" for command, _ in _session(block.code)}
    assert set(EXCLUDED_COMMANDS) | set(FAST) <= commands, (set(EXCLUDED_COMMANDS) | set(FAST)) - commands


def test_the_set_up_commands_are_the_readmes_and_ci_runs_them():
    readme = [block.code for block in BLOCKS if block.page == "README.md" and block.code.startswith("python3 -m venv")]
    started = [block.code for block in BLOCKS if block.page == "docs/getting-started.md"
               and block.code.startswith("python3 -m venv")]
    assert len(readme) == 2 and started == readme
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert readme[1] in ci and "mkdocs build --strict" in ci


@pytest.mark.parametrize("block, error", [
    (Block("docs/x.md", 1, "python", '>>> from singular import rlct\n>>> rlct("x^2*y^4").value\n1/3'), AssertionError),
    (Block("docs/x.md", 1, "", '$ singular rlct "x^2*y^4"\nRLCT 1/3, multiplicity 1 ...'), pytest.fail.Exception),
    (Block("docs/x.md", 1, "", "$ singular rlct x^2 --at x=1"), AssertionError),  # exits 2: f does not vanish
    (Block("docs/x.md", 1, "python", "import torch\ntorch.zeros(2) @ torch.zeros(3)"), RuntimeError),
    (Block("docs/x.md", 1, "", "$ singular-typo rlct x"), AssertionError),  # reads as a command, runs as none
])
def test_a_block_that_prints_something_else_or_raises_fails(block, error, tmp_path, monkeypatch):
    with pytest.raises(error):
        _run(block, tmp_path, monkeypatch)


def test_every_citation_of_the_conventions_names_one_of_its_sections():
    """Code, certificates and pages cite docs/conventions.md#<section>: each is a heading there
    (slugged as mkdocs does for ASCII headings)."""
    headings = re.findall(r"^#+ (.+)$", (ROOT / "docs" / "conventions.md").read_text(), flags=re.M)
    anchors = {re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", heading).strip().lower()) for heading in headings}
    cited = {}
    for path in ROOT.glob("**/*"):
        if path.suffix in {".py", ".md"} and ".venv" not in path.parts and "site" not in path.parts:
            for citation in re.findall(r"conventions\.md((?:#[\w-]+(?:, )?)+)", path.read_text()):
                for anchor in re.findall(r"#([\w-]+)", citation):
                    cited.setdefault(anchor, str(path.relative_to(ROOT)))
    assert len(cited) >= 10 and set(cited) <= anchors, {a: f for a, f in cited.items() if a not in anchors}
