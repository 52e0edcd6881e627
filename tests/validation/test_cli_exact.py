"""The exact side of the command line (issue 19): closed forms without the symbolic model."""

import json

import pytest

import singular.families
import validation.cli as cli
from singular.families import dln, dln_size, rrr_size, tanh_size


@pytest.mark.parametrize(
    "argv, kind",
    [
        (["model", "dln", "--widths", "6,6,6,6,6,6,6", "--true-rank", "2", "--json"], "dln_model"),
        (["model", "dln", "--widths", "20,30,10,40,25", "--true-rank", "7", "--json"], "dln_model"),
        (["model", "rrr", "--inputs", "50", "--outputs", "40", "--rank", "30", "--json"], "rrr_model"),
        (["model", "tanh", "--hidden", "40", "--json"], "tanh_model"),
    ],
)
def test_closed_forms_never_build_the_symbolic_model(argv, kind, monkeypatch, capsys):
    def refuse(*args, **kwargs):
        raise AssertionError("the symbolic model was built without --verify")

    monkeypatch.setattr(singular.families, kind, refuse)
    assert cli.main(argv) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["certified"] is True


def test_dln_closed_form_and_its_size():
    # Aoyagi (2024) Thm 1 for H_s = 6 (s = 0..6), r = 2: M_s = 4, Σ = all 7 indices, ℓ = 6, S = 28,
    # M̄ = 5, a = 28 − 4·6 = 4: λ = (−4 + 2·12)/2 + 4·2/24 − 6·5/4·(28/6)² + ½·21·16 = 15.
    assert dln([6] * 7, 2).value == 15
    assert dln_size([6] * 7, 2) == ("dln(widths=[6, 6, 6, 6, 6, 6, 6], r=2)", 6 * 36)
    assert rrr_size(2, 3, 4, 1)[1] == 4 * (2 + 3) and tanh_size(5)[1] == 10


@pytest.mark.parametrize("argv", [["rlct", "x^2*y^3"], ["model", "dln", "--widths", "2,3,4", "--true-rank", "1"],
                                  ["resolve", "x^2 - y^3"], ["rlct", "0.5*x"]])  # the last: the error boundary too
def test_exact_commands_start_without_torch(argv):
    """The exact commands load neither torch nor scipy.stats (seconds of start-up on a loaded machine)."""
    import subprocess
    import sys

    probe = ("import sys; from validation.cli import main; main(sys.argv[1:]); "
             "loaded = [m for m in ('torch', 'scipy.stats') if m in sys.modules]; "
             "sys.exit(f'loaded {loaded}' if loaded else 0)")
    done = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_help_loads_no_library():
    """``singular --help`` and each command's help only build the parser: a command imports what it needs
    when it runs, so that the help starts in a tenth of a second instead of seconds (issue 16)."""
    import subprocess
    import sys

    probe = ("import sys\n"
             "from validation.cli import main\n"
             "for argv in (['--help'], *([c, '--help'] for c in ('rlct', 'resolve', 'tour', 'model', 'estimate', 'bench'))):\n"
             "    try:\n"
             "        main(argv)\n"
             "    except SystemExit as exc:\n"
             "        assert exc.code == 0, argv\n"
             "heavy = ('torch', 'scipy', 'sympy', 'numpy', 'matplotlib', 'resolution', 'singular', 'estimators')\n"
             "loaded = sorted({m.split('.')[0] for m in sys.modules} & set(heavy))\n"
             "sys.exit(f'loaded {loaded}' if loaded else 0)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_the_error_boundary_reports_bad_input_and_lets_a_bug_through(monkeypatch, capsys):
    import validation.cli.rlct

    assert cli.main(["rlct", "x^2", "--at", "q=1"]) == 2
    assert capsys.readouterr().err.startswith("singular: error:")

    def bug(*args, **kwargs):
        raise RuntimeError("a bug, not bad input")

    monkeypatch.setattr(validation.cli.rlct, "exact_rlct", bug)
    with pytest.raises(RuntimeError, match="a bug"):
        cli.main(["rlct", "x^2"])


def test_a_reader_that_leaves_ends_the_command_quietly():
    """``singular rlct ... | head -c 0``: writing to a pipe nobody reads is no error of the user's input."""
    import os
    import subprocess
    import sys

    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run([sys.executable, "-m", "validation", "rlct", "x^2*y^4"], stdout=write,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (1, "")
