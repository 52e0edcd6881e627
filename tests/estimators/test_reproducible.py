"""Same seed, same numbers across processes: the automatic settings and the estimate do not depend
on the allocator's state (what memory held before, where buffers land)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = r"""
import sys, warnings
import torch
torch.set_num_threads(1)
warnings.simplefilter("ignore")
junk = [torch.randint(0, 9, (int(n),), dtype=torch.int32) for n in range(1, 4000, 37)] if sys.argv[1] == "1" else []
del junk[::2]  # freed buffers of junk: the next allocations reuse dirty memory at other addresses
from estimators import estimate_llc
gen = torch.Generator().manual_seed(0)
x = torch.randn(600, 2, generator=gen, dtype=torch.float64)
y = x @ torch.tensor([1.0, -1.0], dtype=torch.float64) + torch.randn(600, generator=gen, dtype=torch.float64)
net = torch.nn.Linear(2, 1, bias=False).double()
with torch.no_grad():
    net.weight.copy_(torch.linalg.lstsq(x, y[:, None], driver="gelsd").solution.T)
est = estimate_llc(net, (x, y), seed=1, num_chains=2, max_steps=600)
print(net.weight.flatten().tolist(), repr(est.config.step_size), est.config.batch_size, repr(est.mean))
"""


@pytest.mark.slow
def test_auto_settings_are_bitwise_reproducible_across_processes():
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root), OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    outs = [subprocess.run([sys.executable, "-c", SCRIPT, dirty], capture_output=True, text=True, env=env,
                           timeout=300, check=True).stdout for dirty in ("0", "1", "1")]
    assert outs[0] and outs[0] == outs[1] == outs[2], outs
