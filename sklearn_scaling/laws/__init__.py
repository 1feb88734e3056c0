"""Scaling laws: pure functions, their Jacobians, and the declarative :class:`Law`.

Every law is a plain NumPy function of the feature matrix and its parameters: no
fitting, no state, no scikit-learn. A :class:`Law` declares one -- its parameters,
bounds, the parameters it is linear in, starting values and the inputs it accepts --
and the registry (:func:`get_law`, :func:`available_laws`) is what the estimator
:class:`~sklearn_scaling.ScalingLawRegressor`, the command line, the plots and the
docs read. Adding a law is one declaration::

    def saturating(X, E, A, alpha):
        return E + A * X[:, 0] ** -alpha

    law = Law("saturating", saturating, linear=("E", "A"),
              bounds={"E": (0, inf), "A": (0, inf), "alpha": (0, 3)})

The registered laws:

* ``chinchilla`` -- :func:`chinchilla` (Hoffmann et al. 2022), of ``N, D``;
* ``data_constrained`` -- :func:`data_constrained` (Muennighoff et al. 2023), of
  ``N, D, U``;
* ``power_law`` -- :func:`power_law`, and ``broken_power_law`` --
  :func:`broken_power_law` (Caballero et al. 2022), of one scale;
* ``rectified`` -- :func:`rectified` (Lin et al. 2024), of fine-tuning data;
* ``learning_curve`` -- :func:`learning_curve` (Alabdulmohsin et al. 2022's M4), of
  examples seen, and ``constant`` -- :func:`constant`, the curve's recent level (the
  last-value baseline);
* ``kaplan`` -- :func:`kaplan` (Kaplan et al. 2020), of ``N, D``; ``vocabulary`` --
  :func:`vocabulary` (Tao et al. 2024), of ``N, V, D``; ``mixture_of_experts`` --
  :func:`mixture_of_experts` (Clark et al. 2022), of ``N, E``, log-linear;
* ``double_descent`` -- :func:`two_sigmoids`, and ``log_power`` -- :func:`log_power_law`:
  the two seed laws.

The seed programs' own parameterisations stay available as functions of ``(X,
params)``: :func:`double_descent` (six raw parameters ``[b0, A_up_raw, A_dn_raw, c0,
s_raw, k_raw]``), :func:`log_power` and :func:`log_power_scaling`, which the seed
estimators fit.
"""

import importlib
import pkgutil

from . import _base
from ._base import Law, available_laws, get_law, register_law, unregister_law
from ._chinchilla import chinchilla, chinchilla_compute_optimal, chinchilla_jacobian
from ._constant import constant, constant_jacobian
from ._data_constrained import (
    TOKENS_PER_PARAMETER,
    data_constrained,
    data_constrained_jacobian,
    effective_sizes,
)
from ._kaplan import kaplan, kaplan_jacobian
from ._learning_curve import learning_curve, learning_curve_jacobian
from ._mixture_of_experts import mixture_of_experts, mixture_of_experts_jacobian
from ._power_law import broken_power_law, broken_power_law_jacobian, power_law, power_law_jacobian
from ._rectified import rectified, rectified_jacobian
from ._seed import (
    DOUBLE_DESCENT_PARAMS,
    LOG_POWER_PARAMS,
    LOG_POWER_SCALING_PARAMS,
    SIZE_TERMS,
    SKEW_PARAMS,
    double_descent,
    double_descent_jacobian,
    double_descent_shape,
    double_descent_sigmoids,
    inverse_softplus,
    log_power,
    log_power_jacobian,
    log_power_scaling,
    log_power_scaling_jacobian,
    softplus,
)
from ._seed_laws import LOG_POWER_BOUNDS, log_power_law, two_sigmoids
from ._vocabulary import vocabulary, vocabulary_jacobian

# Each module of this package declares and registers its laws when imported: a new law
# is one new file here, and needs no line in this one.
for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
del _module
_base.seal_package_laws()

__all__ = [
    "DOUBLE_DESCENT_PARAMS",
    "LOG_POWER_BOUNDS",
    "LOG_POWER_PARAMS",
    "LOG_POWER_SCALING_PARAMS",
    "SIZE_TERMS",
    "SKEW_PARAMS",
    "TOKENS_PER_PARAMETER",
    "Law",
    "available_laws",
    "broken_power_law",
    "broken_power_law_jacobian",
    "chinchilla",
    "chinchilla_compute_optimal",
    "chinchilla_jacobian",
    "constant",
    "constant_jacobian",
    "data_constrained",
    "data_constrained_jacobian",
    "double_descent",
    "double_descent_jacobian",
    "double_descent_shape",
    "double_descent_sigmoids",
    "effective_sizes",
    "get_law",
    "inverse_softplus",
    "kaplan",
    "kaplan_jacobian",
    "learning_curve",
    "learning_curve_jacobian",
    "log_power",
    "log_power_jacobian",
    "log_power_law",
    "log_power_scaling",
    "log_power_scaling_jacobian",
    "mixture_of_experts",
    "mixture_of_experts_jacobian",
    "power_law",
    "power_law_jacobian",
    "rectified",
    "rectified_jacobian",
    "register_law",
    "softplus",
    "two_sigmoids",
    "unregister_law",
    "vocabulary",
    "vocabulary_jacobian",
]
