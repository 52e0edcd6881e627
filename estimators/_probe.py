"""The measurements at w* (and at the chains' points) that ``estimate_llc``'s automatic settings and
checks read: the curvature spectrum, the gradient, the distance to a minimum and the gradient noise."""

from __future__ import annotations

import functools
import math

import numpy as np
import torch
from torch import Tensor

from . import curvature
from ._data import Data
from ._objective import Objective
from ._run import ChainRunner
from ._params import Params
from .curvature import MinimumCheck, _Hessian, flatten

_HESSIAN_FLOATS = 5 * 10**7  # samples × parameters for the curvature at w*: all samples when within this
_HESSIAN_MIN_SAMPLES = 2048
_NOISE_SAMPLES = 1024
_NOISE_FLOATS = 2**28  # samples × parameters for the gradient noise: fewer samples (down to 256) beyond it
_NOISE_MIN_SAMPLES = 256


class Probe:
    """The measurements at w* and at the chains' points that the rules and the checks read."""

    def __init__(self, objective: Objective, center: Params, data: Data, *, nbeta, localization, seed):
        self.objective, self.center, self.data = objective, center, data
        self.nbeta, self.localization, self.seed = nbeta, localization, seed
        gen = torch.Generator().manual_seed(int(np.random.SeedSequence([seed, 0x48]).generate_state(1)[0]))
        device = next(iter(center.values())).device
        order = torch.randperm(data.n, generator=gen).to(device)
        dimension = sum(p.numel() for p in center.values())
        samples = max(_HESSIAN_MIN_SAMPLES, _HESSIAN_FLOATS // max(dimension, 1))
        noise_samples = max(_NOISE_MIN_SAMPLES, min(_NOISE_SAMPLES, _NOISE_FLOATS // max(dimension, 1)))
        self.hessian_idx, self.noise_idx = order[:samples], order[:noise_samples]

    def spectrum(self, steps: int):
        return curvature.spectrum(self.objective, self.center, self.hessian_batch, nbeta=self.nbeta,
                                  localization=self.localization, steps=steps, seed=self.seed)

    @functools.cached_property
    def hessian_batch(self):
        """The samples the curvature at w* is measured on (all of them up to 5·10⁷ samples × parameters)."""
        return self.data.take(self.hessian_idx)

    @functools.cached_property
    def gradient(self) -> Tensor:
        """∇L_n(w*) on all the data, flat (float64)."""
        return curvature.full_gradient(self.objective, self.center, self.data)

    def minimum(self, spectrum) -> MinimumCheck:
        return curvature.minimum(self.objective, self.center, self.data, nbeta=self.nbeta,
                                 localization=self.localization, spectrum=spectrum,
                                 hessian_batch=self.hessian_batch, gradient=self.gradient)

    def curvature_error(self, spectrum) -> float:
        """The standard error of the lowest curvature's data part, from the two halves of the curvature
        samples: |vᵀ∇²U₁v − vᵀ∇²U₂v|/2 along the lowest Ritz vector v (each half's noise is √2 times
        the whole's, so their difference has twice the whole's standard deviation)."""
        halves = self.hessian_idx[: len(self.hessian_idx) // 2], self.hessian_idx[len(self.hessian_idx) // 2:]
        v = spectrum.bottom_vector
        quotients = [float(v @ _Hessian(self.objective, self.center, self.data.take(idx), nbeta=self.nbeta,
                                        localization=self.localization).matvec(v)) for idx in halves]
        return abs(quotients[0] - quotients[1]) / 2

    def noise_trace(self, runner: ChainRunner, state) -> float:
        """tr(G·C) averaged over the chains' current points (per-sample gradients on 1024 samples, fewer
        down to 256 when samples × parameters would pass 2²⁸)."""
        metric = runner.sampler.preconditioner(state)
        rows = Data(self.data.take(self.noise_idx), len(self.noise_idx), "")
        traces = []
        for c in range(runner.num_chains):
            point = {k: v[c] for k, v in state.params.items()}
            if not all(bool(torch.isfinite(v).all()) for v in point.values()):
                continue
            variance = curvature.noise(self.objective, point, rows, vectorize=runner.fallback is None,
                                       reference=self.center if runner.center_gradient is not None else None)
            weight = 1.0 if metric is None else flatten({k: v[c] for k, v in metric.items()}).to(torch.float64)
            traces.append(float((weight * variance).sum()))
        return float(np.mean(traces)) if traces else math.nan
