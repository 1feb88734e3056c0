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


#: Elements (problems x rows x parameters) of the Jacobians of one batch of refits.
_BATCH_ELEMENTS = 2**22


def _positional(function, X, *params):
    return function(X, np.array(params))


class LogPowerLaw(Law):
    """A law of the log-power family, with what seed 001's objective adds to it.

    ``law(X, params, prediction_bounds=None)`` and ``derivatives(X, params)`` are the
    vectorised seed functions (parameters broadcast as ``(k, 1)`` columns), so the
    generic law's checks of broadcasting are skipped. ``ridge`` names the parameters the
    ``alpha`` ridge shrinks towards zero, ``log_scaled`` the nonlinear ones searched on
    a log scale (they span decades).
    """

    def __init__(self, name, law, derivatives, *, ridge, log_scaled=(), **declaration):
        features = ("learning_rate", "batch_size", "data_size", "param_size")
        super().__init__(name, partial(_positional, law), features=features, **declaration)
        self.law, self.derivatives = law, derivatives
        self.ridge, self.log_scaled = ridge, log_scaled

    def evaluate(self, X, theta):
        return self.law(X, theta)

    def evaluate_many(self, X, thetas):
        return self.law(X, np.atleast_2d(thetas).T[:, :, None])

    def jacobian_matrix(self, X, theta, value=None):
        return self.derivatives(X, theta)

    def jacobian_many(self, X, thetas):
        return np.stack([self.derivatives(X, theta) for theta in np.atleast_2d(thetas)])


# The seed law's declaration in the registry holds seed 001's start grid; its bounds on
# the linear parameters are unit-free there, so seed 001's own come from LOG_POWER_BOUNDS.
_DECLARED = get_law("log_power")

_OPTIMA = {
    "fixed": {
        "law": log_power,
        "derivatives": log_power_jacobian,
        "parameters": LOG_POWER_PARAMS,
        "linear": _DECLARED.linear,
        "bounds": LOG_POWER_BOUNDS,
        "starts": _DECLARED.starts,
        # Seed 001 shrinks params[1:7].
        "ridge": ("b", "alpha", "c", "beta", "d", "lr_opt"),
        "log_scaled": ("lr_opt",),
    },
    "scaling": {
        "law": log_power_scaling,
        "derivatives": log_power_scaling_jacobian,
        "parameters": LOG_POWER_SCALING_PARAMS,
        "linear": ("a", "b", "c", "d", "e", "interaction"),
        "bounds": {
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
        "starts": {
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
        "ridge": ("b", "alpha", "c", "beta", "d", "lr_N", "lr_D", "bsz_N", "bsz_D"),
    },
}


def _form(optimum, size_terms, skew):
    """The law of ``(optimum, size_terms, skew)``: Chinchilla-style size terms ``b (D /
    1e11)**-alpha`` for 'power', cubic skew terms in u and v (solved linearly) for skew."""
    form = dict(_OPTIMA[optimum])
    if size_terms == "power":
        for function in ("law", "derivatives"):
            form[function] = partial(form[function], size_terms="power")
        power = {"a": (0.0, 20.0), "b": (0.0, 20.0), "alpha": (0.0, 3.0), "c": (0.0, 20.0)}
        form["bounds"] = {**form["bounds"], **power, "beta": (0.0, 3.0)}
        form["starts"] = {**form["starts"], "alpha": (0.2, 0.5), "beta": (0.2, 0.5)}
    if skew:
        form["parameters"] += SKEW_PARAMS
        form["linear"] += SKEW_PARAMS
        form["bounds"] = {**form["bounds"], "skew_lr": (-1.0, 1.0), "skew_bsz": (-1.0, 1.0)}
    return LogPowerLaw("_".join(["log_power", optimum, size_terms] + ["skew"] * skew), **form)


#: ``(optimum, size_terms, skew)`` options -> law form.
FORMS = {
    key: _form(*key)
    for key in [(o, s, False) for o in ("fixed", "scaling") for s in ("log_power", "power")]
    + [("scaling", "log_power", True), ("scaling", "power", True)]
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
    """Fit the law ``FORMS[form]`` to seed 001's objective by :func:`~._law.fit_law`.

    ``X`` (n, 4), ``y`` and ``sample_weight`` (n,) as validated by the estimator; the
    options are ``LogPowerHyperparamRegressor``'s, with ``f_scale`` a number in units of
    ``y`` and ``bounds`` the checked ``{name: (low, high)}`` overriding the form's.

    Returns
    -------
    result : LawFit
        Its ``cost`` is seed 001's objective; ``problem`` is the problem solved, over
        the internal parameters ``x / units``.
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

    ``targets`` are (B, n) or (n,), ``weights`` (B, n); ``f_scale`` is 'mad' (each
    problem's :func:`mad_scale`) or a number in units of ``y``.

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
    for chunk in chunks(n_problems, n * law.n_parameters, max_elements=_BATCH_ELEMENTS):
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
