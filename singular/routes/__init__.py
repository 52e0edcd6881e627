"""The certifying routes of :func:`singular.rlct`, one module each: each takes a localized problem and returns an
:class:`~singular.result.RLCT`, certified or with the bounds it proves; none calls the pipeline back.

* :mod:`.monomial` — normal crossing (Lin 2011, Prop. 3.7) and Morse points.
* :mod:`.newton` — Newton non-degeneracy (Varchenko 1976), and the closed forms for quasi-homogeneous germs and
  hyperplane arrangements.
* :mod:`.resolution` — a resolution tree (Watanabe 2009, Thm 2.3).
* :mod:`.analytic` — analytic germs through a certified Taylor truncation.
"""
