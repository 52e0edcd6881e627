"""Side by side with computer algebra: our real threshold against Macaulay2's and Singular's complex one.

For K = Σ g_i², λ(K) (the real log canonical threshold, docs/conventions.md#the-learning-coefficient) and the complex log canonical
threshold of the ideal ⟨g⟩ satisfy λ(K) >= lct_C⟨g⟩ / 2, with equality in most cases; the real
answer is larger when the complex resolution's worst divisor has no real points (definite forms such
as x² + y² + z²: lct_C = 1 as for the cone xy = z², while λ = 3/2).  Macaulay2 (``lct`` of the
Dmodules package) and Singular (``bfctVarIn`` of dmodvar.lib, the Budur-Mustață-Saito b-function of
the variety) give lct_C; neither gives the real threshold nor a multiplicity.

Singular's ``bfctVarIn`` returns the roots of b(s) in a shifted variable: on the calibration set
below (checked against Macaulay2 in the same run), lct_C = (codim V(I) − 1) − (largest root).

Run:  python benchmarks/bench_vs_cas.py     (installs Singular and Macaulay2 from Debian when absent)
Times exclude start-up: each system times its own computation (M2 ``elapsedTiming``, Singular ``rtimer``).
"""

from __future__ import annotations

import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

import sympy

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from resolution import parse_expression  # noqa: E402
from singular import rlct  # noqa: E402
from singular.reductions import ideal_form as _ideal_form  # noqa: E402

EXTRA = [  # sums of squares beyond the catalog: definite forms, tangencies, a 3-variable ideal
    ("definite-3", "(x^2 + y^2 + z^2)^2", ["x", "y", "z"]),
    ("definite-2", "(x^2 + y^2)^2", ["x", "y"]),
    ("cone-ideal", "(x*y - z^2)^2", ["x", "y", "z"]),
    ("tangent", "(y - x^2)^2 + x^6", ["x", "y"]),
    ("two-branches", "(x^2 - y^4)^2", ["x", "y"]),
    ("ideal-3", "(x*y)^2 + (y*z)^2 + (x*z)^2", ["x", "y", "z"]),
]


def install() -> None:
    if shutil.which("M2") and shutil.which("Singular"):
        return
    print("installing Singular and Macaulay2 from Debian (no recommends) ...", flush=True)
    subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "singular", "macaulay2"], check=True)


def cases() -> list[tuple[str, str, list[str]]]:
    found = []
    for path in (ROOT.parent / "shared" / "cases" / "ground_truth.json", ROOT / "tests" / "data" / "ground_truth.json"):
        if path.exists():
            found = [
                (c["id"], c["K"], c["variables"])
                for c in json.loads(path.read_text())
                if c["K_kind"] == "expression" and c["prior"] == "1"
            ]
            break
    return found + EXTRA


def generators(text: str) -> list[str] | None:
    form = _ideal_form(parse_expression(text))
    if form is None or form[1] != 2:
        return None
    return [str(g).replace("**", "^") for g in form[0]]


def macaulay2(gens: list[str], names: list[str]) -> tuple[sympy.Rational, float]:
    script = (
        'needsPackage "Dmodules";\n'
        f"R = QQ[{','.join(names)}];\n"
        f"t = elapsedTiming lct ideal({', '.join(gens)});\n"
        'print("RESULT " | toString(t#1) | " " | toString(t#0));\n'
    )
    out = _run(["M2", "--script"], script, ".m2")
    value, seconds = re.search(r"RESULT (\S+) (\S+)", out).groups()
    return sympy.Rational(value), float(seconds)


def singular(gens: list[str], names: list[str]) -> tuple[sympy.Rational, float]:
    script = (
        'LIB "dmodvar.lib";\n'
        f"ring r = 0,({','.join(names)}),dp;\n"
        f"ideal I = {', '.join(gens)};\n"
        "int c = nvars(r) - dim(std(I));\n"
        'system("--ticks-per-sec", 1000); int t = rtimer;\n'
        "list L = bfctVarIn(I);\n"
        "int e = rtimer - t;\n"
        'print("ROOTS"); print(L[1]); print("CODIM " + string(c)); print("MS " + string(e));\n'
        "quit;\n"
    )
    out = _run(["Singular", "-q"], script, ".sing")
    roots_text = out.split("ROOTS", 1)[1].split("CODIM", 1)[0]
    roots = [sympy.Rational(r) for r in re.findall(r"-?\d+(?:/\d+)?", roots_text)]
    codim = int(re.search(r"CODIM (\d+)", out).group(1))
    ms = int(re.search(r"MS (\d+)", out).group(1))
    return (codim - 1) - max(roots), ms / 1000


#: Seconds allowed to each computer-algebra call; a case over it is reported as not finished.
TIMEOUT = 60


class TimedOut(Exception):
    pass


def _run(command: list[str], script: str, suffix: str) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=suffix, delete=False) as handle:
        handle.write(script)
    try:
        result = subprocess.run([*command, handle.name], capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise TimedOut from None
    finally:
        pathlib.Path(handle.name).unlink()
    if result.returncode != 0 and "RESULT" not in result.stdout and "ROOTS" not in result.stdout:
        raise RuntimeError(f"{command[0]} failed: {result.stderr[-500:]}")
    return result.stdout


def calibrate() -> None:
    """Singular's shift against Macaulay2's lct on ideals with known thresholds."""
    for gens, names, truth in [
        (["x^2-y^3"], ["x", "y"], sympy.Rational(5, 6)),
        (["x", "y"], ["x", "y"], 2),
        (["x", "y^2"], ["x", "y"], sympy.Rational(3, 2)),
        (["x^2", "y^2"], ["x", "y"], 1),
        (["x", "y", "z"], ["x", "y", "z"], 3),
    ]:
        m2, _ = macaulay2(gens, names)
        sg, _ = singular(gens, names)
        status = "ok" if m2 == sg == truth else "MISMATCH"
        print(f"  calibration <{', '.join(gens)}>: M2 {m2}, Singular {sg}, known {truth}: {status}")


def main() -> None:
    install()
    print("Calibration (complex lct of ideals with known values):")
    calibrate()
    print()
    header = f"{'case':<14} {'ideal':<44} {'λ(Σg²)':>8} {'m':>2} {'lct_C/2 M2':>10} {'Singular':>9}  {'ours s':>7} {'M2 s':>6} {'Sing s':>6}  verdict"
    print(header)
    print("-" * len(header))
    strict, agree = [], 0
    for name, text, names in cases():
        gens = generators(text)
        if gens is None:
            continue
        start = time.perf_counter()
        ours = rlct(text, variables=names)
        our_time = time.perf_counter() - start
        try:
            m2, m2_time = macaulay2(gens, names)
        except TimedOut:
            m2, m2_time = None, float(TIMEOUT)
        try:
            sg, sg_time = singular(gens, names)
        except TimedOut:
            sg, sg_time = None, float(TIMEOUT)
        reference = m2 if m2 is not None else sg
        if reference is None:
            print(f"{name:<14} both systems over {TIMEOUT} s; ours {ours.value}, m = {ours.multiplicity} in {our_time:.3f} s")
            continue
        half = reference / 2
        if not ours.certified:
            verdict = f"ours uncertified, bounds {ours.bounds}"
        elif ours.value == half:
            verdict, agree = "equal", agree + 1
        elif ours.value > half:
            verdict = "strict: λ > lct_C/2"
            strict.append((name, text, ours.value, half))
        else:
            verdict = "VIOLATION: λ < lct_C/2"
        if m2 is None or sg is None:
            verdict += f" ({'M2' if m2 is None else 'Singular'} over {TIMEOUT} s)"
        elif m2 != sg:
            verdict += f" (M2 and Singular disagree: {m2} vs {sg})"
        ideal = "<" + ", ".join(gens) + ">"
        print(
            f"{name:<14} {ideal[:44]:<44} {str(ours.value):>8} {str(ours.multiplicity):>2} {str(half):>10} "
            f"{str(sg / 2 if sg is not None else '-'):>9}  {our_time:7.3f} {m2_time:6.3f} {sg_time:6.3f}  {verdict}"
        )
    print()
    print(f"{agree} equal; {len(strict)} strict inequalities:")
    for name, text, value, half in strict:
        print(f"  {name}: {text}: λ = {value} > {half}: the complex threshold is attained on a divisor with no real")
        print("    points (the real zero set is smaller than the complex one), so the real integral does not see it.")


if __name__ == "__main__":
    main()
