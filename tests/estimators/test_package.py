"""estimators must run where the exact side is absent: importing it loads neither sympy nor the
exact layers (ARCHITECTURE.md)."""

import subprocess
import sys


def test_importing_estimators_loads_no_exact_code():
    code = (
        "import sys, estimators; "
        "bad = sorted(m for m in ('sympy', 'resolution', 'singular') if m in sys.modules); "
        "print(','.join(bad)); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
