"""Seed 001's log-power objective as a configuration of the generic fit.

``LogPowerHyperparamRegressor`` fits a law of :data:`FORMS` with
:func:`~sklearn_scaling._fitting._law.fit_law` and refits resamples with
:func:`~sklearn_scaling._fitting._law.refit_batch`; this module only declares what makes
the objective seed 001's:

* the data residuals are normalised by the standard deviation of ``y``: the generic
  objective's scale ``s`` is ``std(y) / sqrt(2)`` (:func:`seed_scale`), so that its
  ``1/2 mean(((pred - y) / s)**2)`` is the seed's ``mean(((pred - y) / std)**2)``;
* the seed's ridge ``alpha * sum(params[ridge]**2)`` is a
  :class:`~sklearn_scaling._fitting._law.RidgePenalty` (:func:`seed_ridge`);
* each form's bounds (seed 001's for the seed law), start grid, and the parameters
  searched on a log scale.

The fit is fast because the laws are linear in six parameters (``a, b, c, d, e,
interaction``; the skew terms too): ``fit_law(project=True)`` refines the starts by
variable projection, then polishes every projected optimum on the true objective, so
bounds and a robust loss are honoured exactly.
"""

from functools import partial

import numpy as np

from ..laws import (
    LOG_POWER_BOUNDS,
    LOG_POWER_PARAMS,
    LOG_POWER_SCALING_PARAMS,
    SKEW_PARAMS,
    get_law,
    log_power,
    log_power_jacobian,
    log_power_scaling,
    log_power_scaling_jacobian,
)
from ..laws._base import Law
from ._double_descent import mad_scale
from ._engine import chunks, single_threaded_blas
from ._law import LawObjective, RidgePenalty, fit_law, refit_batch

__all__ = ["FORMS", "LogPowerLaw", "fit_log_power", "log_power_refits", "seed_scale"]

#: ``global_search`` option -> ``fit_law``'s threshold on the projected objective:
#: 'auto' runs differential evolution when the best local start leaves the seed's
#: objective above 0.25, as seed 001 did.
_GLOBAL_SEARCH = {"auto": 0.25, "always": -np.inf, "never": None}


def _positional(function, X, *params):
    return function(X, np.array(params))


class LogPowerLaw(Law):
    """A law of the log-power family and what seed 001's objective adds to it.

    Evaluated by the vectorised seed functions (parameters broadcast as ``(k, 1)``
    columns), so the generic law's checks of broadcasting are skipped.

    Parameters
    ----------
    name : str
    law, jacobian : callable
        ``law(X, params, prediction_bounds=None)`` and ``jacobian(X, params)``.
    parameters, linear : tuple of str
    bounds : dict
        Default ``(low, high)`` of every parameter.
    starts : dict
        Candidate values of each nonlinear parameter for the start grid.
    ridge : tuple of str
        Parameters the ``alpha`` ridge shrinks towards zero.
    log_scaled : tuple of str, default=()
        Nonlinear parameters searched on a log scale (they span decades).
    """

    def __init__(
        self, name, law, jacobian, *, parameters, linear, bounds, starts, ridge, log_scaled=()
    ):
        super().__init__(
            name,
            partial(_positional, law),
            parameters=parameters,
            features=("learning_rate", "batch_size", "data_size", "param_size"),
            bounds=bounds,
            linear=linear,
            jacobian=partial(_positional, jacobian),
            starts=starts,
        )
        self.law, self.derivatives = law, jacobian
        self.ridge, self.log_scaled = tuple(ridge), tuple(log_scaled)

    @property
    def names(self):
        return self.parameters

    def evaluate(self, X, theta):
        return self.law(X, theta)

    def evaluate_many(self, X, thetas):
        return self.law(X, np.atleast_2d(thetas).T[:, :, None])

    def jacobian_matrix(self, X, theta, value=None):
        return self.derivatives(X, theta)

    def jacobian_many(self, X, thetas):
        return np.stack([self.derivatives(X, theta) for theta in np.atleast_2d(thetas)])

    def with_power_size_terms(self):
        """The same form with Chinchilla-style size terms ``b (D / 1e11)**-alpha``."""
        bounds = {
            **self.bounds,
            "a": (0.0, 20.0),
            "b": (0.0, 20.0),
            "alpha": (0.0, 3.0),
            "c": (0.0, 20.0),
            "beta": (0.0, 3.0),
        }
        return self._replace(
            law=partial(self.law, size_terms="power"),
            jacobian=partial(self.derivatives, size_terms="power"),
            bounds=bounds,
            starts={**self.starts, "alpha": (0.2, 0.5), "beta": (0.2, 0.5)},
        )

    def with_skew(self):
        """The scaling form with cubic skew terms in u and v (both solved linearly)."""
        return self._replace(
            parameters=self.parameters + SKEW_PARAMS,
            linear=self.linear + SKEW_PARAMS,
            bounds={**self.bounds, "skew_lr": (-1.0, 1.0), "skew_bsz": (-1.0, 1.0)},
        )

    def _replace(self, **changes):
        options = {
            "law": self.law,
            "jacobian": self.derivatives,
            "parameters": self.parameters,
            "linear": self.linear,
            "bounds": self.bounds,
            "starts": self.starts,
            "ridge": self.ridge,
            "log_scaled": self.log_scaled,
            **changes,
        }
        return LogPowerLaw(self.name, **options)


# The seed law's declaration in the registry holds seed 001's start grid; its bounds on
# the linear parameters are unit-free there, so seed 001's own come from LOG_POWER_BOUNDS.
_DECLARED = get_law("log_power")

_FIXED = LogPowerLaw(
    "log_power_seed",
    log_power,
    log_power_jacobian,
    parameters=LOG_POWER_PARAMS,
    linear=_DECLARED.linear,
    bounds=dict(LOG_POWER_BOUNDS),
    starts=dict(_DECLARED.starts),
    # Seed 001 shrinks params[1:7].
    ridge=("b", "alpha", "c", "beta", "d", "lr_opt"),
    log_scaled=("lr_opt",),
)

_SCALING = LogPowerLaw(
    "log_power_scaling",
    log_power_scaling,
    log_power_scaling_jacobian,
    parameters=LOG_POWER_SCALING_PARAMS,
    linear=("a", "b", "c", "d", "e", "interaction"),
    bounds={
        "a": (-20.0, 20.0),
        "b": (-5.0, 5.0),
        "alpha": (-3.0, 3.0),
        "c": (-5.0, 5.0),
        "beta": (-3.0, 3.0),
        "d": (0.0, 2.0),
        "e": (0.0, 2.0),
        "interaction": (-2.0, 2.0),
        "lr_0": (np.log(1e-5), np.log(1.0)),
        "lr_N": (-2.0, 2.0),
        "lr_D": (-2.0, 2.0),
        "bsz_0": (0.0, np.log(1e5)),
        "bsz_N": (-2.0, 2.0),
        "bsz_D": (-2.0, 2.0),
    },
    starts={
        "alpha": (-1.0, 1.0),
        "beta": (-1.0, 1.0),
        "lr_0": (np.log(2e-3), np.log(8e-3)),
        "lr_N": (-0.5, 0.0),
        "lr_D": (0.0, 0.3),
        "bsz_0": (np.log(256.0), np.log(1024.0)),
        "bsz_N": (0.0,),
        "bsz_D": (0.0, 0.5),
    },
    # Shrinking the slopes of the optimum towards zero pulls towards a fixed optimum.
    ridge=("b", "alpha", "c", "beta", "d", "lr_N", "lr_D", "bsz_N", "bsz_D"),
)

#: ``(optimum, size_terms, skew)`` options -> law form.
FORMS = {
    ("fixed", "log_power", False): _FIXED,
    ("scaling", "log_power", False): _SCALING,
    ("fixed", "power", False): _FIXED.with_power_size_terms(),
    ("scaling", "power", False): _SCALING.with_power_size_terms(),
    ("scaling", "log_power", True): _SCALING.with_skew(),
    ("scaling", "power", True): _SCALING.with_power_size_terms().with_skew(),
}


def seed_scale(targets, weights):
    """``std(y) / sqrt(2)`` of each row of ``targets`` (weighted; seed 001 adds 1e-8).

    With this scale the generic objective's ``1/2 sum_i v_i ((pred_i - y_i) / s)**2`` is
    seed 001's normalised mean squared error.
    """
    weights = np.atleast_2d(weights)
    targets = np.broadcast_to(targets, weights.shape)
    total = weights.sum(axis=1)
    mean = np.sum(weights * targets, axis=1) / total
    variance = np.sum(weights * (targets - mean[:, None]) ** 2, axis=1) / total
    return (np.sqrt(variance) + 1e-8) / np.sqrt(2.0)


def seed_ridge(law, alpha, scale):
    """Seed 001's ridge ``alpha * sum(params[law.ridge]**2)`` over internal parameters.

    ``scale`` is the fit's ``s`` (one per problem for a batch): linear parameters are
    internally in units of ``y / s``, so their rows carry the factor ``s``.
    """
    scale = np.asarray(scale, dtype=float)
    ridge = np.array([law.parameters.index(name) for name in law.ridge])
    factor = np.ones((*scale.shape, law.n_parameters))
    factor[..., [law.parameters.index(name) for name in law.linear]] = scale[..., None]
    rows = np.zeros((*scale.shape, ridge.size, law.n_parameters))
    rows[..., np.arange(ridge.size), ridge] = np.sqrt(2.0 * alpha) * factor[..., ridge]
    return RidgePenalty(rows, np.zeros(law.n_parameters))


@single_threaded_blas
def fit_log_power(
    X,
    y,
    sample_weight=None,
    *,
    form=("fixed", "log_power", False),
    alpha=0.003,
    loss="squared",
    f_scale=1.0,
    global_search="auto",
    n_starts=4,
    bounds=None,
    max_nfev=1000,
    tol=1e-6,
    n_jobs=None,
    rng=None,
):
    """Fit a log-power law to seed 001's objective by :func:`~._law.fit_law`.

    Parameters
    ----------
    X : ndarray of shape (n, 4)
    y : ndarray of shape (n,)
    sample_weight : ndarray of shape (n,) or None
    form : tuple
        A key of :data:`FORMS`: ``(optimum, size_terms, skew)``.
    alpha : float
        Ridge strength.
    loss : str
    f_scale : float
        Loss scale in the units of ``y``.
    global_search : {'auto', 'always', 'never'}
        Differential evolution over the nonlinear parameters: 'auto' runs it only when
        the best local start leaves the seed's objective above 0.25, as seed 001 did.
    n_starts : int
        Local refinements from the best-ranked grid starts.
    bounds : dict or None
        ``{name: (low, high)}`` overriding the form's defaults.
    max_nfev : int
    tol : float
        ``ftol``, ``xtol`` and ``gtol`` of each local refinement.
    n_jobs : int or None
    rng : numpy.random.Generator or None

    Returns
    -------
    result : LawFit
        With ``cost`` seed 001's objective; and ``problem``, the problem solved (in
        internal units, ``x / units``) and ``units``.
    """
    law = FORMS[form]
    # float32 targets would make y / s float32 (NumPy keeps the array's precision).
    y = np.asarray(y, dtype=float)
    if sample_weight is None:
        sample_weight = np.ones_like(y)
    size = float(np.max(np.abs(y)))
    if not 1e-150 < size < 1e150:
        raise ValueError(
            "LogPowerHyperparamRegressor fits seed 001's objective, whose normalisation "
            "and default bounds are in absolute units of y (losses of 1.5 to 4.5 nats): "
            f"targets of size {size:.3g} are beyond what it can square in floating point. "
            "Fit y in nats, or use ScalingLawRegressor('log_power'), which is unit-free."
        )
    scale = float(seed_scale(y, sample_weight)[0])
    result = fit_law(
        law,
        X,
        y,
        sample_weight,
        loss=loss,
        f_scale=f_scale / scale,
        bounds=bounds,
        n_starts=n_starts,
        max_nfev=max_nfev,
        tol=tol,
        n_jobs=n_jobs,
        rng=rng,
        penalty=seed_ridge(law, alpha, scale),
        min_separation=0.0,
        polish=False,
        scale=scale,
        project=True,
        log_scaled=law.log_scaled,
        global_search=_GLOBAL_SEARCH[global_search],
    )
    result.units = result.objective.units(law)
    result.problem = result.objective.problem(law, X, y, sample_weight)
    return result


def log_power_refits(
    form,
    X,
    targets,
    weights,
    coef,
    *,
    alpha=0.003,
    loss="squared",
    f_scale="mad",
    bounds=None,
    max_iter=100,
    tol=1e-8,
):
    """Refit a log-power law to many targets and weights at once, warm-started from ``coef``.

    Each problem is the one :func:`fit_log_power` solves on its own rows: its ``std(y)``
    and (for ``f_scale='mad'``) loss scale are its own. They are one batch of the
    generic objective (per-problem scales, boxes and ridge rows) solved by
    :func:`~._law.refit_batch`, in chunks that bound the memory.

    Parameters
    ----------
    form : tuple
        A key of :data:`FORMS`.
    X : ndarray of shape (n, 4)
    targets : ndarray of shape (B, n) or (n,)
    weights : ndarray of shape (B, n)
    coef : ndarray of shape (p,)
    alpha, loss, bounds : as for :func:`fit_log_power`
    f_scale : 'mad' or float
        In units of ``y``; 'mad' is each problem's ``mad_scale``.
    max_iter : int, default=100
    tol : float, default=1e-8

    Returns
    -------
    coefs : ndarray of shape (B, p)
    cost : ndarray of shape (B,)
        Each problem's objective, as ``cost_`` of a fit on its rows.
    converged : ndarray of bool, shape (B,)
    """
    law = FORMS[form]
    weights = np.atleast_2d(np.asarray(weights, dtype=float))
    n_problems, n = weights.shape
    targets = np.broadcast_to(np.asarray(targets, dtype=float), (n_problems, n))
    scale = seed_scale(targets, weights)
    if loss == "squared" or f_scale != "mad":
        loss_scale = np.full(n_problems, 1.0 if loss == "squared" else float(f_scale))
    else:
        loss_scale = np.array(
            [mad_scale(targets[b, keep], weights[b, keep]) for b, keep in enumerate(weights > 0)]
        )
    limits = {**law.bounds, **(bounds or {})}
    lower = np.array([limits[name][0] for name in law.parameters])
    upper = np.array([limits[name][1] for name in law.parameters])
    coefs = np.empty((n_problems, law.n_parameters))
    cost = np.empty(n_problems)
    converged = np.empty(n_problems, dtype=bool)
    for chunk in chunks(n_problems, n * law.n_parameters):
        objective = LawObjective(
            loss=loss,
            f_scale=loss_scale[chunk] / scale[chunk],
            target_space="linear",
            alpha=0.0,
            y_scale=scale[chunk],
            lower=None,
            upper=None,
            prior_center=np.empty(0),
            prior_width=np.empty(0),
            penalty=seed_ridge(law, alpha, scale[chunk]),
        )
        units = objective.units(law)
        objective.lower, objective.upper = lower / units, upper / units
        with np.errstate(all="ignore"):
            coefs[chunk], cost[chunk], converged[chunk] = refit_batch(
                law, objective, X, targets[chunk], weights[chunk], coef, max_iter=max_iter, tol=tol
            )
    return coefs, cost, converged
