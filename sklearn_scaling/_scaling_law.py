"""``ScalingLawRegressor``: one scikit-learn estimator for every law of the registry."""

import warnings
from numbers import Real

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._estimators import _MAX_F_SCALE, _check_no_missing, _ScalingLawRegressor
from ._fit_law import fit_law, refit_batch
from ._intervals import UncertaintyMixin
from .laws import Law, get_law
from .laws._base import adopt_laws, check_interval, travelling_laws

__all__ = ["ScalingLawRegressor"]


def _law_has(method):
    """``available_if`` check: the estimator's law declares ``method``."""

    def check(estimator):
        law = get_law(estimator.law)
        if method not in law.methods:
            raise AttributeError(f"law {law.name!r} has no {method}")
        return True

    return check


class ScalingLawRegressor(UncertaintyMixin, _ScalingLawRegressor):
    """Any scaling law of the registry (or your own), fitted robustly from many starts.

    The law's linear parameters are solved exactly at every start (variable
    projection), the best starts that lie apart are refined by trust-region least
    squares on a robust loss, and the best refinement is kept. ``law`` is an ordinary
    parameter, so ``GridSearchCV`` with
    :class:`~sklearn_scaling.model_selection.ExtrapolationSplit` chooses among laws.

    Parameters
    ----------
    law : str or Law, default='chinchilla'
        A name of :func:`~sklearn_scaling.laws.available_laws` or a
        :class:`~sklearn_scaling.laws.Law`. ``X`` has the law's features as columns,
        in order (``law.features``; for ``'chinchilla'`` parameters ``N`` and tokens
        ``D``).
    loss : {'huber', 'soft_l1', 'cauchy', 'squared'}, default='huber'
        Loss on the residuals.
    f_scale : float, default=1e-3
        Residual scale where a robust loss starts to down-weight: in units of ``log
        y`` for ``target_space='log'`` (Hoffmann et al. used a Huber delta of 1e-3 on
        log loss), and relative to the root mean square of ``y`` for ``'linear'``.
    target_space : {'linear', 'log'}, default='linear'
        Residuals ``law - y`` or ``log(law) - log(y)``; 'log' needs ``y > 0`` and
        weighs every run by its relative error.
    alpha : float, default=0.0
        Strength of a Gaussian prior pulling each nonlinear parameter towards the
        centre of the law's starting values, in units of their spread; 0 fits the data
        alone.
    bounds : dict or None, default=None
        ``{parameter: (low, high)}`` overriding the law's bounds, in units of ``y``.
    n_starts : int, default=4
        Local refinements, from the best distinct starts of the law's grid.
    max_nfev : int, default=1000
        Residual evaluations allowed to each refinement.
    tol : float, default=1e-8
        ``ftol``, ``xtol`` and ``gtol`` of each refinement.
    n_jobs : int or None, default=None
        Refinements run in parallel through joblib.
    random_state : int, RandomState instance or None, default=None
        Subsamples start grids too large to search whole.

    Attributes
    ----------
    law_ : Law
        The law fitted.
    coef_ : ndarray of shape (n_parameters,)
        Parameters in the order of ``law_.parameters``.
    params_ : dict
        The same values by name.
    cost_ : float
        Objective at ``coef_``, in the unit-free scale of the fit (see ``y_scale_``).
    nfev_ : int
    converged_ : bool
    at_bounds_ : tuple of str
        Parameters that end on a bound: the data push them past it, and the fit
        there is the bound's as much as the data's. They are held there for the
        uncertainty: no standard error pretends to measure them.
    coef_cov_ : ndarray of shape (n_parameters, n_parameters)
        Robust sandwich covariance of ``coef_`` (valid under a robust loss and a
        misspecified law, with the prior's curvature included); rows and columns of
        parameters in ``at_bounds_`` are 0, those of unidentified parameters ``inf``.
    params_std_ : dict
        Standard error of each parameter: ``nan`` on a bound, ``inf`` unidentified.
    unidentified_ : tuple of str
        Parameters the data do not identify (a singular curvature).
    residual_scale_ : float
        Spread of the residuals in the target space (``log y`` for 'log'), which
        ``predict_interval(kind='observation')`` adds to the law's uncertainty.
    y_scale_ : float
        The fit was solved on ``y / y_scale_`` (the root mean square of ``y`` for laws
        that scale with their linear parameters, else 1), so it does not depend on
        the units of ``y``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` has string column names.

    Examples
    --------
    >>> from sklearn_scaling import ScalingLawRegressor
    >>> from sklearn_scaling.datasets import make_chinchilla
    >>> X, y = make_chinchilla(n_samples=240, random_state=0)
    >>> reg = ScalingLawRegressor("chinchilla", target_space="log").fit(X, y)
    >>> sorted(reg.params_)
    ['A', 'B', 'E', 'alpha', 'beta']
    >>> n_opt, d_opt = reg.compute_optimal(1e22)
    >>> bool(abs(6 * n_opt * d_opt / 1e22 - 1) < 1e-9)
    True
    """

    _parameter_constraints = {
        **_ScalingLawRegressor._parameter_constraints,
        "law": [str, Law],
        # Relative to the target's scale (or in log units): no 'mad'.
        "f_scale": [Interval(Real, 0, _MAX_F_SCALE, closed="right")],
        "target_space": [StrOptions({"linear", "log"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "bounds": [dict, None],
    }

    def __init__(
        self,
        law="chinchilla",
        *,
        loss="huber",
        f_scale=1e-3,
        target_space="linear",
        alpha=0.0,
        bounds=None,
        n_starts=4,
        max_nfev=1000,
        tol=1e-8,
        n_jobs=None,
        random_state=None,
    ):
        self.law = law
        self.loss = loss
        self.f_scale = f_scale
        self.target_space = target_space
        self.alpha = alpha
        self.bounds = bounds
        self.n_starts = n_starts
        self.max_nfev = max_nfev
        self.tol = tol
        self.n_jobs = n_jobs
        self.random_state = random_state

    def __getstate__(self):
        # A law registered in this process travels with the estimator: parallel workers
        # import the package afresh and know only its own laws.
        state = dict(super().__getstate__())
        state["_travelling_laws"] = travelling_laws()
        return state

    def __setstate__(self, state):
        state = dict(state)
        adopt_laws(state.pop("_travelling_laws", ()))
        super().__setstate__(state)

    # _validate_fit_data calls these two with the validated X.
    def _check_columns(self, X):
        law = get_law(self.law)
        law.check_X(X, owner=f"{type(self).__name__}(law={law.name!r})")

    def _check_domain(self, X):
        """Done with the column count by :meth:`Law.check_X`."""

    def _checked_bounds(self, law):
        if self.bounds is None:
            return None
        unknown = sorted(set(self.bounds) - set(law.parameters))
        if unknown:
            raise ValueError(
                f"bounds name unknown parameters {unknown} of law {law.name!r}; its "
                f"parameters are {list(law.parameters)}."
            )
        return {
            name: check_interval(law.name, f"bounds[{name!r}]", value)
            for name, value in self.bounds.items()
        }

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the law.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The law's features, in the order of ``law.features``.
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            A row of weight ``k`` counts as ``k`` repeated rows.

        Returns
        -------
        self : ScalingLawRegressor

        Raises
        ------
        ValueError
            For an unknown law, ``X`` with another column count than the law's
            features or values outside its domain, ``y <= 0`` with
            ``target_space='log'``, a law function that fails or is non-finite at every
            start, or bounds with unknown parameters or ``low >= high``.

        Warns
        -----
        ConvergenceWarning
            When the best refinement stops on ``max_nfev`` before its tolerance.
        UserWarning
            When parameters end on a bound (``at_bounds_``), or the fitted law lies
            below (or above) every training target.
        """
        law = get_law(self.law)
        bounds = self._checked_bounds(law)
        X, y, sample_weight = self._validate_fit_data(
            X, y, sample_weight, n_params=law.n_parameters, multi_output=False
        )
        if self.target_space == "log" and not np.all(y > 0):
            raise ValueError(
                "target_space='log' fits log(y) and needs y > 0; got "
                f"min(y) = {float(np.min(y))!r}. Use target_space='linear'."
            )
        result = fit_law(
            law,
            X,
            y,
            sample_weight,
            loss=self.loss,
            f_scale=self.f_scale,
            target_space=self.target_space,
            alpha=self.alpha,
            bounds=bounds,
            n_starts=self.n_starts,
            max_nfev=self.max_nfev,
            tol=self.tol,
            n_jobs=self.n_jobs,
            rng=self._rng(),
        )
        self.law_ = law
        self.coef_ = result.x
        self.params_ = dict(zip(law.parameters, map(float, result.x), strict=True))
        self.cost_ = result.cost
        self.nfev_ = result.nfev
        self.converged_ = result.converged
        self.y_scale_ = result.y_scale
        self.at_bounds_ = tuple(np.asarray(law.parameters)[result.at_bounds].tolist())
        self._store_covariance(result.covariance, result.residual_scale, self.target_space)
        self._objective = result.objective
        self._train_residuals = result.residuals
        self._warn_unconverged(self.converged_)
        if self.at_bounds_:
            warnings.warn(
                f"{type(self).__name__}(law={law.name!r}) ends with {list(self.at_bounds_)} "
                "on a bound: the data pull them further. Widen them with bounds={name: "
                "(low, high)} if the law allows it, or treat the fit as limited there.",
                UserWarning,
                # Past fit and scikit-learn's _fit_context: the user's call.
                stacklevel=3,
            )
        self._warn_if_off_targets(X, y, "Lower alpha, or check the law and its bounds.")
        return self

    def predict(self, X, return_std=False):
        """The fitted law's value, and optionally its standard deviation.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        return_std : bool, default=False
            Also return the delta-method standard deviation of the law's value from
            ``coef_cov_`` (see :meth:`predict_interval`).

        Returns
        -------
        y : ndarray of shape (n_samples,)
        std : ndarray of shape (n_samples,)
            Only with ``return_std``; ``inf`` where the value depends on parameters the
            data do not identify.

        Warns
        -----
        UserWarning
            When a prediction lies below the law's physical minimum (a loss below 0,
            or below the fitted irreducible loss), and with ``return_std`` when some
            parameters are not identified.
        """
        X = self._validated_X(X)
        prediction = self._law_values(X)
        minimum = self.law_.minimum
        if isinstance(minimum, str):
            self._warn_below_minimum(
                prediction, self.params_[minimum], f"a value below the fitted {minimum}"
            )
        elif minimum is not None:
            self._warn_below_minimum(prediction, float(minimum), "an impossible value")
        if not return_std:
            return prediction
        return prediction, self._law_std(X, prediction)

    def _validated_X(self, X):
        check_is_fitted(self)
        _check_no_missing(X, "X")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        self.law_.check_X(X, owner=f"{type(self).__name__}(law={self.law_.name!r})")
        return X

    def _law_jacobian(self, X, prediction):
        with np.errstate(all="ignore"):
            return self.law_.jacobian_matrix(X, self.coef_, prediction)

    def _bootstrap_refits(self, X, targets, weights):
        """Refits to ``targets`` and ``weights`` of shape (B, n), solved as one batch.

        Warm-started from this fit, on its objective (units, bounds, prior); returns the
        parameters (B, p) and which refits converged.
        """
        X = self._validated_X(X)
        targets = np.asarray(targets, dtype=float)
        if self.target_space == "log" and not np.all(targets > 0):
            raise ValueError("target_space='log' needs every resampled target > 0.")
        coefs, _, converged = refit_batch(
            self.law_,
            self._objective,
            X,
            targets,
            np.asarray(weights, dtype=float),
            self.coef_,
            max_iter=100,
            tol=self.tol,
        )
        return coefs, converged

    def _predict_many(self, X, coefs):
        """The law at ``X`` for each row of ``coefs``: ``(n_coefs, n_samples)``."""
        X = self._validated_X(X)
        with np.errstate(all="ignore"):
            return self.law_.evaluate_many(X, coefs)

    def _law_values(self, X):
        with np.errstate(all="ignore"):
            return self.law_.evaluate(X, self.coef_)

    @available_if(_law_has("compute_optimal"))
    def compute_optimal(self, compute):
        """Model size and tokens that minimise the fitted law at a compute budget.

        Parameters
        ----------
        compute : array-like
            Training FLOPs ``C = 6 N D``.

        Returns
        -------
        n_opt, d_opt : ndarray
            Parameters and tokens of the compute-optimal model.
        """
        check_is_fitted(self)
        return self.law_.methods["compute_optimal"](self.params_, compute)
