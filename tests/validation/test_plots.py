"""The bridge's figures draw on a given ax or a new Figure and leave matplotlib's global state alone."""

import matplotlib
import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure

from resolution import resolve
from validation.benchmark import Estimator, run_benchmark
from validation.plots import draw_tree, plot_estimates, plot_relative_errors, plot_worst_traces


@pytest.fixture(scope="module")
def rows():
    est = Estimator("sgld", step_size=1e-3, num_draws=30, num_burnin=10, batch_size=64, num_chains=2)
    return run_benchmark([est, lambda m, d, w: 0.3], ["nc-w1w2", "regular-1"], n=200).rows


@pytest.fixture(scope="module")
def tree():
    return resolve(["x**2 - y**3"], ["x", "y"])


def _drawings(rows, tree):
    return {"estimates": lambda ax: plot_estimates(rows, ax=ax), "errors": lambda ax: plot_relative_errors(rows, ax=ax),
            "tree": lambda ax: draw_tree(tree, ax=ax, title="cusp")}


@pytest.mark.parametrize("name", ["estimates", "errors", "tree", "traces"])
def test_a_figure_is_returned_and_no_backend_or_pyplot_figure_is_touched(name, rows, tree):
    backend, figures = matplotlib.get_backend(), plt.get_fignums()
    draw = _drawings(rows, tree).get(name, lambda ax: plot_worst_traces(rows))
    fig = draw(None)
    assert isinstance(fig, Figure) and fig.axes
    assert matplotlib.get_backend() == backend and plt.get_fignums() == figures


@pytest.mark.parametrize("name", ["estimates", "errors", "tree"])
def test_drawing_on_a_given_ax_draws_there(name, rows, tree):
    fig = Figure()
    left, right = fig.subplots(1, 2)
    assert _drawings(rows, tree)[name](right) is fig
    assert not left.has_data() and (right.has_data() or right.texts)  # the tree's boxes are texts
    assert len(fig.axes) == 2


def test_the_worst_traces_are_the_rows_furthest_from_lambda(rows):
    fig = plot_worst_traces(rows, count=1)
    worst = max((r for r in rows if r.trace), key=lambda r: abs(r.rel_error))
    (ax,) = fig.axes
    assert ax.get_title().startswith(f"{worst.case} s{worst.seed}: ") and len(ax.lines) == 2 + 1  # 2 chains, L_n(w*)


def test_draw_tree_saves_where_asked(tmp_path, tree):
    path = tmp_path / "tree.png"
    draw_tree(tree, path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_report_writes_its_figures_without_touching_pyplot(rows, tmp_path):
    from validation.report import BenchmarkReport

    figures = plt.get_fignums()
    written = BenchmarkReport(rows).plot(tmp_path)
    assert [p.name for p in written] == ["estimate_vs_exact.png", "relative_error.png", "worst_traces.png"]
    assert all(p.stat().st_size > 0 for p in written) and plt.get_fignums() == figures
