"""Scikit-learn estimators that fit scaling laws robustly and fast.

The package has three layers: pure laws and their registry
(:mod:`sklearn_scaling.laws`), a fitting engine over :mod:`scipy.optimize` that knows
nothing of scikit-learn, and thin estimator classes that validate input and store
fitted ``*_`` attributes: :class:`ScalingLawRegressor` for every law of the registry,
and the two seed laws' own estimators.

*Seed 000* and *seed 001* are the two programs the package grew from: seed 000 fits
the double-descent law of log10 compute (:class:`DoubleDescentRegressor`), seed 001
the log-power law of learning rate, batch size, data size and model size
(:class:`LogPowerHyperparamRegressor`). "Seed 000's objective" or "seed 001's bounds"
name what those programs used; the two estimators keep them as their defaults, so
their fits reproduce the programs'.
"""

from ._estimators import DoubleDescentRegressor, LogPowerHyperparamRegressor
from ._scaling_law import ScalingLawRegressor

__version__ = "0.1.0"

__all__ = [
    "DoubleDescentRegressor",
    "LogPowerHyperparamRegressor",
    "ScalingLawRegressor",
    "__version__",
]
