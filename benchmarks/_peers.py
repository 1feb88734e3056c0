"""Peer fitters of scaling laws, for ``bench_laws.py``: scipy, lmfit and the ``chinchilla`` toolkit.

Nothing here is part of the package. Two groups:

* Hoffmann et al.'s approach 3 on the Chinchilla law, in their parameterisation
  ``x = (e, a, b, alpha, beta)`` with ``E = exp(e)``, ``A = exp(a)``, ``B = exp(b)``:
  :func:`hoffmann_objective` (the one objective every method's solution is scored with),
  :func:`fit_hoffmann_grid` (scipy L-BFGS-B from each of the 4,500 starts of
  :data:`HOFFMANN_GRID`, as the public replication ran it), :func:`fit_curve_fit_log`
  (least squares on log loss: ``curve_fit`` has no robust loss), :func:`fit_lmfit_huber`
  (``lmfit.minimize`` with scipy's ``least_squares`` and its Huber loss) and
  :func:`fit_chinchilla_toolkit` (the PyPI ``chinchilla`` package's ``Chinchilla.fit``);
* any registered :class:`~sklearn_scaling.laws.Law` fitted by least squares on ``log y``
  from one start: :func:`law_best_start` (the start ``ScalingLawRegressor`` ranks first),
  :func:`log_sse` (the shared objective), :func:`fit_law_curve_fit` and
  :func:`fit_law_lmfit`.
"""

import functools
import itertools
import tempfile
import warnings

import numpy as np
from scipy.optimize import curve_fit, minimize

try:  # imported here, so that its import is not timed as part of a fit
    import lmfit
except ImportError:  # pragma: no cover - bench_laws.py needs it
    lmfit = None

#: Hoffmann et al.'s initialisation grid (approach 3): 5 x 6 x 6 x 5 x 5 = 4,500 starts.
HOFFMANN_GRID = {
    "e": (-1.0, -0.5, 0.0, 0.5, 1.0),
    "a": (0.0, 5.0, 10.0, 15.0, 20.0, 25.0),
    "b": (0.0, 5.0, 10.0, 15.0, 20.0, 25.0),
    "alpha": (0.0, 0.5, 1.0, 1.5, 2.0),
    "beta": (0.0, 0.5, 1.0, 1.5, 2.0),
}

#: Every other value of each axis of :data:`HOFFMANN_GRID` (ends and middle): 3**5 = 243
#: starts, for the ``chinchilla`` toolkit, whose fit costs about 30 ms a start.
HOFFMANN_SUBGRID = {
    "e": (-1.0, 0.0, 1.0),
    "a": (0.0, 10.0, 20.0),
    "b": (0.0, 10.0, 20.0),
    "alpha": (0.0, 1.0, 2.0),
    "beta": (0.0, 1.0, 2.0),
}

#: Huber's delta of Hoffmann et al., on log loss.
HUBER_DELTA = 1e-3

CHINCHILLA_NAMES = ("E", "A", "B", "alpha", "beta")


def grid_points(grid):
    """Every combination of a grid's values: shape (n, 5), ``(e, a, b, alpha, beta)``."""
    axes = [grid[k] for k in ("e", "a", "b", "alpha", "beta")]
    return np.array(list(itertools.product(*axes)), dtype=float)


def from_hoffmann(x):
    """``{E, A, B, alpha, beta}`` from Hoffmann's ``(e, a, b, alpha, beta)``."""
    e, a, b, alpha, beta = (float(v) for v in x)
    return {"E": np.exp(e), "A": np.exp(a), "B": np.exp(b), "alpha": alpha, "beta": beta}


def _huber(r, delta):
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))


def _log_prediction(log_n, log_d, e, a, b, alpha, beta):
    """``log(exp(e) + exp(a - alpha log N) + exp(b - beta log D))``, overflow-free."""
    return np.logaddexp(np.logaddexp(a - alpha * log_n, b - beta * log_d), e)


def hoffmann_objective(X, y, params, delta=HUBER_DELTA):
    """Hoffmann's objective at natural parameters: ``sum_i Huber_delta(log L_i - log y_i)``.

    Parameters
    ----------
    X : ndarray of shape (n, 2)
        ``N`` and ``D``.
    y : ndarray of shape (n,)
    params : mapping
        ``E, A, B, alpha, beta`` (``E, A, B >= 0``; a zero is a term that is absent).

    Returns
    -------
    value : float
    """
    with np.errstate(divide="ignore"):
        e, a, b = (np.log(float(params[k])) for k in ("E", "A", "B"))
    pred = _log_prediction(
        np.log(X[:, 0]), np.log(X[:, 1]), e, a, b, float(params["alpha"]), float(params["beta"])
    )
    return float(np.sum(_huber(pred - np.log(y), delta)))


def _hoffmann_function(log_n, log_d, log_y, delta):
    def objective(x):
        return float(np.sum(_huber(_log_prediction(log_n, log_d, *x) - log_y, delta)))

    return objective


def best_grid_start(X, y, grid=HOFFMANN_GRID, delta=HUBER_DELTA):
    """The point of ``grid`` with the lowest Hoffmann objective (one vectorised pass)."""
    points = grid_points(grid)
    log_n, log_d, log_y = np.log(X[:, 0])[:, None], np.log(X[:, 1])[:, None], np.log(y)[:, None]
    pred = _log_prediction(log_n, log_d, *points.T)
    costs = np.sum(_huber(pred - log_y, delta), axis=0)
    return points[int(np.argmin(costs))]


def fit_hoffmann_grid(X, y, grid=HOFFMANN_GRID, delta=HUBER_DELTA, points=None):
    """scipy L-BFGS-B from every start of ``grid``; the best solution.

    As the public replication of approach 3 ran it: ``scipy.optimize.minimize(...,
    method='L-BFGS-B')`` on the objective in ``(e, a, b, alpha, beta)``, no bounds, scipy's
    default finite-difference gradient, every start of the grid, the lowest objective kept.
    ``points`` (shape ``(n, 5)``), when given, replaces the grid's starts.

    Returns
    -------
    params : dict
        Natural parameters ``E, A, B, alpha, beta``.
    info : dict
        ``n_starts``, ``nfev`` (objective evaluations, gradients included), ``x``.
    """
    objective = _hoffmann_function(np.log(X[:, 0]), np.log(X[:, 1]), np.log(y), delta)
    best, nfev = None, 0
    points = grid_points(grid) if points is None else np.atleast_2d(points)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for x0 in points:
            result = minimize(objective, x0, method="L-BFGS-B")
            nfev += int(result.nfev)
            if np.isfinite(result.fun) and (best is None or result.fun < best.fun):
                best = result
    return from_hoffmann(best.x), {"n_starts": len(points), "nfev": nfev, "x": best.x}


def fit_curve_fit_log(X, y, x0):
    """``curve_fit`` of ``log L`` to ``log y`` (least squares: no robust loss) from ``x0``."""
    log_n, log_d = np.log(X[:, 0]), np.log(X[:, 1])

    def model(_, e, a, b, alpha, beta):
        return _log_prediction(log_n, log_d, e, a, b, alpha, beta)

    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x, _ = curve_fit(model, None, np.log(y), p0=np.asarray(x0, dtype=float), maxfev=20000)
    return from_hoffmann(x)


def fit_lmfit_huber(X, y, x0, delta=HUBER_DELTA):
    """``lmfit.minimize`` with ``method='least_squares'``, ``loss='huber'``, ``f_scale=delta``.

    scipy's Huber (``0.5 f**2 rho((r / f)**2)`` with ``f = delta``) is exactly Huber's
    loss with that delta, so this minimises Hoffmann's objective itself.
    """
    log_n, log_d, log_y = np.log(X[:, 0]), np.log(X[:, 1]), np.log(y)
    params = lmfit.Parameters()
    for name, value in zip(("e", "a", "b", "alpha", "beta"), x0, strict=True):
        params.add(name, value=float(value))

    def residual(p):
        v = p.valuesdict()
        return _log_prediction(log_n, log_d, v["e"], v["a"], v["b"], v["alpha"], v["beta"]) - log_y

    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = lmfit.minimize(
            residual, params, method="least_squares", loss="huber", f_scale=delta
        )
    v = result.params.valuesdict()
    return from_hoffmann([v["e"], v["a"], v["b"], v["alpha"], v["beta"]])


def chinchilla_toolkit_version():
    """Version of the PyPI ``chinchilla`` toolkit, or None when it does not import."""
    try:
        from importlib.metadata import version

        import chinchilla  # noqa: F401
    except Exception:  # noqa: BLE001 - any import failure means "not usable"
        return None
    return version("chinchilla")


def fit_chinchilla_toolkit(X, y, grid=HOFFMANN_SUBGRID, delta=HUBER_DELTA):
    """The PyPI ``chinchilla`` toolkit's ``Chinchilla.fit`` with Hoffmann's loss.

    ``loss_fn`` is the toolkit's own ``log_huber`` with ``delta``; the grid keys ``e, a, b``
    tell it to fit ``E, A, B`` through ``exp`` (Hoffmann's parameterisation). It runs
    scipy BFGS (unbounded, finite-difference gradient, 128-bit ``longdouble``) from every
    grid start, in this process (``parallel=False``; its process pool is still created).
    Its project folder is a temporary one; its end-of-fit plot is skipped (not timed).
    """
    import pandas as pd
    from chinchilla import Chinchilla
    from chinchilla._metrics import log_huber

    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cc = Chinchilla(
            project_dir=folder,
            param_grid={k: tuple(grid[k]) for k in ("e", "a", "b", "alpha", "beta")},
            loss_fn=functools.partial(log_huber, delta=delta),
            log_level=50,
        )
        cc.database.df = pd.DataFrame(
            {"C": 6.0 * X[:, 0] * X[:, 1], "N": X[:, 0], "D": X[:, 1], "loss": y}
        )
        cc.visualizer.optim = lambda *args, **kwargs: None
        with np.errstate(all="ignore"):
            cc.fit(parallel=False)
        return {k: float(v) for k, v in cc.params.items()}


# ------------------------------------------------------------------------ any law, log SSE


def log_sse(law, X, y, theta):
    """``0.5 * mean((log L - log y)**2)``: ``ScalingLawRegressor(target_space='log',
    loss='squared').cost_`` at ``theta``; ``inf`` where the law is not positive."""
    with np.errstate(all="ignore"):
        value = law.evaluate(X, np.asarray(theta, dtype=float))
        r = np.log(value) - np.log(y)
    if not np.all(np.isfinite(r)):
        return np.inf
    return float(0.5 * np.mean(r * r))


def law_best_start(law, X, y, random_state=0):
    """The start ``ScalingLawRegressor(target_space='log', loss='squared')`` ranks first.

    The law's grid of nonlinear values, each with its linear parameters solved exactly
    (``_fitting._law.law_starts``, weighted by ``1 / y**2``), ranked by :func:`log_sse`; as the
    fit does it, on ``y`` divided by its root mean square for laws that scale with their
    linear part, then scaled back.

    Returns
    -------
    start : ndarray of shape (law.n_parameters,)
    n_grid : int
        Size of the grid it was chosen from.
    """
    from sklearn_scaling._fitting._law import _linear_index, law_starts, scaled_bounds, y_scale

    weight = np.ones_like(y)
    scale = y_scale(law, X, y, weight)
    lower, upper = scaled_bounds(law, None, scale)
    starts = law_starts(
        law, X, y / scale, weight / weight.sum(), lower, upper, "log",
        np.random.default_rng(random_state),
    )  # fmt: skip
    starts = np.clip(starts, lower, upper)
    starts[:, _linear_index(law)] *= scale
    costs = [log_sse(law, X, y, s) for s in starts]
    return starts[int(np.argmin(costs))], len(starts)


def _inside(law, x0):
    """``x0`` moved strictly inside the law's bounds (peers reject starts on a bound)."""
    lower, upper = law.lower(), law.upper()
    room = np.where(np.isfinite(upper - lower), 1e-9 * (upper - lower), 1e-9 * np.abs(x0) + 1e-12)
    return np.clip(x0, lower + room, upper - room)


def fit_law_curve_fit(law, X, y, x0):
    """``curve_fit`` of ``log L(X; theta)`` to ``log y`` within the law's bounds, from ``x0``.

    With bounds scipy uses its ``trf`` solver; the Jacobian is curve_fit's default
    finite differences. Returns the parameters (``x0`` if it fails).
    """
    lower, upper = law.lower(), law.upper()

    def model(_, *theta):
        return np.log(law.function(X, *theta))

    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            theta, _ = curve_fit(
                model, None, np.log(y), p0=_inside(law, x0), bounds=(lower, upper), max_nfev=20000
            )
        except (RuntimeError, ValueError):
            return np.asarray(x0, dtype=float)
    return theta


def fit_law_lmfit(law, X, y, x0):
    """``lmfit.minimize`` (its default ``leastsq``, MINPACK with lmfit's bound transforms)
    of ``log L - log y`` within the law's bounds, from ``x0``."""
    params = lmfit.Parameters()
    for name, value in zip(law.parameters, _inside(law, x0), strict=True):
        low, high = law.bounds[name]
        params.add(name, value=float(value), min=low, max=high)
    log_y = np.log(y)

    def residual(p):
        v = p.valuesdict()
        return np.log(law.function(X, *(v[name] for name in law.parameters))) - log_y

    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = lmfit.minimize(residual, params, nan_policy="omit")
    v = result.params.valuesdict()
    return np.array([v[name] for name in law.parameters])
