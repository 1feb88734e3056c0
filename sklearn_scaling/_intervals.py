"""Standard errors and intervals of fitted laws: one mixin for every estimator.

An estimator provides ``_validated_X(X)``, ``_law_values(X)`` and ``_law_jacobian(X,
value)`` (derivatives of the law with respect to ``coef_``) and calls
``_store_covariance`` at the end of ``fit``; the mixin turns the covariance into
``params_std_``, ``predict(X, return_std=True)`` and :meth:`predict_interval`.
"""

import copy
import numbers
import warnings

import numpy as np
from scipy import stats

__all__ = ["UncertaintyMixin", "check_coverage", "interval_quantile"]


def check_coverage(coverage):
    """``coverage`` as a float in (0, 1), or a ValueError that says so."""
    if (
        isinstance(coverage, bool)
        or not isinstance(coverage, numbers.Real)
        or not 0.0 < coverage < 1.0
    ):
        raise ValueError(f"coverage must be a number in (0, 1), e.g. 0.9; got {coverage!r}.")
    return float(coverage)


def interval_quantile(coverage, dof):
    """Two-sided Student-t quantile of ``coverage`` on ``dof`` degrees of freedom."""
    level = 0.5 + 0.5 * coverage
    if dof <= 0:
        return np.inf
    if not np.isfinite(dof):
        return float(stats.norm.ppf(level))
    return float(stats.t.ppf(level, dof))


class UncertaintyMixin:
    """``coef_cov_``, ``params_std_``, ``predict(return_std=True)`` and ``predict_interval``."""

    def _store_covariance(
        self, covariance, residual_scale, target_space, shift=None, data_fit=None
    ):
        """Store the fit's uncertainty.

        ``shift`` (in units of ``coef_``, or None) is how far priors and bounds hold the
        fit from the data's own local optimum (:func:`~sklearn_scaling._fitting._covariance.
        data_shift`): :meth:`predict_interval` then spans the law moved by it too.
        ``data_fit`` (or None) is that optimum itself, ``(coef, covariance)`` (see
        :func:`~sklearn_scaling._fitting._covariance.data_optimum`):
        :meth:`predict_interval` then spans its delta-method interval too.
        """
        names = self._parameter_names()
        self._covariance = covariance
        self._shift = None if shift is None else np.asarray(shift, dtype=float)
        self._data_fit = data_fit
        self._target_space = target_space
        self.coef_cov_ = covariance.cov
        self.unidentified_ = tuple(np.asarray(names)[covariance.unidentified].tolist())
        std = covariance.std()
        std[covariance.fixed] = np.nan
        self.params_std_ = dict(zip(names, map(float, std), strict=True))
        self.residual_scale_ = float(residual_scale)
        if covariance.dof <= 0:
            warnings.warn(
                f"{type(self).__name__}: the fit has no residual degrees of freedom (as "
                "many rows as identified parameters, whatever the weights): the law passes "
                "through the data and the noise cannot be estimated, so params_std_, "
                "predict(return_std=True) and predict_interval are infinite. Add rows.",
                UserWarning,
                stacklevel=4,
            )

    def _parameter_names(self):
        return list(self.params_)

    def _row_dof_and_spread(self, X, shape):
        """Residual degrees of freedom and spread behind each prediction (one fit: its own)."""
        return self._covariance.dof, self.residual_scale_

    def _warn_unidentified(self):
        if self.unidentified_:
            warnings.warn(
                f"{type(self).__name__}: the data do not identify {list(self.unidentified_)} "
                "(the fit's curvature is singular along them); standard deviations that "
                "depend on them are inf. Add runs that vary what they control, or fix them "
                "with bounds.",
                UserWarning,
                stacklevel=3,
            )

    def _prior_bias(self, X, prediction):
        """The law's move at ``X`` by the data-only step ``_shift`` (0 without one)."""
        shift = getattr(self, "_shift", None)
        if shift is None or not np.any(shift):
            return np.zeros(np.shape(prediction))
        with np.errstate(all="ignore"):
            return self._law_jacobian(X, prediction) @ shift

    def _law_std(self, X, prediction):
        """Delta-method standard deviation of the law's value, in units of ``y``."""
        self._warn_unidentified()
        return self._covariance.std_of(self._law_jacobian(X, prediction))

    def predict_interval(self, X, coverage=0.9, kind="law"):
        """Interval of the law's value, or of a new run's, at ``X``.

        The delta method around the fit: ``value +- t * std`` with the Student-t
        quantile of ``coverage`` on the fit's residual degrees of freedom (each curve's
        own, for a fit of several curves). For
        ``target_space='log'`` the interval is built on ``log y`` and exponentiated,
        so it is asymmetric and stays positive.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        coverage : float, default=0.9
            Probability the interval is meant to hold, in (0, 1).
        kind : {'law', 'observation'}, default='law'
            'law' covers the law's value (the parameters' uncertainty only);
            'observation' a new run's value, adding the residual spread
            ``residual_scale_``.

        Returns
        -------
        low, high : ndarray of shape (n_samples,)

        Notes
        -----
        Where priors or bounds hold the fit away from the data's own optimum (the seed
        estimators' priors, seed 001's bounds), the interval also reaches to the law
        moved by the data-only Gauss-Newton step (see
        :func:`~sklearn_scaling._fitting._covariance.data_shift`), or, for
        ``DoubleDescentRegressor``, spans the delta-method interval of the data's own
        optimum next to the fit (see
        :func:`~sklearn_scaling._fitting._covariance.data_optimum`): the bias they bring
        is inside it, not only the noise around the biased fit.

        The interval assumes the law holds: where it is misspecified (beyond the data,
        above all) the truth can lie outside it however many runs were fitted. A
        bootstrap (:class:`~sklearn_scaling.uncertainty.BootstrapRegressor`) does not
        fix that either; the user guide reports measured coverage.
        """
        coverage = check_coverage(coverage)
        if kind not in ("law", "observation"):
            raise ValueError(f"kind must be 'law' or 'observation'; got {kind!r}.")
        X = self._validated_X(X)
        value = self._law_values(X)
        std = self._law_std(X, value)
        bias = self._prior_bias(X, value)
        dof, spread = self._row_dof_and_spread(X, np.shape(value))
        low, high = self._delta_interval(value, std, dof, spread, coverage, kind, bias)
        data_fit = getattr(self, "_data_fit", None)
        if data_fit is not None:
            # The priors' pull: the interval also holds the data-only fit's own interval
            # (its law and its wider covariance), so a prior that biases the fit beyond
            # the data does not move the interval off the truth.
            view = copy.copy(self)
            view.coef_, view._covariance = data_fit
            view._shift = view._data_fit = None
            data_value = view._law_values(X)
            data_std = view._covariance.std_of(view._law_jacobian(X, data_value))
            if np.any(np.isinf(data_std) & np.isfinite(std)):
                warnings.warn(
                    f"{type(self).__name__}: without the priors the data do not identify "
                    "the law at some of these X (the data-only fit's curvature is "
                    "singular along a direction it moves with), so the priors alone decide "
                    "it there and its interval is infinite. Add runs that reach nearer "
                    "these X.",
                    UserWarning,
                    stacklevel=3,
                )
            data_low, data_high = self._delta_interval(
                data_value, data_std, view._covariance.dof, spread, coverage, kind, 0.0
            )
            low, high = np.fmin(low, data_low), np.fmax(high, data_high)
        if self._target_space == "log":
            return np.exp(low), np.exp(high)
        return low, high

    def _delta_interval(self, value, std, dof, spread, coverage, kind, bias):
        """``value +- t * std`` (in log space for ``target_space='log'``), reaching
        ``bias`` further on its side."""
        if self._target_space == "log":
            with np.errstate(divide="ignore", invalid="ignore"):
                center, std, bias = np.log(value), std / np.abs(value), bias / np.abs(value)
        else:
            center = value
        if kind == "observation":
            # hypot, not the root of the squares: a spread of 1e300 (y in such units)
            # must not overflow.
            std = np.hypot(std, spread)
        quantile = np.vectorize(lambda d: interval_quantile(coverage, d))(dof)
        # With no residual degrees of freedom the quantile is inf: a value that does not
        # move with any free parameter (std 0) still has a point interval, not NaN.
        with np.errstate(invalid="ignore"):
            half = np.where(std > 0, quantile * std, 0.0)
        # The priors' and bounds' pull: the interval reaches to where the data alone
        # would take the law as well (no bias, no change).
        bias = np.where(np.isfinite(bias), bias, 0.0)
        return center + np.minimum(bias, 0.0) - half, center + np.maximum(bias, 0.0) + half
