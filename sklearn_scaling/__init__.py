"""Scikit-learn estimators that fit scaling laws robustly and fast.

The package has three layers: pure law functions (:mod:`sklearn_scaling.laws`), a
fitting engine over :mod:`scipy.optimize` that knows nothing of scikit-learn, and thin
estimator classes that validate input and store fitted ``*_`` attributes.
"""

from ._estimators import DoubleDescentRegressor, LogPowerHyperparamRegressor

__version__ = "0.1.0"

__all__ = ["DoubleDescentRegressor", "LogPowerHyperparamRegressor", "__version__"]
