"""Scikit-learn estimators that fit scaling laws robustly and fast.

The package has three layers: pure laws and their registry
(:mod:`sklearn_scaling.laws`), a fitting engine over :mod:`scipy.optimize` that knows
nothing of scikit-learn, and thin estimator classes that validate input and store
fitted ``*_`` attributes: :class:`ScalingLawRegressor` for every law of the registry,
and the two seed laws' own estimators.
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
