"""llc_trajectory: every checkpoint form, the settings lock, and resuming after a kill."""

import dataclasses
import functools
import hashlib
import inspect
import json
import logging
import os
import pathlib
import signal
import socket
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import matplotlib.figure
import numpy as np
import pytest
import torch

from estimators import (
    BadData,
    BadSetting,
    LLCWarning,
    RowLog,
    Trajectory,
    estimate_llc,
    gaussian_nll,
    llc_trajectory,
    plot_observables,
)
from estimators.rowlog import exclusive
from estimators.trajectory import TrajectoryRow

SETTINGS = dict(step_size=1e-3, num_chains=2, num_draws=30, num_burnin=10, batch_size=100, seed=3)


def _problem():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(400, 2, generator=gen)
    y = x @ torch.tensor([1.0, -1.0]) + torch.randn(400, generator=gen)
    return torch.nn.Linear(2, 1, bias=False), (x, y)


def _states(k=4):
    return [{"weight": torch.tensor([[0.25 * i, -0.25 * i]])} for i in range(k)]


def test_each_row_is_the_estimate_at_that_checkpoint():
    net, data = _problem()
    before = net.weight.detach().clone()
    states = _states(3)
    traj = llc_trajectory(states, data, model=net, steps=[10, 20, 30], **SETTINGS)
    assert torch.equal(net.weight, before)  # checkpoints go into copies
    assert traj.steps.tolist() == [10, 20, 30]
    for state, row in zip(states, traj.rows):
        copy = torch.nn.Linear(2, 1, bias=False)
        copy.load_state_dict(state)
        with pytest.warns(LLCWarning):  # checkpoints away from the minimum: flagged, and the row keeps the verdict
            est = estimate_llc(copy, data, **SETTINGS)
        assert row.verdict == est.verdict != "ok"
        assert row.llc == pytest.approx(est.mean) and row.loss == pytest.approx(est.init_loss)


def test_forms_of_checkpoints_agree(tmp_path):
    net, data = _problem()
    states = _states(3)
    for i, state in enumerate(states):
        torch.save(state, tmp_path / f"step_{i * 100:06d}.pt")
    from_list = llc_trajectory(states, data, model=net, steps=[0, 100, 200], **SETTINGS)
    from_dir = llc_trajectory(tmp_path, data, model=net, **SETTINGS)
    from_map = llc_trajectory(dict(zip([0, 100, 200], states)), data, model=net, **SETTINGS)
    from_fn = llc_trajectory(lambda s: states[s // 100], data, model=net, steps=np.arange(0, 201, 100),
                             out=tmp_path / "log", **SETTINGS)  # numpy steps are stored as plain numbers
    for other in (from_dir, from_map, from_fn):
        assert other.steps.tolist() == [0, 100, 200]
        np.testing.assert_allclose(other.series("llc"), from_list.series("llc"))


def _timeless(trajectory):
    """The rows without their wall-clock ``seconds``, the one field that is not a function of the task."""
    return [dataclasses.replace(row, seconds=None) for row in trajectory.rows]


def test_a_process_pool_gives_the_rows_of_this_process_each_worker_reading_its_file(tmp_path, forkserver):
    net, data = _problem()
    states = _states(3)
    for i, state in enumerate(states):
        torch.save(state, tmp_path / f"step_{i}.pt")
    here = llc_trajectory(states, data, model=net, **SETTINGS)
    with ProcessPoolExecutor(2, mp_context=forkserver) as pool:
        there = llc_trajectory(tmp_path, data, model=net, executor=pool, out=tmp_path / "log", **SETTINGS)
    assert _timeless(there) == _timeless(here) and there.steps.tolist() == [0, 1, 2]
    lines = [json.loads(line) for line in (tmp_path / "log" / "trajectory.jsonl").read_text().splitlines()]
    assert list(lines[0]) == ["settings"] and sorted(r["step"] for r in lines[1:]) == [0, 1, 2]


def test_on_an_executor_a_failing_checkpoint_stops_the_run_and_the_rows_before_it_are_kept(tmp_path):
    net, data = _problem()
    states = _states(3)
    states[2] = {"weight": torch.zeros(3, 3)}
    threads = torch.get_num_threads()
    with ThreadPoolExecutor(1) as pool, pytest.raises(BadData, match="checkpoint at step 2 does not fit the model"):
        llc_trajectory(states, data, model=net, executor=pool, out=tmp_path, **SETTINGS)
    assert torch.get_num_threads() == threads  # the tasks ran here with one thread; the count is given back
    kept = [json.loads(line) for line in (tmp_path / "trajectory.jsonl").read_text().splitlines()]
    assert "settings" in kept[0] and sorted(r["step"] for r in kept[1:]) == [0, 1]  # every row that came back


def test_components_give_weight_refined_llcs():
    net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(3, 1))
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(300, 2, generator=gen)
    y = torch.randn(300, 1, generator=gen)
    traj = llc_trajectory([net.state_dict()], (x, y), model=net, components={"first": ["0.*"], "second": ["1.*"]},
                          **SETTINGS)
    assert traj.components == ["first", "second"]
    # parameters of the first layer only: 9 of the 13, so a regular-ish count well below the whole
    assert np.isfinite(traj.series("llc/first")).all() and np.isfinite(traj.series("std_err/second")).all()


def test_bad_input_is_named():
    net, data = _problem()
    with pytest.raises(BadSetting, match="steps"):
        llc_trajectory(lambda s: {}, data, model=net, **SETTINGS)
    with pytest.raises(BadData, match="does not fit"):
        llc_trajectory([{"bias": torch.zeros(1)}], data, model=net, **SETTINGS)
    with pytest.raises(BadData, match="2 state dicts but 3 steps"):
        llc_trajectory(_states(2), data, model=net, steps=[1, 2, 3], **SETTINGS)
    with pytest.raises(TypeError, match="weights"):  # components= gives weight-refined LLCs
        llc_trajectory(_states(2), data, model=net, weights=["weight"], **SETTINGS)


@pytest.mark.parametrize("checkpoints, extra, error, name, words", [
    (None, {}, BadSetting, "checkpoints", "must be a folder of .pt/.pth files, a list of state dicts"),
    (5, {}, BadSetting, "checkpoints", "must be a folder of .pt/.pth files, a list of state dicts"),
    ([], {}, BadSetting, "checkpoints", "holds no checkpoint"),
    ({}, {}, BadSetting, "checkpoints", "holds no checkpoint"),
    (_states(2), {"steps": []}, BadSetting, "steps", "is empty"),
    (_states(3), {"steps": [5, 5, 6]}, BadSetting, "steps", "repeats step 5"),
    (dict(enumerate(_states(1))), {"steps": [0, 5]}, BadData, None, "no checkpoint for steps [5] in the dict"),
    (_states(1), {"model": None}, BadSetting, "model", "must be a torch.nn.Module"),
    (_states(1), {"components": {"w": "weight"}}, BadSetting, "components", "must map each name to a list"),
])
def test_bad_arguments_are_named(checkpoints, extra, error, name, words):
    net, data = _problem()
    with pytest.raises(error) as raised:
        llc_trajectory(checkpoints, data, **({"model": net} | SETTINGS | extra))
    assert words in str(raised.value) and getattr(raised.value, "name", None) == name


def _save(folder, names):
    for k, name in enumerate(names):
        torch.save(_states(len(names))[k], folder / name)


def test_the_step_of_a_file_is_the_number_after_step_else_its_only_number(tmp_path):
    net, data = _problem()
    _save(tmp_path, ["ckpt_step100_seed0.pt", "ckpt_step200_seed0.pt", "model_300.pth"])
    from_dir = llc_trajectory(tmp_path, data, model=net, **SETTINGS)
    from_list = llc_trajectory(_states(3), data, model=net, steps=[100, 200, 300], **SETTINGS)
    assert from_dir.steps.tolist() == [100, 200, 300]
    np.testing.assert_allclose(from_dir.series("llc"), from_list.series("llc"))  # each row its own checkpoint


@pytest.mark.parametrize("names, words", [
    (["model_000200.pt", "model_000200_backup.pt"], "model_000200.pt and model_000200_backup.pt in"),
    (["model_v2_000300.pt"], "model_v2_000300.pt has 2 candidate steps (2, 000300) in its name"),
    (["ckpt_step1_step2.pt"], "ckpt_step1_step2.pt has 2 candidate steps (1, 2) in its name"),
    (["final.pt"], "final.pt has no number in its name"),
])
def test_ambiguous_file_names_and_two_files_of_one_step_are_refused_naming_the_files(tmp_path, names, words):
    net, data = _problem()
    _save(tmp_path, names)
    with pytest.raises(BadData) as raised:
        llc_trajectory(tmp_path, data, model=net, **SETTINGS)
    assert words in str(raised.value)
    assert ("both hold step 200" if len(names) == 2 else "name each file with one step") in str(raised.value)


def test_an_unreadable_checkpoint_is_named_by_file_and_step_and_unsafe_loading_is_never_advised(tmp_path):
    net, data = _problem()
    torch.save(_states(1)[0], tmp_path / "step_1.pt")
    whole = (tmp_path / "step_1.pt").read_bytes()
    (tmp_path / "step_2.pt").write_bytes(whole[: len(whole) // 2])
    (tmp_path / "step_3.pt").write_bytes(b"")
    torch.save(torch.nn.Linear(2, 1, bias=False), tmp_path / "step_4.pt")
    said = {2: "cannot be read: it is truncated, empty or not a file of torch.save (RuntimeError: PytorchStreamReader",
            3: "cannot be read: it is truncated, empty or not a file of torch.save (EOFError)",
            4: "holds a torch.nn.modules.linear.Linear, and only tensors in dicts and lists are read from a file"}
    for step, words in said.items():
        with pytest.raises(BadData) as raised:
            llc_trajectory(tmp_path, data, model=net, steps=[step], **SETTINGS)
        assert f"checkpoint {tmp_path / f'step_{step}.pt'} (step {step}) {words}" in str(raised.value)
        assert "weights_only" not in str(raised.value) and raised.value.__suppress_context__  # torch's advice hidden
    assert len(llc_trajectory(tmp_path, data, model=net, steps=[1], **SETTINGS).rows) == 1


def test_resume_refuses_other_settings(tmp_path):
    net, data = _problem()
    llc_trajectory(_states(2), data, model=net, out=tmp_path, **SETTINGS)
    with pytest.raises(BadSetting, match="differ"):
        llc_trajectory(_states(2), data, model=net, out=tmp_path, **(SETTINGS | {"step_size": 2e-3}))


def _half_mse(output, target):
    return (output.reshape(target.shape) - target).square().mean() / 2


def _lines(path):
    return path.read_text().splitlines()


def test_resume_with_another_loss_is_refused_naming_it(tmp_path):
    net, data = _problem()
    llc_trajectory(_states(2), data, model=net, out=tmp_path, loss_fn=gaussian_nll(sigma=0.5), **SETTINGS)
    written = _lines(tmp_path / "trajectory.jsonl")
    assert json.loads(written[0])["settings"]["loss_fn"] == "gaussian_nll(sigma=0.5)"
    for other, recorded in ((gaussian_nll(sigma=1.0), "gaussian_nll(sigma=1.0)"),
                            (_half_mse, f"{__name__}._half_mse"), (None, None)):
        with pytest.raises(BadSetting) as refused:
            llc_trajectory(_states(3), data, model=net, out=tmp_path, loss_fn=other, **SETTINGS)
        assert refused.value.name == "loss_fn" and refused.value.value == recorded
        assert f"differs from the run in {tmp_path}, which used loss_fn='gaussian_nll(sigma=0.5)'" in str(refused.value)
    assert _lines(tmp_path / "trajectory.jsonl") == written  # nothing added
    resumed = llc_trajectory(_states(3), data, model=net, out=tmp_path, loss_fn=gaussian_nll(sigma=0.5), **SETTINGS)
    assert len(resumed.rows) == 3 and len(_lines(tmp_path / "trajectory.jsonl")) == len(written) + 1


def test_every_differing_setting_is_named_and_a_default_equals_its_explicit_value(tmp_path):
    net, data = _problem()
    llc_trajectory(_states(1), data, model=net, out=tmp_path, **SETTINGS)
    llc_trajectory(_states(2), data, model=net, out=tmp_path, sampler="sgld", localization=1.0, **SETTINGS)
    with pytest.raises(BadSetting, match=r"nbeta=50.0 differs .* which used nbeta=None; so does seed=4 \(it used 3\);"):
        llc_trajectory(_states(2), data, model=net, out=tmp_path, nbeta=50.0, **(SETTINGS | {"seed": 4}))


def test_a_lambda_loss_is_refused_with_out_and_kept_by_its_repr_without(tmp_path):
    net, data = _problem()
    loss = lambda output, target: _half_mse(output, target)  # noqa: E731
    with pytest.raises(BadSetting, match="cannot be recognized when the run in out=.* is resumed: it is .*<lambda>, a "
                                         "lambda or defined inside a function; define it at module level") as refused:
        llc_trajectory(_states(1), data, model=net, out=tmp_path, loss_fn=loss, **SETTINGS)
    assert refused.value.name == "loss_fn" and not list(tmp_path.iterdir())
    assert llc_trajectory(_states(1), data, model=net, loss_fn=loss, **SETTINGS).settings["loss_fn"] == repr(loss)


class _ScaledMSE:
    """A loss object with the default repr: recorded by its class and public attributes."""

    def __init__(self, scale):
        self.scale = scale

    def __call__(self, output, target):
        return (self.scale * (output.reshape(target.shape) - target).square()).mean() / 2


_ONE = {"shape": [], "dtype": "torch.float32", "sha256": hashlib.sha256(np.float32(1.0).tobytes()).hexdigest()}


@pytest.mark.parametrize("name, make, recorded", [
    ("loss_fn", lambda: functools.partial(_half_mse), {"partial": f"{__name__}._half_mse", "args": [], "keywords": {}}),
    ("loss_fn", lambda: _ScaledMSE(torch.tensor(1.0)), f"{__name__}._ScaledMSE with {json.dumps({'scale': _ONE})}"),
    ("nbeta", lambda: np.float64(50.0), 50.0),
])
def test_settings_are_recorded_by_a_name_another_run_shares(name, make, recorded, tmp_path):
    net, data = _problem()
    traj = llc_trajectory(_states(1), data, model=net, out=tmp_path, **{name: make()}, **SETTINGS)
    assert traj.settings[name] == recorded
    llc_trajectory(_states(2), data, model=net, out=tmp_path, **{name: make()}, **SETTINGS)  # a new, equal object


def test_a_loss_object_whose_tensor_attribute_differs_is_refused(tmp_path):
    net, data = _problem()
    llc_trajectory(_states(1), data, model=net, out=tmp_path, loss_fn=_ScaledMSE(torch.tensor(1.0)), **SETTINGS)
    with pytest.raises(BadSetting, match="differs from the run") as refused:
        llc_trajectory(_states(2), data, model=net, out=tmp_path, loss_fn=_ScaledMSE(torch.tensor(2.0)), **SETTINGS)
    assert refused.value.name == "loss_fn"


def test_a_keyword_estimate_llc_does_not_take_is_refused_before_anything_is_written(tmp_path):
    net, data = _problem()
    with pytest.raises(TypeError, match="nums_draws"):
        llc_trajectory(_states(1), data, model=net, out=tmp_path, nums_draws=30)
    assert not list(tmp_path.iterdir())


def test_a_run_that_fails_before_its_first_row_binds_no_settings(tmp_path):
    net, data = _problem()
    with pytest.raises(BadData, match="does not fit"):
        llc_trajectory([{"bias": torch.zeros(1)}], data, model=net, out=tmp_path, **SETTINGS)
    traj = llc_trajectory(_states(1), data, model=net, out=tmp_path, **(SETTINGS | {"step_size": 2e-3}))
    assert traj.settings["step_size"] == 2e-3


_CHILD = textwrap.dedent("""
    import sys, torch
    sys.path.insert(0, {root!r})
    from tests.estimators.test_trajectory import SETTINGS, _problem, _states
    from estimators import llc_trajectory
    net, data = _problem()
    llc_trajectory(_states(40), data, model=net, out={out!r}, **SETTINGS)
""")


@pytest.mark.slow  # 39 s (a child process trains and is killed); the lock tests stay in the default run
def test_a_killed_run_resumes_without_recomputing(tmp_path):
    """SIGKILL a run after two checkpoints are written; the re-run loads only the others."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    log = tmp_path / "trajectory.jsonl"
    child = subprocess.Popen([sys.executable, "-c", _CHILD.format(root=root, out=str(tmp_path))])
    deadline = time.time() + 120
    while time.time() < deadline and child.poll() is None:
        if log.exists() and sum('"step"' in line for line in log.read_text().splitlines()) >= 2:
            break
        time.sleep(0.05)
    net, data = _problem()
    states = _states(40)
    with pytest.raises(BadSetting, match=f"out='{tmp_path}' is in use by another run: .* process {child.pid} "):
        llc_trajectory(states, data, model=net, out=tmp_path, **SETTINGS)  # a second run while the child runs
    child.send_signal(signal.SIGKILL)
    child.wait()
    finished = [json.loads(line)["step"] for line in log.read_text().splitlines()[1:] if line.endswith("}")]
    assert 2 <= len(finished) < 40
    assert (tmp_path / "trajectory.jsonl.lock").exists()  # left by the kill: stale, and taken over below
    loaded = []

    def load(step):
        loaded.append(step)
        return states[step]

    resumed = llc_trajectory(load, data, model=net, steps=range(40), out=tmp_path, **SETTINGS)
    assert not set(loaded) & set(finished) and sorted(loaded + finished) == list(range(40))
    fresh = llc_trajectory(states, data, model=net, **SETTINGS)
    np.testing.assert_allclose(resumed.series("llc"), fresh.series("llc"))
    assert not (tmp_path / "trajectory.jsonl.lock").exists()


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _lock(tmp_path, **owner):
    lock = tmp_path / "trajectory.jsonl.lock"
    lock.write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": "then"} | owner))
    return lock


def test_a_run_into_a_folder_locked_by_a_live_run_or_another_host_is_refused(tmp_path):
    net, data = _problem()
    for owner in ({}, {"host": "elsewhere", "pid": _dead_pid()}):
        lock = _lock(tmp_path, **owner)
        with pytest.raises(BadSetting, match="in use by another run") as refused:
            llc_trajectory(_states(2), data, model=net, out=tmp_path, **SETTINGS)
        assert refused.value.name == "out" and f"on {json.loads(lock.read_text())['host']} at then" in str(refused.value)
        assert "delete trajectory.jsonl.lock" in str(refused.value) and not (tmp_path / "trajectory.jsonl").exists()


def test_a_stale_lock_of_a_dead_process_on_this_host_is_taken_over_and_removed_at_the_end(tmp_path):
    net, data = _problem()
    lock = _lock(tmp_path, pid=_dead_pid())
    traj = llc_trajectory(_states(2), data, model=net, out=tmp_path, **SETTINGS)
    assert len(traj.rows) == 2 and not lock.exists() and not list(tmp_path.glob("*.stale-*"))


def test_the_lock_is_removed_when_the_run_fails(tmp_path):
    net, data = _problem()
    with pytest.raises(BadData, match="does not fit"):
        llc_trajectory([{"bias": torch.zeros(1)}], data, model=net, out=tmp_path, **SETTINGS)
    assert not (tmp_path / "trajectory.jsonl.lock").exists()
    with exclusive(tmp_path / "trajectory.jsonl"):
        with pytest.raises(BadSetting, match=f"process {os.getpid()} on "):
            llc_trajectory(_states(1), data, model=net, out=tmp_path, **SETTINGS)


def test_rowlog_drops_a_line_cut_off_by_a_kill(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"step": 1, "llc": 2.0}\n{"step": 2, "ll')
    log = RowLog(path, key=lambda r: r["step"])
    assert log.get(1) == {"step": 1, "llc": 2.0} and log.get(2) is None
    log.append({"step": 2, "llc": 3.0})
    assert RowLog(path, key=lambda r: r["step"]).get(2) == {"step": 2, "llc": 3.0}


def test_plot_marks_transitions(tmp_path):
    net, data = _problem()
    traj = llc_trajectory(_states(8), data, model=net, steps=range(1, 9), **SETTINGS)
    path = tmp_path / "t.png"
    traj.plot(path)
    assert path.stat().st_size > 10_000


def _stepped(steps, missing=()):
    """A trajectory whose LLC jumps from 0.1 to 0.9 at step 20 (None at the ``missing`` rows)."""
    return Trajectory(tuple(TrajectoryRow(float(s), None if i in missing else (0.1 if s < 20 else 0.9), 0.01,
                                          1.0 - 0.01 * s) for i, s in enumerate(steps)), {})


def test_a_log_axis_leaves_out_step_0_and_says_so(caplog):
    traj = _stepped(range(40))
    with caplog.at_level(logging.INFO, logger="estimators.trajectory"):
        found = traj.transitions("llc", log_steps=True)
    assert [(t.step, t.index, t.kind) for t in found] == [(20.0, 20, "level")]
    assert "the points at steps [0.] are left out (log(step) needs step > 0)" in caplog.text


def test_a_transition_index_is_its_row_in_the_trajectory_when_rows_are_left_out():
    traj = _stepped(range(40), missing=(3, 4))
    (found,) = traj.transitions("llc")
    assert traj.rows[found.index].step == found.step == 20.0


def test_the_log_panels_draw_every_step_above_0_and_say_step_0_is_left_out(tmp_path, monkeypatch):
    drawn = []
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", lambda fig, *args, **kwargs: drawn.append(fig))
    _stepped(range(40)).plot(tmp_path / "t.png")
    (fig,) = drawn
    log_panels = [ax for ax in fig.axes if ax.get_xscale() == "log"]
    assert len(log_panels) == 2  # the LLC and the loss
    for ax in log_panels:
        assert ax.lines[0].get_xdata().tolist() == list(range(1, 40))
        assert "not on the log axis: step 0" in [text.get_text() for text in ax.texts]
    assert [line.get_xdata()[0] for line in log_panels[0].lines[1:]] == [20.0]  # the LLC's change point


def test_components_may_be_masks_and_are_recorded_for_resume(tmp_path):
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(300, 3, generator=gen, dtype=torch.float64)
    y = x @ torch.tensor([1.0, -1.0, 0.5], dtype=torch.float64) + torch.randn(300, generator=gen, dtype=torch.float64)
    net = torch.nn.Linear(3, 1, bias=False).double()
    states = {k: {"weight": torch.tensor([[1.0, -1.0, 0.5]], dtype=torch.float64) * k / 2} for k in (1, 2)}
    first = {"first two": {"weight": torch.tensor([[True, True, False]])}}
    run = dict(model=net, step_size=1e-4, num_draws=20, num_burnin=0, num_chains=2, checks=False)
    traj = llc_trajectory(states, (x, y), components=first, out=tmp_path, **run)
    assert traj.components == ["first two"] and np.isfinite(traj.series("llc/first two")).all()
    other = {"first two": {"weight": torch.tensor([[True, False, True]])}}
    with pytest.raises(BadSetting, match="components"):
        llc_trajectory(states, (x, y), components=other, out=tmp_path, **run)


def test_the_settings_are_those_of_estimate_llc_with_its_defaults():
    """llc_trajectory spells out every setting of estimate_llc (no ** pass-through): none missing, none
    extra, the same defaults, so that a stored default and an explicit one stay the same run."""
    own = {"checkpoints", "data", "model", "steps", "components", "out", "progress", "executor"}
    theirs = {n: p.default for n, p in inspect.signature(estimate_llc).parameters.items()
              if n not in {"model", "data", "weights", "progress"}}
    ours = {n: p.default for n, p in inspect.signature(llc_trajectory).parameters.items() if n not in own}
    assert ours == theirs and list(ours) == list(theirs)


def test_a_log_written_before_the_records_change_resumes_without_recomputing(tmp_path):
    """tests/estimators/data/trajectory-before-records.jsonl: two checkpoints of a Linear(2, 1) in a
    Sequential, one component, written by the code before plots and rows moved."""
    old = pathlib.Path(__file__).parent / "data" / "trajectory-before-records.jsonl"
    (tmp_path / "trajectory.jsonl").write_text(old.read_text())
    lines = [json.loads(line) for line in old.read_text().splitlines()]
    net = torch.nn.Sequential(torch.nn.Linear(2, 1, bias=False))
    loaded = []

    def load(step):
        loaded.append(step)
        return {"0.weight": torch.tensor([[0.5 * step, -0.5 * step]])}

    traj = llc_trajectory(load, (torch.zeros(200, 2), torch.zeros(200)), model=net, steps=[0, 1], step_size=1e-3,
                          num_draws=30, num_burnin=10, num_chains=2, components={"w": ["0.*"]}, out=tmp_path)
    assert loaded == [] and (tmp_path / "trajectory.jsonl").read_text() == old.read_text()
    assert [r.to_dict() for r in traj.rows] == lines[1:] and traj.settings == lines[0]["settings"]
    assert traj.components == ["w"] and traj.series("llc/w").tolist() == [r["llc/w"] for r in lines[1:]]


def test_plots_leave_the_backend_and_pyplot_alone_and_draw_on_a_given_figure(tmp_path):
    import matplotlib
    import matplotlib.pyplot as plt

    backend, figures = matplotlib.get_backend(), plt.get_fignums()
    fig = _stepped(range(1, 40)).plot()
    assert isinstance(fig, matplotlib.figure.Figure) and len(fig.axes) == 4  # LLC and loss, linear and log
    given = matplotlib.figure.Figure()
    found = plot_observables(np.arange(1.0, 41.0), {"acc": np.where(np.arange(1, 41) < 20, 0.1, 0.9)}, fig=given)
    assert [t.step for t in found["acc"]] == [20.0] and len(given.axes) == 2 and given.axes[0].lines
    assert _stepped(range(1, 40)).plot(fig=given) is given
    assert matplotlib.get_backend() == backend and plt.get_fignums() == figures
