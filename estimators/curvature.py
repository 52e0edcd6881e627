"""The local geometry of the tempered potential U(w) = nβ·L(w) + (γ/2)‖w − w*‖² at one point.

What the automatic settings and the self-checks of :func:`~estimators.estimate_llc` read before
sampling:

- :func:`hessian_spectrum`: extreme eigenvalues of ∇²U by Lanczos iteration on Hessian-vector
  products (double backward through the module, on a subset of the data);
- :func:`gradient_noise`: the variance of the per-sample gradients, coordinate by coordinate
  (the minibatch gradient noise is nβ²·C·(1/B − 1/n) for a batch of B of n samples);
- :func:`distance_to_minimum`: how far w* is from a minimum of U, in nats: the drop of U that a
  chain started at w* can find (quadratic model along the Newton step, or a line search along a
  direction of negative curvature).

Everything works on flat vectors of the sampled parameters (one point, no chain axis).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor
from torch.func import grad, vmap
from torch.utils._pytree import tree_flatten, tree_map

from ._data import Batch, Data
from ._objective import ONE_SAMPLE, Objective, PairLoss
from ._params import Params
from .errors import BadData

__all__ = ["HessianSpectrum", "MinimumCheck", "distance_to_minimum", "gradient_noise", "hessian_spectrum"]

_NOISE_FLOATS_PER_CHUNK = 2**22


def flatten(params: Params) -> Tensor:
    """The parameters of one point as one vector (in the dictionary's order)."""
    return torch.cat([p.reshape(-1) for p in params.values()])


def unflatten(vector: Tensor, like: Params) -> Params:
    """The inverse of :func:`flatten`, shaped like ``like``."""
    out, offset = {}, 0
    for name, p in like.items():
        out[name] = vector[offset:offset + p.numel()].reshape(p.shape)
        offset += p.numel()
    return out


def _pair(model: torch.nn.Module, loss_fn, fixed: Params | None, x: Tensor, y: Tensor) -> Objective:
    """The :class:`Objective` of ``loss_fn(model(x), y)`` (the public functions' form)."""
    return Objective(model, PairLoss(loss_fn), fixed or {})


class _Hessian:
    """∇²U·v at one point by double backward, with the gradient's graph built once and reused.

    U = nβ·L_S + (γ/2)‖w − w*‖², L_S the objective on the samples ``batch``.  Where an operation
    has no second derivative in torch (e.g. the fused CPU attention kernel raises; a function marked
    once-differentiable gives zeros, so the first product is compared with the difference), the
    product is the central difference (∇L(w + hv) − ∇L(w − hv))/2h of gradients, with
    h = ε^⅓·max(1, rms w)/‖v‖ for the dtype's ε (error O(h²), Nocedal & Wright 2006, *Numerical
    Optimization*, §8.1).
    """

    def __init__(self, objective: Objective, point: Params, batch: Batch, *, nbeta: float, localization: float):
        self.like, self.objective, self.batch = point, objective, batch
        self.nbeta, self.localization = nbeta, localization
        self.leaves = [p.detach().clone().requires_grad_(True) for p in point.values()]
        with torch.enable_grad():
            loss = objective(dict(zip(point, self.leaves)), batch)
            grads = torch.autograd.grad(loss, self.leaves, create_graph=True, allow_unused=True)
        self.live = [i for i, g in enumerate(grads) if g is not None and g.requires_grad]
        self.grads = [grads[i] for i in self.live]
        # a gradient outside the graph: constant, or made by an operation torch cannot differentiate twice
        self.finite_difference = any(g is not None and not g.requires_grad for g in grads)
        self.verified = False

    def _difference(self, vector: Tensor) -> Tensor:
        flat = flatten(self.like)
        scale = max(1.0, float(flat.square().mean().sqrt())) * torch.finfo(flat.dtype).eps ** (1 / 3)
        h = scale / max(float(vector.norm()), 1e-300)
        ahead, behind = (_gradient(self.objective, unflatten(flat + t * vector, self.like), self.batch)
                         for t in (h, -h))
        return (ahead - behind) / (2 * h)

    def matvec(self, vector: Tensor) -> Tensor:
        if not self.finite_difference:
            try:
                product = self._autograd(vector)
            except RuntimeError:  # no double backward: not implemented for an operation
                self.finite_difference = True
            else:
                if self.verified:
                    return product
                # the first product is checked against the difference: an operation marked
                # once-differentiable (or a custom backward outside autograd) gives silent zeros
                difference = self.nbeta * self._difference(vector) + self.localization * vector
                self.verified = True
                scale = max(float(difference.norm()), float(product.norm()))
                if float((product - difference).norm()) <= 0.1 * scale:
                    return product
                self.finite_difference = True
                return difference
        return self.nbeta * self._difference(vector) + self.localization * vector

    def _autograd(self, vector: Tensor) -> Tensor:
        parts = [torch.zeros_like(leaf) for leaf in self.leaves]
        if self.live:
            pieces = list(unflatten(vector, self.like).values())
            products = torch.autograd.grad(self.grads, [self.leaves[i] for i in self.live],
                                           grad_outputs=[pieces[i] for i in self.live], retain_graph=True,
                                           allow_unused=True)
            for i, product in zip(self.live, products):
                if product is not None:
                    parts[i] = product
        return self.nbeta * torch.cat([p.detach().reshape(-1) for p in parts]) + self.localization * vector


class HessianSpectrum(NamedTuple):
    """Ritz values of ∇²U from a Lanczos run (ascending), and the Ritz vector of the lowest.

    ``top`` and ``bottom`` estimate the largest and smallest eigenvalues (``top`` from below,
    ``bottom`` from above); with ``complete`` the run spanned the whole space, so ``ritz`` *are*
    the eigenvalues.
    """

    ritz: tuple[float, ...]
    top: float
    bottom: float
    bottom_vector: Tensor
    complete: bool


def _lanczos(matvec: Callable[[Tensor], Tensor], start: Tensor, steps: int) -> HessianSpectrum:
    """Lanczos with full reorthogonalisation (Golub & Van Loan 2013, *Matrix Computations*, §10.1)."""
    dim = start.numel()
    size = min(steps, dim)
    basis = start.new_empty((size, dim))  # the Krylov basis in place: no copy of it per step
    basis[0] = start / start.norm()
    alphas, betas = [], []
    for j in range(size):
        w = matvec(basis[j])
        alpha = float(w @ basis[j])
        alphas.append(alpha)
        stack = basis[: j + 1]
        for _ in range(2):  # twice is enough (Parlett's "twice is enough")
            w = w - stack.T @ (stack @ w)
        beta = float(w.norm())
        if j + 1 == size or beta <= 1e-10 * max(1.0, abs(alpha)):
            break
        betas.append(beta)
        basis[j + 1] = w / beta
    k = len(alphas)
    tri = np.diag(alphas) + np.diag(betas[:k - 1], 1) + np.diag(betas[:k - 1], -1)
    values, vectors = np.linalg.eigh(tri)
    stack = basis[:k]
    low = stack.T @ torch.as_tensor(vectors[:, 0], dtype=stack.dtype, device=stack.device)
    return HessianSpectrum(tuple(float(v) for v in values), float(values[-1]), float(values[0]), low / low.norm(),
                           complete=k == dim)


def hessian_spectrum(model: torch.nn.Module, loss_fn, point: Params, x: Tensor, y: Tensor, *, nbeta: float,
                     localization: float, fixed: Params | None = None, steps: int = 20,
                     seed: int = 0) -> HessianSpectrum:
    """Extreme eigenvalues of ∇²U at ``point`` for U = nβ·L + (γ/2)‖w − w*‖², by Lanczos.

    Parameters
    ----------
    model, loss_fn
        The module and its per-sample-mean loss ``(output, target) -> scalar``.
    point : dict name -> Tensor
        The parameters at which to evaluate (one point, no chain axis); the others are ``fixed``.
    x, y : Tensor
        The samples defining L (a subset of the data is enough for the curvature).
    nbeta, localization : float
        nβ and γ.
    steps : int
        Lanczos steps (Hessian-vector products); with steps ≥ the number of parameters the result
        is the whole spectrum, with multiplicities (an early breakdown, which repeated eigenvalues
        cause, falls back to the matrix built from d products).
    seed : int
        Seed of the random start vector.

    Returns
    -------
    HessianSpectrum

    Examples
    --------
    L = (w₁² + 3w₂²)/2 on any data, nβ = 10, γ = 1: the eigenvalues are 11 and 31.

    >>> class Quadratic(torch.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.w = torch.nn.Parameter(torch.zeros(2, dtype=torch.float64))
    ...     def forward(self, x):
    ...         return (self.w**2 * torch.tensor([1.0, 3.0], dtype=torch.float64)).sum() / 2 + 0 * x[:, 0]
    >>> net = Quadratic()
    >>> loss = lambda out, target: out.mean()
    >>> spec = hessian_spectrum(net, loss, {"w": net.w.detach()}, torch.zeros(4, 1), torch.zeros(4), nbeta=10.0,
    ...                         localization=1.0)
    >>> [round(v, 6) for v in spec.ritz], spec.complete
    ([11.0, 31.0], True)

    References
    ----------
    Lanczos (1950); Golub & Van Loan (2013), *Matrix Computations*, 4th ed., §10.1; the
    Hessian-vector product by double backward, Pearlmutter (1994), "Fast exact multiplication by
    the Hessian", Neural Computation 6(1).
    """
    return spectrum(_pair(model, loss_fn, fixed, x, y), point, (x, y), nbeta=nbeta, localization=localization,
                    steps=steps, seed=seed)


def spectrum(objective: Objective, point: Params, batch: Batch, *, nbeta: float, localization: float, steps: int,
             seed: int) -> HessianSpectrum:
    """:func:`hessian_spectrum` of an :class:`Objective` on ``batch``."""
    hessian = _Hessian(objective, point, batch, nbeta=nbeta, localization=localization)
    flat = flatten(point)
    gen = torch.Generator().manual_seed(seed)
    start = torch.randn(flat.numel(), generator=gen, dtype=torch.float64).to(device=flat.device, dtype=flat.dtype)
    spectrum = _lanczos(hessian.matvec, start, steps)
    if spectrum.complete or steps < flat.numel():
        return spectrum
    # Lanczos broke down early: the Krylov space holds each distinct eigenvalue once, so repeated
    # eigenvalues lose their multiplicity; the whole spectrum then comes from the matrix itself.
    return _dense_spectrum(hessian.matvec, flat)


def _dense_spectrum(matvec: Callable[[Tensor], Tensor], like: Tensor) -> HessianSpectrum:
    """The eigenvalues of the symmetric matrix behind ``matvec``, from its columns (dim products)."""
    columns = torch.stack([matvec(e) for e in torch.eye(like.numel(), dtype=like.dtype, device=like.device)])
    values, vectors = torch.linalg.eigh((columns + columns.T) / 2)
    return HessianSpectrum(tuple(float(v) for v in values), float(values[-1]), float(values[0]), vectors[:, 0],
                           complete=True)


def gradient_noise(model: torch.nn.Module, loss_fn, point: Params, x: Tensor, y: Tensor, *,
                   fixed: Params | None = None, vectorize: bool = True, reference: Params | None = None) -> Tensor:
    """The variance over samples of each coordinate of the per-sample gradient ∇ℓ_i at ``point``.

    The diagonal of C = Cov_i(∇ℓ_i), as a flat vector (the order of :func:`flatten`); a minibatch
    of B of the n samples, drawn without replacement, has gradient noise of covariance
    C·(1/B − 1/n).  With ``reference``, of ∇ℓ_i(point) − ∇ℓ_i(reference) instead (the noise of a
    gradient with a control variate at the reference).  Per-sample gradients come from
    ``vmap(grad(...))`` over the samples in chunks (a module vmap refuses is differentiated one
    sample at a time).

    Examples
    --------
    Least squares y ≈ w·x: ∇ℓ_i = −(y_i − w x_i)·x_i, whose variance at w = 0 is Var(x·y).

    >>> x = torch.tensor([[1.0], [2.0], [3.0]]); y = torch.tensor([1.0, 1.0, 1.0])
    >>> net = torch.nn.Linear(1, 1, bias=False)
    >>> c = gradient_noise(net, lambda o, t: ((o[:, 0] - t) ** 2).mean() / 2, {"weight": torch.zeros(1, 1)}, x, y)
    >>> round(float(c[0]), 6)  # Var(x·y) = Var([1, 2, 3]) = 1
    1.0
    """
    return noise(_pair(model, loss_fn, fixed, x, y), point, _rows((x, y)), vectorize=vectorize, reference=reference)


def _rows(fields: Batch) -> Data:
    return Data(fields=fields, n=int(tree_flatten(fields)[0][0].shape[0]), source="")


def noise(objective: Objective, point: Params, data: Data, *, vectorize: bool = True,
          reference: Params | None = None) -> Tensor:
    """:func:`gradient_noise` of an :class:`Objective` over the rows of ``data``, streamed: each chunk
    of per-sample gradients is merged into a running mean and sum of squared deviations (Chan, Golub
    & LeVeque 1983, "Algorithms for computing the sample variance", the pairwise update), so that
    memory is a few copies of the parameters whatever the number of rows."""
    chunks = _per_sample_gradients(objective, point, data, vectorize=vectorize)
    if reference is not None:
        chunks = (rows - other for rows, other in
                  zip(chunks, _per_sample_gradients(objective, reference, data, vectorize=vectorize)))
    count, mean, squares = 0, None, None
    for rows in chunks:
        k = rows.shape[0]
        rows_mean = rows.mean(dim=0)
        rows_squares = rows.sub_(rows_mean).square_().sum(dim=0)
        if mean is None:
            count, mean, squares = k, rows_mean, rows_squares
            continue
        delta = rows_mean - mean
        mean = mean + delta * (k / (count + k))
        squares = squares + rows_squares + delta.square() * (count * k / (count + k))
        count += k
    return squares / (count - 1) if count > 1 else torch.zeros_like(mean)


def _per_sample_gradients(objective: Objective, point: Params, data: Data, *, vectorize: bool) -> Iterator[Tensor]:
    """The per-sample gradients ∇ℓ_i at ``point``, flattened, a chunk of rows at a time: ``(rows, d)``
    float64, in the order of the data; a chunk holds at most 2²² floats (one row when d is larger)."""
    rows = max(1, min(data.n, _NOISE_FLOATS_PER_CHUNK // max(1, sum(p.numel() for p in point.values()))))
    if vectorize:
        one = vmap(grad(lambda p, row: objective(p, tree_map(lambda t: t.unsqueeze(0), row))), in_dims=(None, 0))
        chunks = data.chunks(rows)
        try:
            with torch.no_grad():
                first = _flat_rows(one(point, next(chunks)[0]))
        except Exception:  # vmap refuses many modules; the loop below handles them all
            first = None
        if first is not None:
            yield first
            with torch.no_grad():
                yield from (_flat_rows(one(point, batch)) for batch, _ in chunks)
            return
    for i in range(data.n):
        try:
            yield _gradient(objective, point, data.rows(i, i + 1)).reshape(1, -1).to(torch.float64)
        except (RuntimeError, ValueError) as err:
            raise BadData(f"{ONE_SAMPLE} ({err})") from err


def _flat_rows(grads: Params) -> Tensor:
    """Per-row gradients ``{name: (rows, ...)}`` as one ``(rows, d)`` float64 matrix."""
    return torch.cat([v.reshape(v.shape[0], -1) for v in grads.values()], dim=1).to(torch.float64)


def _gradient(objective: Objective, point: Params, batch: Batch) -> Tensor:
    """∇L_B at ``point`` on ``batch``, flat (zeros for tensors the loss does not reach)."""
    leaves = {k: v.detach().clone().requires_grad_(True) for k, v in point.items()}
    with torch.enable_grad():
        parts = torch.autograd.grad(objective(leaves, batch), list(leaves.values()), allow_unused=True)
    return torch.cat([(torch.zeros_like(v) if g is None else g).reshape(-1) for v, g in zip(leaves.values(), parts)])


def full_gradient(objective: Objective, point: Params, data: Data, *, chunk: int = 8192) -> Tensor:
    """∇L_n at ``point`` on all n samples (chunks weighted by their rows), as a flat vector (float64)."""
    total = sum(_gradient(objective, point, batch).to(torch.float64) * rows for batch, rows in data.chunks(chunk))
    return total / data.n


def _conjugate_gradient(matvec: Callable[[Tensor], Tensor], b: Tensor, steps: int, tol: float = 1e-8) -> Tensor:
    """x with A x ≈ b for symmetric positive definite A (Hestenes & Stiefel 1952)."""
    x = torch.zeros_like(b)
    r, p = b.clone(), b.clone()
    rr = float(r @ r)
    target = tol**2 * rr
    for _ in range(steps):
        if rr <= target:
            break
        ap = matvec(p)
        pap = float(p @ ap)
        if pap <= 0:
            break
        alpha = rr / pap
        x, r = x + alpha * p, r - alpha * ap
        new = float(r @ r)
        p, rr = r + (new / rr) * p, new
    return x


class MinimumCheck(NamedTuple):
    """How far w* is from a minimum of U = nβ·L_n + (γ/2)‖w − w*‖², in nats.

    ``gradient_norm`` is ‖nβ∇L_n(w*)‖.  ``lowest_curvature`` is the smallest eigenvalue found of
    ∇²U(w*) (negative: w* is a saddle).  ``drop`` estimates how much an exact sampler's λ̂ is
    lowered because the chains find lower loss than at w*: for a positive-definite ∇²U = A it is
    the quadratic model's ½g̃ᵀA⁻¹g̃ + (γ/2)‖A⁻¹g̃‖² (g̃ = nβ∇L_n(w*); the Gaussian posterior of the
    quadratic model has E[nβ(L − L(w*))] = ½tr(nβH·A⁻¹) minus exactly this); at a saddle it is
    the depth of U below U(w*) found by a line search along the direction of most negative
    curvature.  ``how`` says which.
    """

    gradient_norm: float
    lowest_curvature: float
    drop: float
    how: str


def distance_to_minimum(model: torch.nn.Module, loss_fn, point: Params, x: Tensor, y: Tensor, *, nbeta: float,
                        localization: float, spectrum: HessianSpectrum, hessian_x: Tensor, hessian_y: Tensor,
                        fixed: Params | None = None, gradient: Tensor | None = None,
                        cg_steps: int = 30) -> MinimumCheck:
    """The :class:`MinimumCheck` of w* = ``point`` (the full data for the gradient and the line
    search, ``hessian_x``/``hessian_y`` for the curvature; ``spectrum`` from :func:`hessian_spectrum`;
    ``gradient`` is ∇L_n at the point, flat, if it is already known).

    Examples
    --------
    Least squares with w* moved off the minimum by δ = 0.1: L = (w − 0.1)²/2 + c around w* = 0, so
    with nβ = 100, γ = 1 the drop is ½·10²/101 + ½·(10/101)² = 0.5…

    >>> x = torch.ones(8, 1, dtype=torch.float64); y = torch.full((8,), 0.1, dtype=torch.float64)
    >>> net = torch.nn.Linear(1, 1, bias=False).double()
    >>> sq = lambda o, t: ((o[:, 0] - t) ** 2).mean() / 2
    >>> w = {"weight": torch.zeros(1, 1, dtype=torch.float64)}
    >>> spec = hessian_spectrum(net, sq, w, x, y, nbeta=100.0, localization=1.0)
    >>> check = distance_to_minimum(net, sq, w, x, y, nbeta=100.0, localization=1.0, spectrum=spec,
    ...                             hessian_x=x, hessian_y=y)
    >>> round(check.drop, 4), check.how
    (0.5, 'quadratic model')
    """
    return minimum(_pair(model, loss_fn, fixed, x, y), point, _rows((x, y)), nbeta=nbeta, localization=localization,
                   spectrum=spectrum, hessian_batch=(hessian_x, hessian_y), gradient=gradient, cg_steps=cg_steps)


def minimum(objective: Objective, point: Params, data: Data, *, nbeta: float, localization: float,
            spectrum: HessianSpectrum, hessian_batch: Batch, gradient: Tensor | None = None,
            cg_steps: int = 30) -> MinimumCheck:
    """:func:`distance_to_minimum` of an :class:`Objective` (the curvature on ``hessian_batch``)."""
    g = nbeta * (full_gradient(objective, point, data) if gradient is None else gradient)
    flat = flatten(point)
    g_work = g.to(flat.dtype)
    if spectrum.bottom > 0:
        hessian = _Hessian(objective, point, hessian_batch, nbeta=nbeta, localization=localization)
        u = _conjugate_gradient(hessian.matvec, g_work, cg_steps).to(torch.float64)
        drop = 0.5 * float(g @ u) + 0.5 * localization * float(u @ u)
        return MinimumCheck(float(g.norm()), spectrum.bottom, max(drop, 0.0), "quadratic model")
    direction = spectrum.bottom_vector.to(flat.dtype)

    def potential(t: float) -> float:
        moved = unflatten(flat + t * direction, point)
        with torch.no_grad():
            total = sum(float(objective(moved, batch)) * rows for batch, rows in data.chunks(8192))
        return nbeta * total / data.n + 0.5 * localization * t * t

    base = potential(0.0)
    scale = 1.0 / math.sqrt(abs(spectrum.bottom))
    values = [potential(sign * scale * 2.0**k) for k in range(-1, 6) for sign in (1.0, -1.0)]
    finite = [v for v in values if math.isfinite(v)]
    drop = base - min(finite) if finite else math.inf
    return MinimumCheck(float(g.norm()), spectrum.bottom, max(drop, 0.0), "line search along negative curvature")
