"""Alabdulmohsin, Neyshabur & Zhai's (2022) learning-curve law M4."""

import numpy as np
from scipy.special import expit

from ._base import Law, register_law

__all__ = ["learning_curve", "learning_curve_jacobian"]

# Below this a the law is taken at its a -> 0 limit, L = min(E + b x**-c, E0): the
# root's bracket grows like 1 / a and Newton's steps shrink with a.
_SMALL_A = 1e-12
# Newton steps on logit(u), each safeguarded by bisection of a bracket that always holds
# the root; it converges quadratically within a few steps from the piecewise-linear start.
# Once every step is below _STEP_TOL one more step leaves an error of order its square,
# below rounding: waiting for the steps themselves to vanish would chase rounding noise.
_MAX_STEPS = 200
_STEP_TOL = 1e-8
_LOG2 = np.log(2.0)


def _inverse_hinge(s, a):
    """``t`` with ``min(0, t) + a max(0, t) = s``: the root of the log ratio's asymptotes."""
    return np.where(s < 0, s, s / a)


def _logit_share(r, a, guess=None):
    """``t = logit(u)`` solving ``log u - a log(1 - u) = r`` for every element (a > 0).

    In ``t`` the left side is ``psi(t) = -softplus(-t) + a softplus(t)``, increasing
    (``psi' = sigmoid(-t) + a sigmoid(t) > 0``) and within ``[-log 2, a log 2]`` of
    ``min(0, t) + a max(0, t)``: that bounds the root, and Newton's method with
    bisection as a fallback finds it for all rows and parameter vectors at once.
    ``guess``, e.g. the root at nearby parameters, replaces the asymptotes' root as the
    first iterate.
    """
    low = _inverse_hinge(r - a * _LOG2, a)
    high = _inverse_hinge(r + _LOG2, a)
    t = np.clip(_inverse_hinge(r, a) if guess is None else guess, low, high)
    last = False
    for _ in range(_MAX_STEPS):
        psi = -np.logaddexp(0.0, -t) + a * np.logaddexp(0.0, t)
        above = psi > r
        high = np.where(above, t, high)
        low = np.where(above, low, t)
        slope = expit(-t) + a * expit(t)
        newton = t - (psi - r) / slope
        inside = (newton >= low) & (newton <= high)
        step = np.where(inside, newton, 0.5 * (low + high)) - t
        t = t + step
        if last:
            break
        last = bool(np.all(np.abs(step) <= _STEP_TOL * (1.0 + np.abs(t))))
    return t


# The last root solved, as (key, result). A fit asks for the law's value and then its
# Jacobian at the same parameters, and for nearby parameters at the next step: the first
# is looked up, the second starts Newton's method from the last root. One entry, replaced
# whole, so a stale or concurrent read can cost time but never give a wrong root.
_LAST_ROOT = [None]


def _cache_key(X, params):
    return (X.shape, X.tobytes(), tuple(np.size(p) for p in params))


def _solve(X, E, E0, a, b, c):
    """The root ``L`` and what its derivatives need: ``(L, u, t, width, log_f, valid)``."""
    params = np.broadcast_arrays(*(np.asarray(p, dtype=float) for p in (E, E0, a, b, c)))
    # The same parameters come as scalars (one vector's Jacobian) or as (1, 1) columns
    # (a batch of one): the key holds their sizes, and a hit is reshaped to the call's.
    key = _cache_key(X, params)
    last = _LAST_ROOT[0]
    guess = None
    if last is not None and last[0] == key:
        full = np.broadcast_shapes(params[0].shape, X[:, 0].shape)
        if all(np.array_equal(p.ravel(), q.ravel()) for p, q in zip(params, last[1], strict=True)):
            shapes = (full, full, full, params[0].shape, full, params[0].shape)
            return tuple(np.reshape(r, s) for r, s in zip(last[2], shapes, strict=True))
        if last[2][2].size == np.prod(full, dtype=int):
            guess = np.reshape(last[2][2], full)
    result = _solve_root(X, E, E0, a, b, c, guess)
    _LAST_ROOT[0] = (key, [p.copy() for p in params], result)
    return result


def _solve_root(X, E, E0, a, b, c, guess):
    width = E0 - E
    valid = width > 0
    safe_width = np.where(valid, width, 1.0)
    with np.errstate(divide="ignore"):
        log_f = np.log(b) - c * np.log(X[:, 0])
    # exp(-745) is 0 in floating point: beyond it the share u is 0 or 1 already.
    r = np.clip(log_f - (1.0 - a) * np.log(safe_width), -745.0, 745.0)
    small = a < _SMALL_A
    if guess is not None and np.shape(guess) != np.shape(r):
        guess = None
    t = _logit_share(r, np.maximum(a, _SMALL_A), guess)
    # a -> 0: L = E + f while f < E0 - E, else E0 (the limit of the root as a -> 0+).
    with np.errstate(divide="ignore"):  # the branch r >= 0 is not taken
        closed = np.where(r < 0, r - np.log1p(-np.exp(np.minimum(r, 0.0))), np.inf)
    t = np.where(small, closed, t)
    u = expit(t)
    value = np.where(valid, E + safe_width * u, E0)
    return value, u, t, safe_width, log_f, valid


def learning_curve(X, E, E0, a, b, c):
    """M4: the ``L`` in ``(E, E0)`` with ``(L - E) / (E0 - L)**a = b x**-c``, ``X = [x]``.

    ``x`` is the examples (or tokens) seen, ``E`` the loss at infinite data and ``E0``
    the loss of a random guess. For ``x -> inf`` the law is the power law ``E + b
    x**-c (E0 - E)**a``; for small ``x`` it bends towards ``E0`` instead of growing
    without bound. The left side increases in ``L`` on ``(E, E0)``, so the root is
    unique; it is solved in ``logit((L - E) / (E0 - E))`` by Newton's method safeguarded
    by bisection, for all rows and all broadcast parameter vectors at once. ``a = 0``
    gives Alabdulmohsin et al.'s M2, ``E + b x**-c``, capped at ``E0`` (the limit of the
    root as ``a -> 0``); ``E0 <= E`` leaves no room between them, and the law is
    ``E0``.

    This follows the paper's M4 and its public code: ``E >= 0``, ``a >= 0``, ``c >= 0``
    and ``E`` below, ``E0`` above every observed loss (the code's projection; here the
    fit's starts put them there and the fit keeps them wherever the data say). The code
    fits M4 in the transformed space (least squares of ``log (L - E) - a log (E0 -
    L)`` on ``log b - c log x``, alternating with gradient steps on ``E`` and ``E0``);
    here that regression gives the starts, at several ``E`` and ``E0`` (see
    ``starts``), and the law is then fitted like every other, on the loss itself
    (``target_space='log'`` for RMSLE).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1e3], [1e6], [1e12]])
    >>> loss = learning_curve(x, 0.2, 0.9, 1.0, 50.0, 0.5)
    >>> bool(np.all((0.2 < loss) & (loss < 0.9)))
    True
    >>> lhs = (loss - 0.2) / (0.9 - loss) ** 1.0
    >>> bool(np.allclose(lhs, 50.0 * x[:, 0] ** -0.5, rtol=1e-10))
    True
    """
    return _solve(X, E, E0, a, b, c)[0]


def learning_curve_jacobian(X, E, E0, a, b, c):
    """Derivatives of :func:`learning_curve` in ``E, E0, a, b, c`` (broadcasting).

    By implicit differentiation of ``log (L - E) - a log (E0 - L) = log b - c log x``:
    with ``u = (L - E) / (E0 - E)`` and ``s = (1 - u) + a u``, ``dL/dE = (1 - u) / s``,
    ``dL/dE0 = a u / s``, and ``dL/dp = (E0 - E) u (1 - u) / s`` times ``log (E0 - L)``,
    ``1 / b`` and ``-log x`` for ``a``, ``b`` and ``c``.
    """
    _, u, t, width, _, valid = _solve(X, E, E0, a, b, c)
    one_minus_u = expit(-t)
    slope = one_minus_u + a * u
    capped = slope <= 0  # a = 0 with L at E0: L moves with E0 only
    safe = np.where(capped, 1.0, slope)
    common = np.where(capped, 0.0, width * u * one_minus_u / safe)
    log_gap = np.log(width) - np.logaddexp(0.0, t)  # log(E0 - L)
    log_x = np.log(X[:, 0])
    with np.errstate(divide="ignore", invalid="ignore"):
        # At b = 0 the root sits at E and moves like b x**-c (E0 - E)**a.
        d_b = np.where(b > 0, common / b, np.exp(a * np.log(width) - c * log_x))
        d_a = np.where(common == 0.0, 0.0, common * log_gap)
    columns = (
        np.where(capped, 0.0, one_minus_u / safe),
        np.where(capped, 1.0, a * u / safe),
        d_a,
        np.where(capped, 0.0, d_b),
        -common * log_x,
    )
    columns = [np.where(valid, col, 0.0) for col in columns]
    columns[1] = np.where(valid, columns[1], 1.0)
    return np.stack(np.broadcast_arrays(*columns), axis=-1)


# Where E and E0 start, in units of the spread of the observed losses below their
# minimum and above their maximum: M4's code starts them just outside the data (its
# margin is 1e-3 of a loss in (0, 1)); the wider offsets cover curves far from either end.
_E_OFFSETS = (0.01, 0.1, 0.5, 2.0)
_E0_OFFSETS = (0.01, 0.1, 0.5, 2.0, 10.0)
_START_BOUNDS = ([-np.inf, 0.0, 0.0], [np.inf, 5.0, 10.0])  # log b, c, a


def _learning_curve_starts(X, y):
    """Joint starts ``(E, E0, a, b, c)``: M4's own regression at each ``(E, E0)``.

    For fixed ``E`` and ``E0`` the law is linear in ``log b, c, a`` after M4's
    transform, ``log (y - E) = log b - c log x + a log (E0 - y)``: its least squares
    solution (with ``c, a >= 0``, as in M4's code) is a start that fits the curve's
    shape, so the refinements begin close to the optimum. M2's (``a = 0``) at each ``E``
    is added too.
    """
    # Imported here: the laws package must import without scipy.optimize's cost.
    from scipy.optimize import lsq_linear

    low, high = float(np.min(y)), float(np.max(y))
    span = max(high - low, 1e-12 * max(abs(high), 1.0))
    log_x = np.log(X[:, 0])
    points = []
    for e in {max(low - k * span, 0.0) for k in _E_OFFSETS} | {0.0}:
        if not low > e:
            continue
        excess = np.log(y - e)
        for e0 in (high + k * span for k in _E0_OFFSETS):
            design = np.column_stack([np.ones_like(log_x), -log_x, np.log(e0 - y)])
            log_b, c, a = lsq_linear(design, excess, bounds=_START_BOUNDS, method="bvls").x
            points.append((e, e0, a, np.exp(log_b), c))
        log_b, c = lsq_linear(design[:, :2], excess, bounds=([-np.inf, 0.0], [np.inf, 5.0])).x
        points.append((e, high + span, 0.0, np.exp(log_b), c))
    return np.array(points)


LEARNING_CURVE = register_law(
    Law(
        "learning_curve",
        learning_curve,
        bounds={
            "E": (0.0, np.inf),
            "E0": (0.0, np.inf),
            "a": (0.0, 10.0),
            "b": (0.0, np.inf),
            "c": (0.0, 5.0),
        },
        jacobian=learning_curve_jacobian,
        starts=_learning_curve_starts,
        domain={"x": "positive"},
        minimum="E",
        formula="(L - E) / (E0 - L)**a = b x**-c, solved for L in (E, E0)",
        latex=r"\frac{L - E}{(E_0 - L)^{a}} = b\,x^{-c}",
        reference="Alabdulmohsin, Neyshabur & Zhai (2022), Revisiting Neural Scaling Laws "
        "in Language and Vision (estimator M4)",
        description=(
            "A learning curve against examples seen: a power law towards the loss at "
            "infinite data E that bends to the random-guess loss E0 at small x."
        ),
    )
)
