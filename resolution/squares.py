"""A polynomial written as a positive sum of squares, exactly, through one Gram matrix.

An expanded K = Σ (BA)_ij² (reduced-rank regression given as one polynomial) hides the ideal
⟨(BA)_ij⟩ that the resolver handles well.  :func:`sum_of_squares` recovers such a form:

1. **Half-monomials.**  Candidates are the m with 2m an exponent of f whose coefficient is
   positive.  If f = Σ q_i², every exponent of every q_i lies in ½·N(f) (Reznick 1978,
   "Extremal PSD forms with few terms", *Duke Math. J.* 45:363-374, Thm 1); restricting to
   these m only narrows the search, it never makes an answer wrong.
2. **One Gram matrix.**  f = vᵀQv with v the vector of candidates: each coefficient f_α is
   split equally over the unordered pairs {m, m'} of candidates with m + m' = α (α outside the
   support gets 0), so vᵀQv = f by construction.  For a sum of squares of polynomials in
   disjoint monomials (Σ (BA)_ij²: each b_ik·a_kj occurs in one entry only) this is the only
   Gram matrix on these candidates.
3. **Exact LDLᵀ.**  Symmetric elimination with positive diagonal pivots gives
   Q = Σ d_i ℓ_i ℓ_iᵀ with every d_i > 0 (Q positive semi-definite), or shows that Q is not
   (a negative pivot, or a zero pivot with a non-zero row), and then no form is returned.
4. **Check.**  Σ d_i (ℓ_i·v)² = f is verified term by term in exact arithmetic.

With c = min d_i > 0 and C = max d_i, c·Σ q_i² <= f <= C·Σ q_i² for q_i = ℓ_i·v, so f and the
ideal ⟨q_1, …, q_r⟩ have the same learning coefficient: λ(f) = λ(Σ q_i²) (docs/conventions.md#equivalent-divergences, "K and
K' with c·K <= K' <= C·K").  Only step 4 carries the proof; steps 1-3 only find the form.
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from typing import Mapping

__all__ = ["sum_of_squares"]

Exponent = tuple[int, ...]

#: Larger inputs are not tried: the candidates and the elimination grow with the number of terms.
MAX_TERMS = 4000
MAX_CANDIDATES = 600


def _gram(terms: Mapping[Exponent, Fraction], candidates: list[Exponent]) -> dict[int, dict[int, Fraction]] | None:
    """Q with vᵀQv = f, each coefficient split equally over its pairs; None if a term has no pair."""
    index = {m: i for i, m in enumerate(candidates)}
    gram: dict[int, dict[int, Fraction]] = defaultdict(dict)
    for alpha, c in terms.items():
        pairs = []
        for i, m in enumerate(candidates):
            rest = tuple(a - b for a, b in zip(alpha, m))
            j = index.get(rest)
            if j is not None and i <= j:
                pairs.append((i, j))
        if not pairs:
            return None
        share = c / len(pairs)
        for i, j in pairs:
            if i == j:
                gram[i][i] = gram[i].get(i, 0) + share
            else:
                gram[i][j] = gram[i].get(j, 0) + share / 2
                gram[j][i] = gram[j].get(i, 0) + share / 2
    return gram


def _ldl(gram: dict[int, dict[int, Fraction]]) -> list[tuple[Fraction, dict[int, Fraction]]] | None:
    """Q = Σ d_i ℓ_i ℓ_iᵀ with d_i > 0 (exact symmetric elimination), or None if Q is not PSD."""
    rows = {i: {j: v for j, v in row.items() if v} for i, row in gram.items()}
    pieces = []
    while rows:
        pivot = next((i for i in sorted(rows) if rows[i].get(i, 0) > 0), None)
        if pivot is None:
            if any(v for row in rows.values() for v in row.values()):
                return None  # a non-positive pivot with something left: not positive semi-definite
            break
        row = rows.pop(pivot)
        d = row[pivot]
        vector = {j: v / d for j, v in row.items()}
        pieces.append((d, vector))
        for i in list(rows):
            factor = row.get(i)
            if not factor:
                continue
            target = rows[i]
            for j, v in row.items():
                if j != pivot:
                    value = target.get(j, 0) - factor * v / d
                    if value:
                        target[j] = value
                    else:
                        target.pop(j, None)
            target.pop(pivot, None)
        for i in [i for i, r in rows.items() if not r]:
            del rows[i]
    return pieces


def _square_sum(pieces: list[tuple[Fraction, dict[Exponent, Fraction]]]) -> dict[Exponent, Fraction]:
    total: dict[Exponent, Fraction] = defaultdict(Fraction)
    for d, q in pieces:
        items = list(q.items())
        for a, (m, u) in enumerate(items):
            for n, v in items[a:]:
                e = tuple(x + y for x, y in zip(m, n))
                total[e] += d * u * v * (1 if m == n else 2)
    return {e: c for e, c in total.items() if c}


def sum_of_squares(terms: Mapping[Exponent, object]) -> list[tuple[Fraction, dict[Exponent, Fraction]]] | None:
    """f = Σ d_i·q_i² with rational d_i > 0 and polynomials q_i, verified exactly; None if not found.

    Parameters
    ----------
    terms : mapping
        f as ``{exponent: rational coefficient}``.

    Returns
    -------
    list of (d_i, q_i) or None
        Each q_i as ``{exponent: Fraction}``.  None when f has more than :data:`MAX_TERMS` terms,
        when no term pairs up from the half-monomials, or when the Gram matrix is not positive
        semi-definite (module docstring): *not found*, which does not mean f is not a sum of squares.

    Examples
    --------
    (xy + z)² + z² expanded: x²y² + 2xyz + 2z².

    >>> sum_of_squares({(2, 2, 0): 1, (1, 1, 1): 2, (0, 0, 2): 2})
    [(Fraction(1, 1), {(1, 1, 0): Fraction(1, 1), (0, 0, 1): Fraction(1, 1)}), (Fraction(1, 1), {(0, 0, 1): Fraction(1, 1)})]
    >>> sum_of_squares({(2, 0): 1, (0, 2): -1}) is None      # x² − y² changes sign
    True
    """
    if not terms or len(terms) > MAX_TERMS:
        return None
    exact = {e: Fraction(int(c.p), int(c.q)) if hasattr(c, "p") else Fraction(c) for e, c in terms.items() if c}
    candidates = sorted(
        (tuple(k // 2 for k in e) for e, c in exact.items() if c > 0 and all(k % 2 == 0 for k in e)), reverse=True
    )
    if len(candidates) > MAX_CANDIDATES:
        return None
    gram = _gram(exact, candidates)
    if gram is None:
        return None
    pieces = _ldl(gram)
    if not pieces:
        return None
    squares = [(d, {candidates[j]: v for j, v in vector.items()}) for d, vector in pieces]
    if _square_sum(squares) != exact:
        raise ArithmeticError("the Gram decomposition does not reproduce f")  # steps 2-3 guarantee it
    return squares
