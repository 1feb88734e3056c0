"""scikit-learn estimators for the scaling laws: validation in, fitted ``*_`` attributes out."""

import copy
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ._fitting._covariance import data_shift, relative_weights
from ._fitting._double_descent import (
    _RAW_BOUND,
    DEFAULT_PENALTIES,
    READABLE_PARAMS,
    coef_derivative,
    double_descent_covariance,
    double_descent_data_fit,
    double_descent_refits,
    fit_double_descent,
    mad_scale,
    shape_gradient,
)
from ._fitting._engine import weighted_quantile
from ._fitting._law import residual_scale
from ._fitting._log_power import FORMS, fit_log_power, log_power_refits
from ._fitting._losses import LOSSES, loss_value
from ._intervals import UncertaintyMixin
from .laws import (
    DOUBLE_DESCENT_PARAMS,
    double_descent,
    double_descent_jacobian,
    double_descent_shape,
    softplus,
)
from .laws._base import _is_number

__all__ = ["DoubleDescentRegressor", "LogPowerHyperparamRegressor"]

# The losses square the loss scale (and divide squared residuals by it): above this its
# square comes near the float range (sqrt of the largest double is 1.3e154), so a larger
# f_scale overflows instead of acting as the squared loss it is indistinguishable from.
_MAX_F_SCALE = 1e150


# The priors' pull on the training rows, in standard errors of the fitted curve there
# (the residual spread times sqrt(parameters / rows)), above which they bend the curve:
# see DoubleDescentRegressor._prior_pull_ratio.
_PULL_STANDARD_ERRORS = 1.7


def _ordered_pair(name, value):
    """``(low, high)`` as floats: what the "array-like" constraint cannot state.

    NaN is rejected by ``low < high``; infinite ends are allowed (an open side).
    """
    try:
        low, high = (v for v in value)
        # float() takes booleans and text ("1") too: neither is a bound.
        if not (_is_number(low) and _is_number(high)):
            raise TypeError
        low, high = float(low), float(high)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a (low, high) pair of numbers; got {value!r}.") from None
    if not low < high:
        raise ValueError(f"{name} must satisfy low < high; got {value!r}.")
    return low, high


def _non_negative():
    # [0, inf): the right end open so an infinite strength is rejected.
    return Interval(Real, 0.0, np.inf, closed="left")


def _is_missing(value):
    """None, or pandas' NA and NaT (whose comparisons raise instead of being False)."""
    return value is None or type(value).__name__ in ("NAType", "NaTType")


def _check_no_missing(values, name):
    """Reject missing entries (None, pandas' NA) of an object ``X`` or ``y`` by name.

    Converted to float they become NaN deep inside the fit, or (pandas' NA) a
    TypeError from the conversion: neither says what is wrong.
    """
    try:
        values = np.asarray(values)
    except (TypeError, ValueError):
        return  # ragged or odd input: validate_data explains it
    if values.dtype.kind != "O" or values.ndim == 0:
        return
    missing = [i for i, v in enumerate(values.reshape(len(values), -1)) if any(map(_is_missing, v))]
    if missing:
        raise ValueError(
            f"{name} has missing values (None or NA) in {len(missing)} row(s), the first at "
            f"row {missing[0]}: {name} must be numeric and finite. Drop those rows or fill "
            "them in."
        )


def _check_numeric_target(y):
    """Reject strings, booleans and missing values in ``y`` before numpy fails on them.

    scikit-learn's ``y_numeric`` only converts object arrays: a string array reaches the
    fit as text and a boolean one as booleans, where arithmetic raises TypeErrors; a
    None becomes a NaN that its finiteness check (made before the conversion) misses.
    """
    _check_no_missing(y, "y")
    try:
        values = np.asarray(y)
    except (TypeError, ValueError):
        return  # ragged or odd input: validate_data explains it
    if values.dtype.kind == "O":
        bad = any(isinstance(v, bool | np.bool_ | str | bytes) for v in values.ravel())
    else:
        bad = values.dtype.kind in "bUSV"
    if bad:
        raise ValueError(
            "y must be numeric (a loss or score per row, as floats or integers); got "
            f"values of dtype {values.dtype}."
        )


class _ScalingLawRegressor(RegressorMixin, BaseEstimator):
    """Validation and bookkeeping shared by the scaling-law regressors."""

    _n_columns = None
    _column_names = ()

    # Options every scaling-law regressor has; a subclass adds its own with
    # ``{**_ScalingLawRegressor._parameter_constraints, ...}``.
    _parameter_constraints = {
        "loss": [StrOptions(set(LOSSES))],
        "f_scale": [StrOptions({"mad"}), Interval(Real, 0.0, _MAX_F_SCALE, closed="right")],
        "n_starts": [Interval(Integral, 1, None, closed="left")],
        "max_nfev": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0.0, np.inf, closed="neither")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def _check_columns(self, X):
        if X.shape[1] != self._n_columns:
            names = ", ".join(self._column_names)
            raise ValueError(
                f"{type(self).__name__} needs exactly {self._n_columns} column(s) of X "
                f"({names}); got {X.shape[1]}."
            )

    def _validate_fit_data(self, X, y, sample_weight, *, n_params, multi_output, labels=None):
        _check_no_missing(X, "X")
        _check_numeric_target(y)
        X, y = validate_data(
            self, X, y, dtype=np.float64, multi_output=multi_output, y_numeric=True
        )
        self._check_columns(X)
        self._check_domain(X)
        sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        if np.any(sample_weight < 0):
            raise ValueError("sample_weight must be non-negative.")
        # Weights are relative, as in scikit-learn: frequencies of the lightest row (the
        # largest divided out first, so 1e300 does not overflow the sum); scaling them
        # all changes nothing, and integer weights are repeated rows. Rows of zero
        # weight do not exist for the fit, nor for its bins and ranges.
        sample_weight = relative_weights(sample_weight)
        keep = sample_weight > 0
        X, y, sample_weight = X[keep], y[keep], sample_weight[keep]
        # The curve labels of a grouped fit follow the rows they label.
        self._kept_labels = None if labels is None else labels[keep]
        if X.shape[0] < n_params:
            raise ValueError(
                f"{type(self).__name__} has {n_params} parameters and needs at least "
                f"{n_params} samples with positive weight; got {X.shape[0]}."
            )
        y2d = y.reshape(len(y), -1)
        constant = np.flatnonzero(np.ptp(y2d, axis=0) == 0)
        if constant.size:
            raise ValueError(
                f"y is constant (target column {constant[0]}): a scaling law cannot be "
                "identified from a target that does not vary."
            )
        return X, y, sample_weight

    def _check_domain(self, X):
        """Reject values the law cannot take; by default every finite value is fine."""

    def _warn_unconverged(self, converged):
        if not np.all(converged):
            warnings.warn(
                f"{type(self).__name__} did not converge within max_nfev={self.max_nfev} "
                "evaluations; the best parameters found are kept. Increase max_nfev or "
                "n_starts.",
                ConvergenceWarning,
                stacklevel=4,
            )

    def _worse_than_constant(self, fitted, target, weight, loss, f_scale, what="fit"):
        """Warn, and return True, when a constant beats the law on its own objective.

        The data part of the fit's objective (``loss`` at scale ``f_scale`` on the
        residuals, rows weighted by ``weight``) at the fitted values against its minimum
        over constants: a law worse than the best flat line has not found the data's
        shape, whatever the solver reported (measured: a mixture-of-experts law declared
        by a user ended at train R^2 -9.4 with ``converged_`` True).
        """
        from scipy.optimize import minimize_scalar

        weight = np.asarray(weight, dtype=float) / np.sum(weight)
        with np.errstate(all="ignore"):
            fit_cost = float(weight @ loss_value(fitted - target, loss, f_scale))
            low, high = float(np.min(target)), float(np.max(target))
            if not (np.isfinite(fit_cost) and high > low):
                return False

            def constant_cost(c):
                return float(weight @ loss_value(c - target, loss, f_scale))

            best = minimize_scalar(
                constant_cost, bounds=(low, high), method="bounded", options={"xatol": 1e-12}
            )
            median = weighted_quantile(target, 0.5, weight)
            floor = min(float(best.fun), constant_cost(median))
        if not fit_cost > floor * (1.0 + 1e-9) + 1e-300:
            return False
        warnings.warn(
            f"{type(self).__name__}'s {what} is worse than the best constant on its own "
            f"training rows (objective {fit_cost:.4g} against {floor:.4g} for a flat line): "
            "the law has not found the data's shape, so converged_ is False. Increase "
            "n_starts, check the law and its bounds, or fit in another target_space.",
            ConvergenceWarning,
            stacklevel=4,
        )
        return True

    def _warn_if_off_targets(self, X, y, hint):
        """Warn when the fitted law misses the range of its own training targets entirely.

        A curve below (or above) every target it was fitted to follows none of them: a
        constant at their minimum (maximum) is closer to every row, so it fits better
        under any loss. It happens when the priors or bounds outweigh the data, and a fit
        that looks converged must not pass silently.
        """
        # X is already validated: predict() would re-validate and, for a DataFrame fit,
        # complain that the array has no feature names.
        pred = self._law_values(X).reshape(len(y), -1)
        targets = y.reshape(len(y), -1)
        below = np.all(pred < targets.min(axis=0), axis=0)
        above = np.all(pred > targets.max(axis=0), axis=0)
        for column in np.flatnonzero(below | above):
            where = "below" if below[column] else "above"
            of_column = f" of column {column}" if targets.shape[1] > 1 else ""
            spread = float(np.ptp(targets[:, column]))
            warnings.warn(
                f"{type(self).__name__}'s fitted law lies {where} every training "
                f"target{of_column} (which span {spread:.3g}): it does not follow the data. "
                + hint,
                UserWarning,
                stacklevel=4,
            )

    def _warn_at_bounds(self, hits, hint):
        """Warn that the fit ended on bounds: ``hits`` is ``{column: names}``."""
        for column, names in hits.items():
            if not names:
                continue
            of_column = "" if column is None else f" (target column {column})"
            warnings.warn(
                f"{type(self).__name__}'s fit{of_column} ends on a bound of "
                f"{', '.join(names)}: the bounds, not the data, decide these values. "
                + hint(names),
                UserWarning,
                stacklevel=4,
            )

    def _warn_below_minimum(self, prediction, limit, what):
        """Warn when a prediction lies below the law's physical minimum ``limit``.

        ``what`` names the impossible value (e.g. "a negative loss"). The small
        tolerance keeps a prediction that equals the limit up to rounding silent.
        """
        # One limit for all rows, or one per row (each curve's own fitted minimum).
        limit = np.broadcast_to(np.asarray(limit, dtype=float), prediction.shape)
        below = prediction < limit - 1e-12 * np.maximum(np.abs(limit), 1.0)
        if np.any(below):
            row = int(np.argmin(np.where(below, prediction, np.inf)))
            warnings.warn(
                f"{type(self).__name__} predicts {what} at {int(below.sum())} of "
                f"{len(prediction)} rows (down to {float(prediction[row]):.4g} at row {row}), "
                f"below {float(limit[row]):.4g}, the law's physical minimum: the law is "
                "extrapolated beyond where it holds there.",
                UserWarning,
                # Past this method and predict: the user's call.
                stacklevel=3,
            )

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R^2 of the prediction, as scikit-learn's.

        Computed on ``y`` and the prediction divided by the largest ``|y|`` (R^2 does not
        change), so targets near the float limits (1e300) do not overflow its squares.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        from sklearn.metrics import r2_score

        prediction = self.predict(X)
        y = np.asarray(y, dtype=float)
        largest = float(np.max(np.abs(y))) if y.size else 0.0
        unit = largest if np.isfinite(largest) and largest > 0 else 1.0
        with np.errstate(under="ignore"):
            return r2_score(y / unit, prediction / unit, sample_weight=sample_weight)

    def _seed(self):
        # One seed drawn from random_state makes the whole fit reproducible.
        return check_random_state(self.random_state).randint(np.iinfo(np.int32).max)

    def _rng(self):
        return np.random.default_rng(self._seed())


def _double_descent_bound_hint(names):
    parts = []
    if "b0" in names:
        parts.append("b0 is held by b0_bounds: widen them (None leaves b0 free)")
    raw = [name for name in names if name.endswith("_raw")]
    if raw:
        parts.append(
            f"{', '.join(raw)} end on the law's fixed box (-{_RAW_BOUND:g}, {_RAW_BOUND:g}) "
            "of seed 000's raw parameters, which is not an option; amplitudes in it reach "
            "about 8 in the units the priors are stated in, so prior_units='f_scale' "
            "measures them in loss scales"
        )
    if "c0" in names:
        parts.append(
            "c0 ends on its fixed range, 0.2 beyond the training compute, which is not "
            "an option: the transition lies outside the data"
        )
    return "; ".join(parts) + "."


class DoubleDescentRegressor(UncertaintyMixin, _ScalingLawRegressor):
    """U-shaped (double-descent) scaling law of log10 compute, fitted robustly.

    The law (see :func:`sklearn_scaling.laws.double_descent`) is a level ``b0`` plus a
    rising and a falling sigmoid: scores first get worse with scale, then better. The
    fit minimises seed 000's objective: an inverse-density weighted robust loss plus
    five gentle priors, by multi-start least squares whose starts have their linear
    part (``b0`` and the amplitudes) solved exactly.

    Parameters
    ----------
    shape : {'bump', 'dip'}, default='bump'
        'bump' is seed 000's law: the curve rises by ``A_up``, then falls by ``A_dn``.
        'dip' is its mirror image: it falls by ``A_up``, then rises by ``A_dn`` -- the
        U shape of a score that gets worse with scale before it emerges.
    loss : {'huber', 'soft_l1', 'cauchy', 'squared'}, default='huber'
        Robust loss on the residuals.
    f_scale : 'mad' or float, default='mad'
        Residual scale where the robust loss starts to down-weight: 'mad' is
        ``1.4826 * MAD(y)`` as in the seed; when the MAD vanishes, ``1.2533`` times the
        mean absolute deviation (the seed's absolute 0.1 swamped tiny targets). A
        number must lie in ``(0, 1e150]``.
    density_weighting : bool, default=True
        Weight rows inversely to how many rows share their compute range (8 to 20
        quantile bins), so crowded small-scale runs do not dominate.
    amplitude_penalty : float, default=3e-4
        Strength of ``A_up**2 + A_dn**2 + s**2``: keeps amplitudes and width moderate.
    order_penalty : float, default=1.5e-4
        Strength of ``softplus(A_up - A_dn)``: prefers curves that end below their start.
    separation_penalty : float, default=2e-4
        Strength of ``softplus(0.3 s - d)``: keeps the two sigmoids apart.
    range_penalty : float, default=1e-4
        Strength of ``softplus(x_min - c1) + softplus(c2 - x_max)``: keeps both
        centres inside the observed compute range.
    tail_penalty : float, default=1e-5
        Strength of ``mean(max(pred, 0)) + softplus(b0 + A_up - A_dn)``: for scores
        that are at most zero (negated Brier scores), keeps the curve and its
        large-compute limit below zero.
    alpha : float, default=1.0
        One multiplier over all five prior strengths: 0 fits the data alone.
    b0_bounds : tuple of float or None, default=None
        Bounds on ``b0``. None leaves it free; seed 000 used ``(-6.0, 0.5)``, which
        only suits negative scores.
    prior_units : {'y', 'f_scale'}, default='y'
        Units the prior strengths are stated in. 'y' is seed 000's: absolute units of
        the target, so the same strengths weigh more on targets that vary little.
        'f_scale' fits ``y / f_scale_`` and scales the law back: the priors weigh the
        same against the data whatever the units of ``y``, and with ``f_scale='mad'``
        fitting ``c * y`` gives ``c`` times the law.
    n_starts : int, default=2
        Local least-squares refinements, from the best of ~200 candidate starts
        ranked in one vectorised pass.
    max_nfev : int, default=1000
        Residual evaluations allowed to each refinement.
    tol : float, default=1e-6
        ``ftol``, ``xtol`` and ``gtol`` of each refinement: it stops when a step changes
        the objective or the parameters by less than this, relatively.
    n_jobs : int or None, default=None
        Refinements run in parallel through joblib.
    random_state : int, RandomState instance or None, default=None
        Draws the random part of the candidate starts.

    Attributes
    ----------
    coef_ : ndarray of shape (6,) or (n_targets, 6)
        Raw parameters ``[b0, A_up_raw, A_dn_raw, c0, s_raw, k_raw]`` in seed 000's
        order; ``laws.double_descent(X, coef_, shape)`` equals ``predict(X)``.
    params_ : dict
        Readable parameters ``b0, A_up, A_dn, c1, c2, s_left, s_right``: floats, or
        arrays of length n_targets for 2-D ``y``.
    peak_ : dict
        ``log_compute`` and ``value`` of the curve's extremum: the top of a bump, the
        bottom of a dip.
    asymptote_ : float or ndarray
        Value at infinite compute: ``b0 + A_up - A_dn`` for a bump, ``b0 - A_up +
        A_dn`` for a dip.
    cost_ : float or ndarray
        Objective value at ``coef_``; with ``prior_units='f_scale'``, of the problem
        in units of ``f_scale_``.
    nfev_ : int or ndarray
        Residual evaluations used.
    converged_ : bool or ndarray
        Whether the winning refinement met its tolerance.
    f_scale_ : float or ndarray
        Loss scale used, in units of ``y``.
    at_bounds_ : tuple of str
        Raw parameters (names of :data:`sklearn_scaling.laws.DOUBLE_DESCENT_PARAMS`)
        that end on a bound: ``b0`` on ``b0_bounds``, ``c0`` on its range 0.2 beyond
        the training compute, the others on the law's fixed box (-8, 8). For 2-D ``y``,
        one such tuple per target.
    coef_cov_ : ndarray of shape (6, 6) or (n_targets, 6, 6)
        Robust sandwich covariance of ``coef_`` (see :mod:`sklearn_scaling._fitting._covariance`),
        computed on the problem the fit minimised -- seed 000's objective with its
        density weights and the priors' curvature -- and, for ``prior_units='f_scale'``,
        carried from units of ``y / f_scale_`` back to ``coef_``. Rows and columns of
        parameters in ``at_bounds_`` are 0, those of unidentified ones ``inf``. One per
        target for 2-D ``y``.
    params_std_ : dict
        Standard errors of the readable ``params_`` by the delta method through
        :func:`~sklearn_scaling.laws.double_descent_shape` (its analytic gradient):
        ``nan`` for a parameter that depends on a raw one held on a bound (``b0``;
        ``A_up``; ``A_dn``; ``c1, c2`` on ``c0, s_raw, k_raw``; ``s_left, s_right`` on
        ``s_raw, k_raw``), ``inf`` where it moves along an unidentified direction.
        Arrays of length n_targets for 2-D ``y``.
    unidentified_ : tuple of str
        Raw parameters the data do not identify (one tuple per target for 2-D ``y``).
    residual_scale_ : float or ndarray
        Spread of the residuals in units of ``y`` (RMS for the squared loss, else
        1.4826 times their weighted MAD), which ``predict_interval(kind='observation')``
        adds to the law's uncertainty.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` has string column names.

    Examples
    --------
    >>> from sklearn_scaling import DoubleDescentRegressor
    >>> from sklearn_scaling.datasets import make_double_descent
    >>> X, y = make_double_descent(n_samples=80, noise=0.01, random_state=0)
    >>> reg = DoubleDescentRegressor(random_state=0).fit(X, y)
    >>> reg.coef_.shape, bool(reg.converged_)
    ((6,), True)
    >>> round(reg.score(X, y), 2)
    0.98
    """

    _n_columns = 1
    _column_names = ("log10 compute",)

    _parameter_constraints = {
        **_ScalingLawRegressor._parameter_constraints,
        "shape": [StrOptions({"bump", "dip"})],
        "density_weighting": ["boolean"],
        **{f"{key}_penalty": [_non_negative()] for key in DEFAULT_PENALTIES},
        "alpha": [_non_negative()],
        "b0_bounds": [None, "array-like"],
        "prior_units": [StrOptions({"y", "f_scale"})],
    }

    def __init__(
        self,
        *,
        shape="bump",
        loss="huber",
        f_scale="mad",
        density_weighting=True,
        amplitude_penalty=3e-4,
        order_penalty=1.5e-4,
        separation_penalty=2e-4,
        range_penalty=1e-4,
        tail_penalty=1e-5,
        alpha=1.0,
        b0_bounds=None,
        prior_units="y",
        n_starts=2,
        max_nfev=1000,
        tol=1e-6,
        n_jobs=None,
        random_state=None,
    ):
        self.shape = shape
        self.loss = loss
        self.f_scale = f_scale
        self.density_weighting = density_weighting
        self.amplitude_penalty = amplitude_penalty
        self.order_penalty = order_penalty
        self.separation_penalty = separation_penalty
        self.range_penalty = range_penalty
        self.tail_penalty = tail_penalty
        self.alpha = alpha
        self.b0_bounds = b0_bounds
        self.prior_units = prior_units
        self.n_starts = n_starts
        self.max_nfev = max_nfev
        self.tol = tol
        self.n_jobs = n_jobs
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _strengths(self):
        return {key: self.alpha * getattr(self, f"{key}_penalty") for key in DEFAULT_PENALTIES}

    def _checked_b0_bounds(self):
        if self.b0_bounds is None:
            return (-np.inf, np.inf)
        return _ordered_pair("b0_bounds", self.b0_bounds)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the law, one independent law per column of a 2-D ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, 1)
            log10 of training compute.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), default=None
            Multiplies the density weights; a row of weight ``k`` counts as ``k``
            repeated rows.

        Returns
        -------
        self : DoubleDescentRegressor

        Warns
        -----
        ConvergenceWarning
            When the best refinement stops on ``max_nfev`` before its tolerance.
        UserWarning
            When the fitted law lies below (or above) every training target: the
            priors outweigh the data. When the fit ends on a bound (see
            ``at_bounds_``). With ``prior_units='y'``, when the units of ``y`` are
            outside what seed 000's prior strengths and parameter box suit (the loss
            scale is within ten times the total prior strength, or the targets span
            more than the largest amplitude of the law, ``softplus(8)``, about 8): set
            ``prior_units='f_scale'``. When the fitted curve is flat over the central
            90% of the training compute while the targets vary there.

        Raises
        ------
        sklearn.utils._param_validation.InvalidParameterError
            When an option has a wrong type or value (a ValueError).
        ValueError
            When ``b0_bounds`` is not ordered (low < high), or ``X``, ``y`` or
            ``sample_weight`` are invalid (non-numeric ``y`` included).
        """
        strengths = self._strengths()
        b0_bounds = self._checked_b0_bounds()
        X, y, sample_weight = self._validate_fit_data(
            X, y, sample_weight, n_params=6, multi_output=True
        )
        # Every column starts from the same random draws, so its law is exactly the one a
        # single-target fit on that column finds.
        seed = self._seed()
        x = X[:, 0]
        results = [
            fit_double_descent(
                x,
                target,
                sample_weight,
                shape=self.shape,
                loss=self.loss,
                f_scale=self.f_scale,
                density_weighting=self.density_weighting,
                strengths=strengths,
                b0_bounds=b0_bounds,
                prior_units=self.prior_units,
                n_starts=self.n_starts,
                max_nfev=self.max_nfev,
                tol=self.tol,
                n_jobs=self.n_jobs,
                rng=np.random.default_rng(seed),
            )
            for target in y.reshape(len(y), -1).T
        ]
        single = y.ndim == 1

        def collect(values):
            values = np.asarray(values)
            return values[0] if single else values

        self.coef_ = collect([result.x for result in results])
        self.cost_ = collect([result.cost for result in results])
        self.nfev_ = collect([result.nfev for result in results])
        self.converged_ = collect([result.converged for result in results])
        self.f_scale_ = collect([result.f_scale for result in results])
        hits = [
            tuple(name for name, hit in zip(DOUBLE_DESCENT_PARAMS, r.at_bounds, strict=True) if hit)
            for r in results
        ]
        self.at_bounds_ = hits[0] if single else tuple(hits)
        self._set_shape_attributes(x)
        self._set_uncertainty(X, y, sample_weight, results)
        self._warn_unconverged(self.converged_)
        self._check_constant(x, y, sample_weight, results)
        self._warn_at_bounds(
            {None if single else t: names for t, names in enumerate(hits)},
            _double_descent_bound_hint,
        )
        targets = y.reshape(len(y), -1)
        if self.prior_units == "y":
            self._warn_if_units_unsuited(targets, sample_weight, strengths, X)
        self._warn_if_flat(x, targets, sample_weight)
        self._warn_if_off_targets(
            X,
            y,
            (
                "The prior strengths are in absolute units of y, so with targets that vary "
                "this little they can outweigh the data: set prior_units='f_scale', lower "
                "alpha, or use a loss that does not saturate ('huber', 'squared')."
                if self.prior_units == "y"
                else "The priors outweigh the data: lower alpha, or use a loss that does "
                "not saturate ('huber', 'squared')."
            ),
        )
        return self

    def _check_constant(self, x, y, sample_weight, results):
        """``converged_`` False (with a warning) for a column a constant fits better."""
        targets = y.reshape(len(y), -1)
        fitted = self._law_values(x[:, None]).reshape(targets.shape)
        converged = np.array(self.converged_, dtype=bool).reshape(-1)
        for t, result in enumerate(results):
            # The data part of the problem solved: its rows' weights, loss and scale.
            weight = result.problem.data_weight
            what = "fit" if targets.shape[1] == 1 else f"fit of target column {t}"
            if self._worse_than_constant(
                fitted[:, t], targets[:, t], weight, self.loss, result.f_scale, what
            ):
                converged[t] = False
        self.converged_ = bool(converged[0]) if y.ndim == 1 else converged

    def _prior_pull_ratio(self, X, sample_weight, column):
        """How far the priors move the curve over the training rows, per residual spread.

        The weighted RMS over the rows of the law moved by the data-only step (see
        :func:`~sklearn_scaling._fitting._covariance.data_shift`), over ``residual_scale_``.
        Measured on make_double_descent (6 data sets of 120 rows, one of 80): 0.22-0.37
        where the priors do not matter (``y``, ``3 * y``), 0.45-0.60 at ``0.3 * y``, where
        they cost 0.03 of R^2; 0.44 on 40 rows in units that suit them. The warning
        compares it with the curve's standard error, ``sqrt(p / n)`` spreads (0.24 at
        120 rows: 0.9-1.5 against 1.9-2.5), at 1.7.
        """
        coef = np.atleast_2d(self.coef_)[column]
        spread = float(np.atleast_1d(self.residual_scale_)[column])
        jacobian = double_descent_jacobian(X, coef, self.shape)
        move = jacobian @ self._shifts[column]
        pull = float(np.sqrt(np.average(move**2, weights=sample_weight)))
        return pull / spread if spread > 0 else 0.0

    def _warn_if_units_unsuited(self, targets, sample_weight, strengths, X=None):
        """Warn when seed 000's absolute prior strengths and box do not suit y's units.

        With ``prior_units='y'`` the priors push the curve by about their total strength
        in units of ``y`` (their gradients are of that size where the softplus priors
        sit near zero), so once the loss scale is within ten times that total, they bend
        the curve by a sizeable fraction of the noise level: measured on
        ``make_double_descent``, R^2 falls from 0.95 to 0.80 at ``0.03 * y`` and to
        -1.8 at ``0.003 * y``. At the other end each sigmoid's amplitude is capped at
        ``softplus(8)``, about 8, in units of ``y``: targets that span more cannot be
        followed (R^2 0.56 at ``100 * y``, a flat line at ``1e8 * y``).
        """
        total = float(sum(strengths.values()))
        cap = float(softplus(_RAW_BOUND))
        scales = np.atleast_1d(self.f_scale_)
        for column in range(targets.shape[1]):
            of_column = f" (target column {column})" if targets.shape[1] > 1 else ""
            low, high = weighted_quantile(targets[:, column], [0.05, 0.95], sample_weight)
            reasons = []
            if total > 0.1 * scales[column]:
                reasons.append(
                    f"the loss scale f_scale_={scales[column]:.3g} is within ten times the "
                    f"total prior strength {total:.3g}, stated in absolute units of y, so "
                    "the priors bend the curve"
                )
            ratio = 0.0 if X is None else self._prior_pull_ratio(X, sample_weight, column)
            # A bias matters against the curve's own uncertainty, which shrinks with the
            # rows: 0.44 of the spread on 40 rows is ordinary, on 120 it is not.
            n_params = np.atleast_2d(self.coef_).shape[1]
            standard_error = np.sqrt(n_params / max(len(targets), 1))
            if ratio > _PULL_STANDARD_ERRORS * standard_error and not reasons:
                reasons.append(
                    f"the priors, stated in absolute units of y, pull the fitted curve by "
                    f"{ratio:.2g} times the residual spread over the training rows"
                )
            if high - low > cap:
                reasons.append(
                    f"the targets span {high - low:.3g} (5% to 95%), more than the largest "
                    f"amplitude of either sigmoid, softplus({_RAW_BOUND:g}) = {cap:.3g} in "
                    "units of y"
                )
            if reasons:
                warnings.warn(
                    f"{type(self).__name__}: the units of y{of_column} do not suit seed "
                    f"000's defaults: {'; and '.join(reasons)}. Set prior_units='f_scale' "
                    "to state the priors and amplitudes in units of the loss scale.",
                    UserWarning,
                    stacklevel=4,
                )

    def _warn_if_flat(self, x, targets, sample_weight):
        """Warn when the fitted curve barely moves where most training rows are.

        Over the central 90% of the training compute (weighted), a curve whose range is
        below a tenth of the targets' 5%-95% spread there explains almost none of their
        variation; a far outlier in ``X`` can drag the transitions out of the data so.
        """
        x_low, x_high = weighted_quantile(x, [0.05, 0.95], sample_weight)
        inside = (x >= x_low) & (x <= x_high)
        if x_high <= x_low or inside.sum() < 2:
            return
        grid = np.linspace(x_low, x_high, 201)
        coef = np.atleast_2d(self.coef_)
        for column in range(targets.shape[1]):
            curve = double_descent(grid, coef[column], self.shape)
            low, high = weighted_quantile(
                targets[inside, column], [0.05, 0.95], sample_weight[inside]
            )
            spread = high - low
            if spread > 0 and np.ptp(curve) < 0.1 * spread:
                of_column = f" (target column {column})" if targets.shape[1] > 1 else ""
                warnings.warn(
                    f"{type(self).__name__}'s fitted curve{of_column} is flat over the "
                    f"central 90% of the training compute ({x_low:.3g} to {x_high:.3g}): "
                    f"it moves by {np.ptp(curve):.3g} there while the targets spread "
                    f"{spread:.3g}. Check X for far outliers (the transitions follow the "
                    "compute range), or drop or down-weight them.",
                    UserWarning,
                    stacklevel=4,
                )

    def _set_shape_attributes(self, x):
        shape = double_descent_shape(self.coef_)
        readable = ("b0", "A_up", "A_dn", "c1", "c2", "s_left", "s_right")
        self.params_ = {name: shape[name] for name in readable}
        sign = 1.0 if self.shape == "bump" else -1.0
        self.asymptote_ = shape["b0"] + sign * (shape["A_up"] - shape["A_dn"])
        # The extremum lies between the two centres; search a fine grid there, widened
        # to the data so a curve that is all rise or all fall still gets one.
        coef = np.atleast_2d(self.coef_)
        c1, c2 = np.atleast_1d(shape["c1"]), np.atleast_1d(shape["c2"])
        low = np.minimum(c1, x.min())
        high = np.maximum(c2, x.max())
        steps = np.linspace(0.0, 1.0, 2001)[:, None]
        grid = low + steps * (high - low)
        values = np.column_stack(
            [double_descent(grid[:, t], coef[t], self.shape) for t in range(coef.shape[0])]
        )
        best = np.argmax(sign * values, axis=0)
        columns = np.arange(coef.shape[0])
        location, value = grid[best, columns], values[best, columns]
        if np.ndim(self.coef_) == 1:
            location, value = float(location[0]), float(value[0])
        self.peak_ = {"log_compute": location, "value": value}

    def _set_uncertainty(self, X, y, sample_weight, results):
        """``coef_cov_``, ``params_std_``, ``unidentified_`` and ``residual_scale_``."""
        covariances = [double_descent_covariance(result, sample_weight) for result in results]
        # How far the priors hold each fit from its data's own optimum, in units of coef_.
        shifts = [
            data_shift(r.problem, r.internal_x) * coef_derivative(r.internal_x, r.unit, r.sign)
            for r in results
        ]
        self._shifts = shifts
        # The interval spans the data-only fit's too (see UncertaintyMixin.predict_interval):
        # the one-step shift reached about three fifths of the priors' bias 10x beyond the
        # data (median), so 90% intervals covered the truth there 78% of the time. The
        # shifts still measure the priors' pull over the data for the units warning.
        data_fits = [double_descent_data_fit(r, sample_weight, tol=self.tol) for r in results]
        self._data_fits = data_fits
        targets = y.reshape(len(y), -1)
        residuals = targets - self._law_values(X).reshape(targets.shape)
        scales = [
            residual_scale(residuals[:, t], sample_weight, self.loss, int((~c.fixed).sum()))
            for t, c in enumerate(covariances)
        ]
        self._train_residuals = residuals[:, 0] if y.ndim == 1 else residuals
        self._covariances = covariances
        coefs = np.atleast_2d(self.coef_)
        views = []
        for t, covariance in enumerate(covariances):
            view = copy.copy(self)
            view.coef_ = coefs[t]
            view._store_covariance(covariance, scales[t], "linear", data_fit=data_fits[t])
            view.params_std_ = self._readable_std(coefs[t], covariance)
            views.append(view)
        if y.ndim == 1:
            for name in (
                "_covariance",
                "_target_space",
                "coef_cov_",
                "unidentified_",
                "_shift",
                "_data_fit",
            ):
                setattr(self, name, getattr(views[0], name))
            self.params_std_, self.residual_scale_ = views[0].params_std_, scales[0]
            return
        self._covariance = None
        self._target_space = "linear"
        self.coef_cov_ = np.stack([c.cov for c in covariances])
        self.unidentified_ = tuple(view.unidentified_ for view in views)
        self.params_std_ = {
            name: np.array([view.params_std_[name] for view in views]) for name in READABLE_PARAMS
        }
        self.residual_scale_ = np.array(scales)

    def _parameter_names(self):
        # coef_cov_ and unidentified_ are of the raw parameters, as coef_ and at_bounds_.
        return list(DOUBLE_DESCENT_PARAMS)

    @staticmethod
    def _readable_std(coef, covariance):
        """Delta-method standard errors of the readable ``params_`` from the raw covariance.

        ``nan`` for a readable parameter that depends on a raw one held on a bound (its
        value is then partly the bound's), ``inf`` for one that moves along a direction
        the data do not identify.
        """
        gradient = shape_gradient(coef)
        std = covariance.std_of(gradient)
        held = np.any((gradient != 0.0) & covariance.fixed[None, :], axis=1)
        std[held] = np.nan
        return dict(zip(READABLE_PARAMS, map(float, std), strict=True))

    def _target_view(self, t):
        """This fit restricted to target column ``t``: a single-target estimator."""
        view = copy.copy(self)
        view.coef_ = self.coef_[t]
        view._covariance = self._covariances[t]
        view._shift = None
        view._data_fit = self._data_fits[t]
        view.unidentified_ = self.unidentified_[t]
        view.residual_scale_ = float(self.residual_scale_[t])
        return view

    def predict(self, X, return_std=False):
        """Predict with the fitted law, and optionally its standard deviation.

        Parameters
        ----------
        X : array-like of shape (n_samples, 1)
        return_std : bool, default=False
            Also return the delta-method standard deviation of the law's value from
            ``coef_cov_`` (see :meth:`predict_interval`).

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        std : ndarray of the same shape
            Only with ``return_std``; ``inf`` where the value depends on parameters the
            data do not identify.

        Warns
        -----
        UserWarning
            With ``return_std``, when some parameters are not identified.
        """
        X = self._validated_X(X)
        prediction = self._law_values(X)
        if not return_std:
            return prediction
        return prediction, self._law_std(X, prediction)

    def predict_interval(self, X, coverage=0.9, kind="law"):
        """Interval of the law's value, or of a new run's, at ``X``.

        The delta method around the fit: ``value +- t * std`` with the Student-t
        quantile of ``coverage`` on the fit's residual degrees of freedom (see
        :class:`~sklearn_scaling._intervals.UncertaintyMixin`). For 2-D ``y``, each
        target column gets the interval of its own fit.

        Parameters
        ----------
        X : array-like of shape (n_samples, 1)
        coverage : float, default=0.9
            Probability the interval is meant to hold, in (0, 1).
        kind : {'law', 'observation'}, default='law'
            'law' covers the law's value (the parameters' uncertainty only);
            'observation' a new run's value, adding the residual spread
            ``residual_scale_``.

        Returns
        -------
        low, high : ndarray of shape (n_samples,) or (n_samples, n_targets)

        Notes
        -----
        The priors bias the fit, above all beyond the data, where the data hold the law
        least. The interval is therefore the union of the fit's delta-method interval
        and that of the data's own optimum next to it, the law refitted from ``coef_``
        without the priors (with its own, wider covariance). On 200 data sets of
        ``make_double_descent``, 90% law intervals held the true law 95% of the time
        10x beyond the data and 94% inside it (BENCHMARKS.md, bench_uncertainty),
        where the fit's interval alone held it 15% of the time 10x beyond (60 sets) and
        the fit's interval moved by one Gauss-Newton step towards that optimum 78%; the
        union is conservative (the two intervals overlap only in part) and 29% wider
        there. Where the data alone leave the law loose beyond them, the interval is
        wide, or infinite with a warning: the priors, not the data, then decide the
        extrapolation.
        ``predict(return_std=True)`` is the fit's own delta-method standard deviation.

        The interval assumes the law holds; where it is misspecified (beyond the data
        above all) the truth can lie outside it however many runs were fitted.
        """
        check_is_fitted(self)
        if np.ndim(self.coef_) == 1:
            return super().predict_interval(X, coverage=coverage, kind=kind)
        bounds = [
            UncertaintyMixin.predict_interval(self._target_view(t), X, coverage, kind)
            for t in range(self.coef_.shape[0])
        ]
        return tuple(np.column_stack(part) for part in zip(*bounds, strict=True))

    def _law_std(self, X, prediction):
        if np.ndim(self.coef_) == 1:
            return super()._law_std(X, prediction)
        return np.column_stack(
            [self._target_view(t)._law_std(X, prediction[:, t]) for t in range(self.coef_.shape[0])]
        )

    def _validated_X(self, X):
        check_is_fitted(self)
        _check_no_missing(X, "X")
        return validate_data(self, X, dtype=np.float64, reset=False)

    def _law_values(self, X):
        return double_descent(X, self.coef_, self.shape)

    def _law_jacobian(self, X, prediction):
        return double_descent_jacobian(X, self.coef_, self.shape)

    def _bootstrap_refits(self, X, targets, weights):
        """Refits to ``targets`` and ``weights`` of shape (B, n), solved as one batch.

        Each refit minimises seed 000's objective on its own rows (density weights,
        loss scale, compute range of the priors and of ``c0``'s bounds, and units for
        ``prior_units='f_scale'`` follow the resample), warm-started from this fit.
        Returns the raw parameters (B, 6) and which refits converged.
        """
        X = self._validated_X(X)
        if np.ndim(self.coef_) != 1:
            raise ValueError(
                f"{type(self).__name__} was fitted to {self.coef_.shape[0]} targets; "
                "bootstrap one target column at a time."
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            coefs, _, converged = double_descent_refits(
                X[:, 0],
                np.asarray(targets, dtype=float),
                np.asarray(weights, dtype=float),
                self.coef_,
                shape=self.shape,
                loss=self.loss,
                f_scale=self.f_scale,
                density_weighting=self.density_weighting,
                strengths=self._strengths(),
                b0_bounds=self._checked_b0_bounds(),
                prior_units=self.prior_units,
                # Most resamples converge in tens of steps; a few creep along the flat
                # valley of s_raw and k_raw for hundreds (at 100 steps 44 of 1,000 mmlu
                # resamples were left to clone-and-refit, 20 s; at 1,000, none, 3.6 s).
                max_iter=1000,
                tol=self.tol,
            )
        return coefs, converged

    def _predict_many(self, X, coefs):
        """The law at ``X`` for each row of ``coefs``: ``(n_coefs, n_samples)``."""
        X = self._validated_X(X)
        return double_descent(X, np.atleast_2d(coefs), self.shape).T


class LogPowerHyperparamRegressor(UncertaintyMixin, _ScalingLawRegressor):
    """Loss as a law of learning rate, batch size, data size and model size (seed 001).

    With ``optimum='fixed'`` the law is seed 001's (see
    :func:`sklearn_scaling.laws.log_power`): log-power terms in data and model size,
    a quadratic bowl in log learning rate around one ``lr_opt``, a log-power batch-size
    term and an interaction. With ``optimum='scaling'`` (see
    :func:`sklearn_scaling.laws.log_power_scaling`) the optimal learning rate and batch
    size are power laws of model and data size, and the bowl is quadratic in both.

    The fit minimises seed 001's objective (normalised squared error plus a ridge) by
    variable projection: the six parameters the law is linear in are solved exactly at
    every step, so the optimiser only searches the remaining few.

    Parameters
    ----------
    optimum : {'fixed', 'scaling'}, default='fixed'
        Whether the optimal learning rate is one constant (the seed law) or moves with
        model and data size.
    size_terms : {'log_power', 'power'}, default='log_power'
        How loss falls with data size D and model size N: the seed's
        ``b (ln D)**alpha + c (ln N)**beta``, or the Chinchilla-style power law
        ``b (D / 1e11)**-alpha + c (N / 1e9)**-beta`` (with ``b, c >= 0``), which keeps
        falling at a decreasing rate and usually extrapolates better.
    skew : bool, default=False
        With ``optimum='scaling'``, add cubic terms ``skew_lr u**3 + skew_bsz v**3`` so
        the bowl can climb faster on one side of the optimum than on the other; the
        optimum stays where it is.
    alpha : float, default=0.003
        Ridge strength on the shrunk parameters (for 'fixed' the seed's
        ``b, alpha, c, beta, d, lr_opt``; for 'scaling' ``b, alpha, c, beta, d`` and the
        four slopes of the optimum, so a large ``alpha`` pulls towards a fixed optimum).
    loss : {'squared', 'huber', 'soft_l1', 'cauchy'}, default='squared'
        Loss on the residuals; the seed used squared error.
    f_scale : 'mad' or float, default='mad'
        Scale of a robust loss in units of ``y``: 'mad' is ``1.4826 * MAD(y)``.
    global_search : {'auto', 'always', 'never'}, default='auto'
        Differential evolution over the nonlinear parameters: 'auto' only when the best
        local start leaves the objective above 0.25, as in the seed.
    n_starts : int, default=4
        Local refinements from the best of a grid of nonlinear starting values.
    bounds : dict or None, default=None
        ``{parameter name: (low, high)}`` overriding the default bounds (for 'fixed',
        seed 001's).
    prediction_bounds : tuple of float or None, default=None
        Clip predictions to ``(low, high)``; the seed used ``(1.5, 4.5)``. Never applied
        during the fit.
    max_nfev : int, default=1000
        Residual evaluations allowed to each refinement.
    tol : float, default=1e-6
        ``ftol``, ``xtol`` and ``gtol`` of each refinement.
    n_jobs : int or None, default=None
        Refinements run in parallel through joblib.
    random_state : int, RandomState instance or None, default=None
        Seeds the differential evolution.

    Attributes
    ----------
    coef_ : ndarray of shape (10,) or (14,)
        Parameters in the order of :data:`sklearn_scaling.laws.LOG_POWER_PARAMS` (or
        ``LOG_POWER_SCALING_PARAMS``).
    params_ : dict
        The same values by name.
    cost_ : float
    nfev_ : int
    converged_ : bool
    f_scale_ : float
    at_bounds_ : tuple of str
        Names (as in ``params_``) of the parameters that end on a bound.
    coef_cov_ : ndarray of shape (n_params, n_params)
        Robust sandwich covariance of ``coef_`` on the final full-parameter polish
        problem of the fit (seed 001's objective, the ridge's curvature included);
        rows and columns of parameters in ``at_bounds_`` are 0, of unidentified ones
        ``inf``.
    params_std_ : dict
        Standard error of each parameter: ``nan`` on a bound, ``inf`` unidentified.
    unidentified_ : tuple of str
        Parameters the data do not identify.
    residual_scale_ : float
        Spread of the residuals of the (unclipped) fitted law, in units of ``y``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` has string column names.

    Examples
    --------
    >>> from sklearn_scaling import LogPowerHyperparamRegressor
    >>> from sklearn_scaling.datasets import make_lr_bsz_sweep
    >>> X, y = make_lr_bsz_sweep(n_samples=300, random_state=0)
    >>> reg = LogPowerHyperparamRegressor(random_state=0).fit(X, y)
    >>> sorted(reg.params_)[:3]
    ['a', 'alpha', 'b']
    >>> bool(reg.score(X, y) > 0.9)
    True
    """

    _n_columns = 4
    _column_names = ("learning rate", "batch size", "data size", "non-embedding parameters")

    _parameter_constraints = {
        **_ScalingLawRegressor._parameter_constraints,
        "optimum": [StrOptions({"fixed", "scaling"})],
        "size_terms": [StrOptions({"log_power", "power"})],
        "skew": ["boolean"],
        "alpha": [_non_negative()],
        "global_search": [StrOptions({"auto", "always", "never"})],
        "bounds": [None, dict],
        "prediction_bounds": [None, "array-like"],
    }

    def __init__(
        self,
        *,
        optimum="fixed",
        size_terms="log_power",
        skew=False,
        alpha=0.003,
        loss="squared",
        f_scale="mad",
        global_search="auto",
        n_starts=4,
        bounds=None,
        prediction_bounds=None,
        max_nfev=1000,
        tol=1e-6,
        n_jobs=None,
        random_state=None,
    ):
        self.optimum = optimum
        self.size_terms = size_terms
        self.skew = skew
        self.alpha = alpha
        self.loss = loss
        self.f_scale = f_scale
        self.global_search = global_search
        self.n_starts = n_starts
        self.bounds = bounds
        self.prediction_bounds = prediction_bounds
        self.max_nfev = max_nfev
        self.tol = tol
        self.n_jobs = n_jobs
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        return tags

    @property
    def _form_key(self):
        return (self.optimum, self.size_terms, bool(self.skew))

    def _check_domain(self, X):
        # The law takes log(lr), log(batch) ** gamma, log(D) ** alpha and log(N) ** beta.
        negative = np.argwhere(X < 0)
        if negative.size:
            # scikit-learn's wording for estimators tagged positive_only.
            row, column = (int(i) for i in negative[0])
            raise ValueError(
                f"Negative values in data passed to {type(self).__name__}: column {column} "
                f"({self._column_names[column]}) is {float(X[row, column])!r} at row {row}."
            )
        rules = (
            (0, "learning rate", 0.0, "> 0"),
            (1, "batch size", 1.0, ">= 1"),
            (2, "data size", 1.0, "> 1"),
            (3, "non-embedding parameters", 1.0, "> 1"),
        )
        for column, name, limit, relation in rules:
            values = X[:, column]
            bad = values < limit if relation == ">= 1" else values <= limit
            if np.any(bad):
                row = int(np.flatnonzero(bad)[0])
                raise ValueError(
                    f"column {column} ({name}) must be {relation}; got {float(values[row])!r} "
                    f"at row {row}."
                )

    def _check_bounds(self, names):
        if self.bounds is None:
            return None
        unknown = sorted(set(self.bounds) - set(names))
        if unknown:
            raise ValueError(f"bounds names unknown parameters {unknown}; known: {list(names)}.")
        checked = {}
        for name, value in self.bounds.items():
            checked[name] = _ordered_pair(f"bounds[{name!r}]", value)
        # log(batch) ** gamma: log(1) = 0, so a negative gamma is infinite at batch size
        # 1 (and the fit's Jacobian with it), whatever batch sizes the data hold.
        if "gamma" in checked and checked["gamma"][0] < 0:
            raise ValueError(
                f"bounds['gamma'] must lie within [0, inf); got {self.bounds['gamma']!r}: "
                "the law takes log(batch size) ** gamma, which is infinite at batch size 1 "
                "for a negative gamma."
            )
        return checked

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the law.

        Parameters
        ----------
        X : array-like of shape (n_samples, 4)
            Learning rate, batch size, data size (tokens), non-embedding parameters.
        y : array-like of shape (n_samples,)
            Final training loss.
        sample_weight : array-like of shape (n_samples,), default=None
            A row of weight ``k`` counts as ``k`` repeated rows.

        Returns
        -------
        self : LogPowerHyperparamRegressor

        Warns
        -----
        ConvergenceWarning
            When the best refinement stops on ``max_nfev`` before its tolerance.
        UserWarning
            When the fitted law lies below (or above) every training target: the
            priors or ``prediction_bounds`` outweigh the data. When the fit ends on a
            bound (see ``at_bounds_``; ``bounds`` widens them). When the level ``a``
            ends on its bound while the targets lie beyond it: the units of ``y`` do not
            suit the bounds (the defaults are seed 001's, for losses of 1.5 to 4.5
            nats), so pass ``bounds`` that do.

        Raises
        ------
        sklearn.utils._param_validation.InvalidParameterError
            When an option has a wrong type or value (a ValueError).
        ValueError
            When ``bounds`` names unknown parameters, a pair is not ordered, a bound of
            ``gamma`` is negative, ``skew=True`` comes without ``optimum='scaling'``, or
            ``X``, ``y`` or ``sample_weight`` are invalid (non-numeric ``y`` included).
        """
        if self.skew and self.optimum != "scaling":
            raise ValueError("skew=True needs optimum='scaling' (it skews the moving bowl).")
        law = FORMS[self._form_key]
        names = law.parameters
        bounds = self._check_bounds(names)
        if self.prediction_bounds is not None:
            _ordered_pair("prediction_bounds", self.prediction_bounds)
        X, y, sample_weight = self._validate_fit_data(
            X, y, sample_weight, n_params=len(names), multi_output=False
        )
        f_scale = mad_scale(y, sample_weight) if self.f_scale == "mad" else float(self.f_scale)
        result = fit_log_power(
            X,
            y,
            sample_weight,
            form=self._form_key,
            alpha=self.alpha,
            loss=self.loss,
            f_scale=f_scale,
            global_search=self.global_search,
            n_starts=self.n_starts,
            bounds=bounds,
            max_nfev=self.max_nfev,
            tol=self.tol,
            n_jobs=self.n_jobs,
            rng=self._rng(),
        )
        self.coef_ = result.x
        self.params_ = dict(zip(names, map(float, result.x), strict=True))
        self.cost_ = result.cost
        self.nfev_ = result.nfev
        self.converged_ = result.converged
        self.f_scale_ = f_scale
        self.batch_size_range_ = (float(X[:, 1].min()), float(X[:, 1].max()))
        limits = {**law.bounds, **(bounds or {})}
        self._bounds = bounds
        self.at_bounds_ = tuple(n for n, on in zip(names, result.at_bounds, strict=True) if on)
        # The data's own step, taken in the problem's units and carried to those of coef_.
        shift = data_shift(result.problem, result.x / result.units) * result.units
        self._store_covariance(result.covariance, result.residual_scale, "linear", shift=shift)
        self._train_residuals = y - self._law_values(X)
        self._warn_unconverged(self.converged_)
        if self._worse_than_constant(law.law(X, self.coef_), y, sample_weight, self.loss, f_scale):
            self.converged_ = False
        self._warn_at_bounds(
            {None: self.at_bounds_},
            lambda hits: (
                "Widen them with bounds={name: (low, high)} (the defaults are seed 001's). "
                "predict_interval reaches to where the data alone would move the law, but "
                "not past the bounds: beyond the data it covers the truth less often than "
                "it says (measured at 10x the data's scale over 200 synthetic sweeps: 69% of "
                "90% intervals)."
            ),
        )
        self._warn_if_level_held(y, limits["a"])
        self._warn_if_off_targets(
            X,
            y,
            "Check that prediction_bounds contain the targets, and lower alpha or widen bounds.",
        )
        return self

    def _warn_if_level_held(self, y, a_bounds):
        """Warn when the level ``a`` sits on its bound and the targets lie beyond it.

        Then the bound, set for other units, holds the law's level away from the data,
        and the size and batch terms must bend to make up the difference: the seed's
        bounds misfit ``0.01 * y`` (R^2 -20) and ``100 * y`` (R^2 -1.9) of a sweep whose
        losses lie in 2.2 to 3.1, which they fit with R^2 0.996.
        """
        a, (low, high) = self.params_["a"], a_bounds
        width = high - low
        if a - low <= 1e-6 * width and y.min() < low:
            where = f"its lower bound {low:g} while the targets go down to {y.min():.3g}"
        elif high - a <= 1e-6 * width and y.max() > high:
            where = f"its upper bound {high:g} while the targets go up to {y.max():.3g}"
        else:
            return
        warnings.warn(
            f"{type(self).__name__}'s level a ends on {where}: the units of y do not suit "
            "the bounds (the defaults are seed 001's, set for losses of 1.5 to 4.5 nats). "
            "Pass bounds={'a': (low, high), ...} that suit the units of y.",
            UserWarning,
            stacklevel=4,
        )

    def predict(self, X, return_std=False):
        """Predict the loss, and optionally its standard deviation.

        Parameters
        ----------
        X : array-like of shape (n_samples, 4)
        return_std : bool, default=False
            Also return the delta-method standard deviation of the law's value from
            ``coef_cov_``. Where ``prediction_bounds`` clip the law, the clipped value
            does not move with the parameters and its standard deviation is 0.

        Returns
        -------
        y : ndarray of shape (n_samples,)
        std : ndarray of shape (n_samples,)
            Only with ``return_std``; ``inf`` where the value depends on parameters the
            data do not identify.

        Warns
        -----
        UserWarning
            When a prediction is a negative loss, outside the law's physical range: the
            law is extrapolated where it no longer holds (the log-power size terms keep
            falling without limit), or ``prediction_bounds`` allow it. With
            ``return_std``, when some parameters are not identified.
        """
        X = self._validated_X(X)
        pred = self._law_values(X)
        self._warn_below_minimum(pred, 0.0, "a negative loss")
        if return_std:
            return pred, self._law_std(X, pred)
        return pred

    def predict_interval(self, X, coverage=0.9, kind="law"):
        """Interval of the law's value, or of a new run's, at ``X``.

        The delta method around the fit: ``value +- t * std`` with the Student-t
        quantile of ``coverage`` on the fit's residual degrees of freedom (see
        :class:`~sklearn_scaling._intervals.UncertaintyMixin`). With
        ``prediction_bounds`` the interval is that of the unclipped law, then clipped
        to them: clipping is monotone, so the clipped value lies in the clipped interval
        exactly when the unclipped value lies in the unclipped one, and the coverage
        carries over (an interval wholly beyond a bound collapses onto it).

        Parameters
        ----------
        X : array-like of shape (n_samples, 4)
        coverage : float, default=0.9
            Probability the interval is meant to hold, in (0, 1).
        kind : {'law', 'observation'}, default='law'
            'law' covers the law's value (the parameters' uncertainty only);
            'observation' a new run's value, adding the residual spread
            ``residual_scale_``.

        Returns
        -------
        low, high : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        if self.prediction_bounds is None:
            return super().predict_interval(X, coverage=coverage, kind=kind)
        unclipped = copy.copy(self)
        unclipped.prediction_bounds = None
        low, high = UncertaintyMixin.predict_interval(unclipped, X, coverage, kind)
        return tuple(np.clip(bound, *self.prediction_bounds) for bound in (low, high))

    def _validated_X(self, X):
        check_is_fitted(self)
        _check_no_missing(X, "X")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        self._check_domain(X)
        return X

    def _law_values(self, X):
        return FORMS[self._form_key].law(X, self.coef_, self.prediction_bounds)

    def _law_jacobian(self, X, prediction):
        law = FORMS[self._form_key]
        jac = law.derivatives(X, self.coef_)
        if self.prediction_bounds is not None:
            # A clipped value does not move with the parameters.
            low, high = self.prediction_bounds
            unclipped = law.law(X, self.coef_)
            jac[(unclipped < low) | (unclipped > high)] = 0.0
        return jac

    def _bootstrap_refits(self, X, targets, weights):
        """Refits to ``targets`` and ``weights`` of shape (B, n), solved as one batch.

        Each refit minimises the final polish problem of the fit on its own rows (its
        ``std(y)`` and, for ``f_scale='mad'``, loss scale are its own), warm-started
        from this fit. Returns the parameters (B, p) and which refits converged.
        """
        X = self._validated_X(X)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            coefs, _, converged = log_power_refits(
                self._form_key,
                X,
                np.asarray(targets, dtype=float),
                np.asarray(weights, dtype=float),
                self.coef_,
                alpha=self.alpha,
                loss=self.loss,
                f_scale=self.f_scale,
                bounds=self._bounds,
                max_iter=100,
                tol=self.tol,
            )
        return coefs, converged

    def _predict_many(self, X, coefs):
        """The law at ``X`` for each row of ``coefs``: ``(n_coefs, n_samples)``."""
        X = self._validated_X(X)
        coefs = np.atleast_2d(np.asarray(coefs, dtype=float))
        return FORMS[self._form_key].law(X, coefs.T[:, :, None], self.prediction_bounds)

    def optimal_learning_rate(self, data_size, param_size):
        """Learning rate that minimises the fitted loss at a data and model size.

        Parameters
        ----------
        data_size, param_size : array-like
            Training tokens and non-embedding parameters; broadcast together.

        Returns
        -------
        lr : ndarray
            For ``optimum='fixed'`` the constant ``lr_opt`` (the seed law's bowl is
            centred there for every batch size where ``d + interaction * log(batch)``
            is positive).
        """
        check_is_fitted(self)
        log_data, log_param = self._log_sizes(data_size, param_size)
        p = self.params_
        if self.optimum == "fixed":
            return np.full(np.broadcast(log_data, log_param).shape, p["lr_opt"])
        return np.exp(
            p["lr_0"]
            + p["lr_N"] * (log_param - np.log(1e9))
            + p["lr_D"] * (log_data - np.log(1e11))
        )

    def optimal_batch_size(self, data_size, param_size):
        """Batch size that minimises the fitted loss at a data and model size.

        Parameters
        ----------
        data_size, param_size : array-like
            Training tokens and non-embedding parameters; broadcast together.

        Returns
        -------
        batch_size : ndarray
            For ``optimum='scaling'`` the fitted power law, raised to 1 where it falls
            below (the law is only defined for batch sizes >= 1, and at the optimal
            learning rate it grows with the distance from the power law). For
            ``optimum='fixed'`` the seed law is monotone in batch size at the optimal
            learning rate, so the optimum is the end of the batch-size range seen in
            training where the law is lower.
        """
        check_is_fitted(self)
        log_data, log_param = self._log_sizes(data_size, param_size)
        shape = np.broadcast(log_data, log_param).shape
        p = self.params_
        if self.optimum == "scaling":
            log_batch = (
                p["bsz_0"]
                + p["bsz_N"] * (log_param - np.log(1e9))
                + p["bsz_D"] * (log_data - np.log(1e11))
            )
            return np.exp(np.maximum(log_batch, 0.0))
        ends = np.log(np.array(self.batch_size_range_))
        batch_term = p["e"] * np.power(ends, p["gamma"])
        return np.full(shape, self.batch_size_range_[int(np.argmin(batch_term))])

    @staticmethod
    def _log_sizes(data_size, param_size):
        data_size = np.asarray(data_size, dtype=float)
        param_size = np.asarray(param_size, dtype=float)
        for size in (data_size, param_size):
            if not np.all(np.isfinite(size) & (size > 1)):
                raise ValueError("data_size and param_size must be finite numbers > 1.")
        return np.log(data_size), np.log(param_size)
