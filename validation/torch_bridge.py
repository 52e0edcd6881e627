"""The torch side of the model bridge: a symbolic regression model as an ``nn.Module`` plus data.

:class:`singular.models.RegressionModel` knows y = f(x, w) + N(0, σ²) exactly; here f becomes a
module with one scalar parameter per symbol (at the true parameter w0), and a seeded sample of
(x, y) pairs is drawn from the model's input distribution and noise.
"""

from __future__ import annotations

import sympy
import torch
from torch import Tensor

from estimators import gaussian_nll
from singular.models import FiniteSupport, RegressionModel, StandardNormal, UniformBox

__all__ = ["AnalyticRegression", "regression_data", "regression_module"]


class AnalyticRegression(torch.nn.Module):
    """f(x, w) as a module: one scalar ``nn.Parameter`` per parameter name, inputs as columns of x.

    ``forward(x)`` takes x of shape (batch, inputs) and returns (batch,) for one output, or
    (batch, outputs).
    """

    def __init__(self, outputs, params, inputs, values, *, dtype: torch.dtype = torch.float64):
        super().__init__()
        self.param_names = tuple(str(p) for p in params)
        self.input_names = tuple(str(x) for x in inputs)
        symbols = [sympy.Symbol(name) for name in self.input_names + self.param_names]
        self._functions = [sympy.lambdify(symbols, q, modules="torch", cse=True) for q in outputs]
        self._text = ", ".join(str(q) for q in outputs)
        for name, value in zip(self.param_names, values):
            self.register_parameter(name, torch.nn.Parameter(torch.tensor(float(value), dtype=dtype)))

    def forward(self, x: Tensor) -> Tensor:
        columns = [x[..., j] for j in range(len(self.input_names))]
        weights = [getattr(self, name) for name in self.param_names]
        shape = x.shape[:-1]
        values = [torch.broadcast_to(torch.as_tensor(f(*columns, *weights), dtype=x.dtype), shape) for f in self._functions]
        return values[0] if len(values) == 1 else torch.stack(values, dim=-1)

    def extra_repr(self) -> str:
        return f"f = [{self._text}], params = {list(self.param_names)}, inputs = {list(self.input_names)}"


def regression_module(model: RegressionModel, *, dtype: torch.dtype = torch.float64) -> AnalyticRegression:
    """The module computing ``model``'s f, with its parameters at the true parameter w0.

    Examples
    --------
    >>> from singular.models import RegressionModel
    >>> module = regression_module(RegressionModel("a*b*x", params="a,b", inputs="x", at="a=1,b=2"))
    >>> module(torch.tensor([[1.0], [3.0]], dtype=torch.float64))
    tensor([2., 6.], dtype=torch.float64, grad_fn=<...>)
    """
    return AnalyticRegression(model.f, model.params, model.inputs, model.true_params, dtype=dtype)


def regression_data(model: RegressionModel, n: int, *, seed: int, dtype: torch.dtype = torch.float64):
    """n samples (X, Y) of ``model`` at its true parameter, and the matching loss (Gaussian NLL, σ).

    X is drawn from the model's input distribution and Y = f(X, w0) + σ·N(0, 1), all from one
    ``torch.Generator`` seeded with ``seed``.

    Returns
    -------
    (X, Y, loss_fn)

    Examples
    --------
    >>> from singular.models import RegressionModel
    >>> x, y, loss = regression_data(RegressionModel("a*b*x", params="a,b", inputs="x"), 5, seed=0)
    >>> x.shape, y.shape, loss
    (torch.Size([5, 1]), torch.Size([5]), gaussian_nll(sigma=1.0))
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n={n!r} must be a positive integer number of samples")
    gen = torch.Generator().manual_seed(seed)
    dist, k = model.input_dist, len(model.inputs)
    if isinstance(dist, StandardNormal):
        x = torch.randn((n, k), generator=gen, dtype=dtype)
    elif isinstance(dist, UniformBox):
        lower = torch.tensor([float(v) for v in dist.lower], dtype=dtype)
        upper = torch.tensor([float(v) for v in dist.upper], dtype=dtype)
        x = lower + (upper - lower) * torch.rand((n, k), generator=gen, dtype=dtype)
    elif isinstance(dist, FiniteSupport):
        weights = torch.tensor([float(w) for w in dist.weights], dtype=dtype)
        points = torch.tensor([[float(v) for v in p] for p in dist.points], dtype=dtype)
        x = points[torch.multinomial(weights, n, replacement=True, generator=gen)]
    else:
        raise ValueError(f"cannot sample inputs from {dist!r}")
    with torch.no_grad():
        mean = regression_module(model, dtype=dtype)(x)
    sigma = float(model.sigma)
    y = mean + sigma * torch.randn(mean.shape, generator=gen, dtype=dtype)
    return x, y, gaussian_nll(sigma)
