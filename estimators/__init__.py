"""Numeric estimation of the local learning coefficient (LLC) in torch.

Empty for now: the samplers and estimators arrive with their own issue.  This
package imports neither :mod:`singular` nor :mod:`resolution` (nor sympy).
"""

__all__: list[str] = []
