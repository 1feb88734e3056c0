"""How sure is the law: a bootstrap over refits, for any estimator of the package.

:class:`BootstrapRegressor` refits its estimator on resampled data and reads the
spread of the refits: of the parameters, of the law's value anywhere (an
extrapolation above all), and of the law's own questions (``compute_optimal``,
``optimal_learning_rate``). For the estimators of this package the refits are solved
together, warm-started from the full-data fit (see :mod:`sklearn_scaling._fitting._batch`), so
a thousand refits take about as long as a few ordinary fits; any other estimator is
cloned and refitted.
"""

import copy
import warnings
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, MetaEstimatorMixin, RegressorMixin, _fit_context, clone
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from ._intervals import check_coverage

__all__ = ["BootstrapRegressor"]


def _estimator_has(name):
    def check(self):
        inner = getattr(self, "estimator_", self.estimator)
        if isinstance(inner, Pipeline):
            inner = inner[-1]
        return hasattr(inner, name)

    return check


def _fit_clone(estimator, X, y, sample_weight):
    """One slow-path refit; returns the fitted clone, or None when the fit fails."""
    fitted = clone(estimator)
    if isinstance(fitted, Pipeline):
        fit_params = {f"{fitted.steps[-1][0]}__sample_weight": sample_weight}
    else:
        fit_params = {"sample_weight": sample_weight}
    with warnings.catch_warnings():
        # A refit's warnings (a bound, slow convergence) are the bootstrap's to report.
        warnings.simplefilter("ignore")
        try:
            fitted.fit(X, y, **fit_params)
        except (ValueError, ArithmeticError, np.linalg.LinAlgError):
            return None
    coef = getattr(fitted[-1] if isinstance(fitted, Pipeline) else fitted, "coef_", None)
    if coef is not None and not np.all(np.isfinite(coef)):
        return None
    return fitted


class BootstrapRegressor(MetaEstimatorMixin, RegressorMixin, BaseEstimator):
    """Bootstrap intervals for a scaling law: refit on resampled runs, read the spread.

    Parameters
    ----------
    estimator : estimator
        A regressor of this package (solved as one batch, fast) or any regressor that
        takes ``sample_weight`` (cloned and refitted).
    n_resamples : int, default=200
        Number of bootstrap refits, >= 2.
    method : {'cases', 'residuals'}, default='cases'
        'cases' resamples runs with replacement (as integer sample weights: a row
        drawn ``k`` times weighs ``k``), valid when the law is misspecified or the
        noise uneven. 'residuals' keeps the runs and adds resampled residuals of the
        full fit to its predictions (multiplicatively for ``target_space='log'``),
        which assumes the law holds and the noise is alike everywhere.
    coverage : float, default=0.9
        Default coverage of the intervals, in (0, 1).
    n_jobs : int or None, default=None
        Parallel jobs of the slow (clone-and-refit) path, through joblib.
    random_state : int, RandomState instance or None, default=None
        Draws the resamples; the same seed gives the same intervals.

    Attributes
    ----------
    estimator_ : estimator
        The estimator fitted on all the data; ``predict`` is its prediction.
    coefs_ : ndarray of shape (n_succeeded, n_parameters) or None
        The refits' parameters (None for estimators without ``coef_``).
    estimators_ : list of estimators or None
        The refitted clones on the slow path (None on the batched path).
    n_failed_ : int
        Resamples whose refit failed (raised, or gave non-finite parameters); they
        are left out of every interval, and a warning says how many.
    params_samples_ : dict
        Each parameter's values over the successful refits.
    params_quantiles_ : dict
        ``{name: (low, high)}``: the equal-tailed interval of ``coverage``.
    params_std_ : dict
        Bootstrap standard deviation of each parameter.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` has string column names.

    Examples
    --------
    >>> from sklearn_scaling import ScalingLawRegressor
    >>> from sklearn_scaling.datasets import make_chinchilla
    >>> from sklearn_scaling.uncertainty import BootstrapRegressor
    >>> X, y = make_chinchilla(n_samples=120, random_state=0)
    >>> boot = BootstrapRegressor(ScalingLawRegressor(target_space="log"), n_resamples=50,
    ...                           random_state=0).fit(X, y)
    >>> low, high = boot.predict_interval([[7e10, 1.4e12]])
    >>> bool(low[0] < boot.predict([[7e10, 1.4e12]])[0] < high[0])
    True
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict"])],
        "n_resamples": [Interval(Integral, 2, None, closed="left")],
        "method": [StrOptions({"cases", "residuals"})],
        "coverage": [Interval(Real, 0, 1, closed="neither")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator,
        *,
        n_resamples=200,
        method="cases",
        coverage=0.9,
        n_jobs=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.n_resamples = n_resamples
        self.method = method
        self.coverage = coverage
        self.n_jobs = n_jobs
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = clone(self.estimator).__sklearn_tags__()
        tags.input_tags = inner.input_tags
        tags.target_tags.multi_output = False
        return tags

    def _inner(self, estimator=None):
        estimator = self.estimator_ if estimator is None else estimator
        return estimator[-1] if isinstance(estimator, Pipeline) else estimator

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Fit the estimator on all rows, then ``n_resamples`` refits on resampled data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Frequency weights: the resamples draw rows in proportion to them.

        Returns
        -------
        self : BootstrapRegressor

        Warns
        -----
        UserWarning
            When some refits fail; they are counted in ``n_failed_``.
        """
        self.estimator_ = clone(self.estimator).fit(
            X, y, **({} if sample_weight is None else {"sample_weight": sample_weight})
        )
        inner = self._inner()
        for attribute in ("n_features_in_", "feature_names_in_"):
            if hasattr(inner, attribute):
                setattr(self, attribute, getattr(inner, attribute))
        y = np.asarray(y, dtype=float)
        n = y.shape[0]
        base_weight = _check_sample_weight(sample_weight, y, dtype=np.float64)
        rng = check_random_state(self.random_state)
        # A family of curves is resampled within each curve: every refit sees every
        # curve, with as many rows as it has.
        strata = getattr(inner, "_resampling_strata", lambda X: None)(X)
        strata = np.zeros(n, dtype=int) if strata is None else strata
        if self.method == "cases":
            weights = np.zeros((self.n_resamples, n))
        else:
            weights = np.broadcast_to(base_weight, (self.n_resamples, n))
            targets = np.empty((self.n_resamples, *y.shape))
            prediction = self.estimator_.predict(X)
        for stratum in np.unique(strata):
            rows = np.flatnonzero(strata == stratum)
            probability = base_weight[rows] / base_weight[rows].sum()
            if self.method == "cases":
                counts = rng.multinomial(rows.size, probability, size=self.n_resamples)
                # Keep each resample's total weight that of the data.
                weights[:, rows] = counts * (base_weight[rows].sum() / rows.size)
            else:
                targets[:, rows] = self._residual_targets(
                    y[rows], prediction[rows], probability, rng
                )
        if self.method == "cases":
            targets = np.broadcast_to(y, weights.shape)
        self._observation_seed = int(rng.randint(0, 2**31 - 1))
        self._fit_resamples(X, y, targets, weights)
        return self

    def _log_space(self):
        return getattr(self._inner(), "_target_space", "linear") == "log"

    def _residual_targets(self, y, prediction, probability, rng):
        if self._log_space():
            residuals = np.log(y) - np.log(prediction)
            draws = rng.choice(residuals, size=(self.n_resamples, y.shape[0]), p=probability)
            return prediction * np.exp(draws)
        residuals = y - prediction
        draws = rng.choice(residuals, size=(self.n_resamples, y.shape[0]), p=probability)
        return prediction + draws

    def _fit_resamples(self, X, y, targets, weights):
        inner = self._inner()
        self.coefs_, self.estimators_ = None, None
        batched = (
            hasattr(inner, "_bootstrap_refits")
            and getattr(inner, "_batches_refits", True)
            and not isinstance(self.estimator_, Pipeline)
        )
        if batched:
            coefs, ok = inner._bootstrap_refits(X, targets, weights)
            # The few the batch leaves unconverged get an ordinary refit.
            for b in np.flatnonzero(~ok):
                fitted = _fit_clone(self.estimator, X, targets[b], weights[b])
                if fitted is not None:
                    coefs[b], ok[b] = fitted.coef_, True
            self.n_failed_ = int((~ok).sum())
            self.coefs_ = coefs[ok]
        else:
            fitted = Parallel(n_jobs=self.n_jobs)(
                delayed(_fit_clone)(self.estimator, X, targets[b], weights[b])
                for b in range(self.n_resamples)
            )
            self.estimators_ = [f for f in fitted if f is not None]
            self.n_failed_ = self.n_resamples - len(self.estimators_)
            coefs = [getattr(self._inner(f), "coef_", None) for f in self.estimators_]
            if coefs and all(c is not None for c in coefs):
                self.coefs_ = np.array(coefs)
        if self.n_failed_:
            warnings.warn(
                f"{self.n_failed_} of {self.n_resamples} bootstrap refits failed and are left "
                "out of the intervals.",
                UserWarning,
                # Past _fit_resamples, fit and _fit_context: the user's call.
                stacklevel=4,
            )
        if len(self.coefs_ if self.coefs_ is not None else self.estimators_) < 2:
            raise ValueError(
                f"fewer than 2 of {self.n_resamples} bootstrap refits succeeded; the data "
                "cannot support a bootstrap."
            )
        names = self._coef_names()
        if self.coefs_ is not None and self.coefs_.ndim == 2 and len(names) == self.coefs_.shape[1]:
            low, high = self._levels(self.coverage)
            self.params_samples_ = dict(zip(names, self.coefs_.T, strict=True))
            self.params_quantiles_ = {
                name: tuple(np.quantile(v, [low, high]).tolist())
                for name, v in self.params_samples_.items()
            }
            self.params_std_ = {
                name: float(np.std(v, ddof=1)) for name, v in self.params_samples_.items()
            }

    def _coef_names(self):
        """Names of the entries of ``coef_`` (the raw ones where params_ are derived)."""
        inner = self._inner()
        if hasattr(inner, "_parameter_names"):
            return list(inner._parameter_names())
        return list(getattr(inner, "params_", {}))

    @staticmethod
    def _levels(coverage):
        return 0.5 - 0.5 * coverage, 0.5 + 0.5 * coverage

    def predict(self, X):
        """The full-data fit's prediction.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self.estimator_.predict(X)

    def resample_predictions(self, X):
        """The law's value at ``X`` under every successful refit: ``(n_refits, n_samples)``."""
        check_is_fitted(self)
        if self.estimators_ is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                return np.stack([e.predict(X) for e in self.estimators_])
        return self._inner()._predict_many(X, self.coefs_)

    def predict_interval(self, X, coverage=None, kind="law"):
        """Equal-tailed bootstrap interval of the law's value, or of a new run's.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        coverage : float or None, default=None
            In (0, 1); None uses the ``coverage`` parameter.
        kind : {'law', 'observation'}, default='law'
            'law': quantiles of the refits' values. 'observation': each refit's value
            plus a residual of the full fit drawn at random (times ``exp`` of a log
            residual for ``target_space='log'``), so the interval covers a new run.

        Returns
        -------
        low, high : ndarray of shape (n_samples,)
        """
        coverage = self.coverage if coverage is None else check_coverage(coverage)
        if kind not in ("law", "observation"):
            raise ValueError(f"kind must be 'law' or 'observation'; got {kind!r}.")
        values = self.resample_predictions(X)
        if kind == "observation":
            residuals = self._full_fit_residuals()
            rng = np.random.default_rng(self._observation_seed)
            draws = rng.choice(residuals, size=values.shape)
            values = values * np.exp(draws) if self._log_space() else values + draws
        low, high = self._levels(coverage)
        return tuple(np.quantile(values, [low, high], axis=0))

    def _full_fit_residuals(self):
        inner = self._inner()
        residuals = getattr(inner, "_train_residuals", None)
        if residuals is None:
            raise ValueError(
                f"kind='observation' needs the residuals of the full fit, which "
                f"{type(inner).__name__} does not keep; use kind='law'."
            )
        return residuals

    def distribution(self, method, *args, **kwargs):
        """A law-specific answer under every refit, e.g. ``distribution('compute_optimal', 1e22)``.

        Parameters
        ----------
        method : str
            Name of a method of the fitted estimator.
        *args, **kwargs
            Passed to it.

        Returns
        -------
        samples : ndarray or tuple of ndarray
            The method's output stacked over refits (first axis), in the structure the
            method returns.
        """
        check_is_fitted(self)
        if not hasattr(self._inner(), method):
            raise ValueError(f"{type(self._inner()).__name__} has no method {method!r}.")
        outputs = [getattr(self._inner(e), method)(*args, **kwargs) for e in self._refits()]
        if isinstance(outputs[0], tuple):
            return tuple(np.stack(part) for part in zip(*outputs, strict=True))
        return np.stack(outputs)

    def _refits(self):
        if self.estimators_ is not None:
            return self.estimators_
        inner = self._inner()
        names = self._coef_names()
        # params_ follow coef_ by name only where they are the same numbers.
        by_name = list(getattr(inner, "params_", {})) == names
        refits = []
        for coef in self.coefs_:
            refit = copy.copy(inner)
            refit.coef_ = coef
            if by_name:
                refit.params_ = dict(zip(names, map(float, coef), strict=True))
            refits.append(refit)
        return refits

    @available_if(_estimator_has("compute_optimal"))
    def compute_optimal(self, compute):
        """``compute_optimal(compute)`` under every refit: ``(n_opt, d_opt)``, refits first."""
        return self.distribution("compute_optimal", compute)

    @available_if(_estimator_has("optimal_learning_rate"))
    def optimal_learning_rate(self, data_size, param_size):
        """``optimal_learning_rate(...)`` under every refit, refits first."""
        return self.distribution("optimal_learning_rate", data_size, param_size)
