"""``ScalingLawRegressor``: one scikit-learn estimator for every law of the registry."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_feature_names,
    _check_n_features,
    check_array,
    check_is_fitted,
    validate_data,
)

from ._estimators import _MAX_F_SCALE, _check_no_missing, _ScalingLawRegressor
from ._fitting._groups import _broadcasts_by_row, _law_rows, fit_law_groups, fix_parameters
from ._fitting._law import fit_law, refit_batch
from ._fitting._losses import LOSSES, pinball_key
from ._intervals import UncertaintyMixin
from .laws import Law, get_law
from .laws._base import adopt_laws, check_interval, travelling_laws

__all__ = ["ScalingLawRegressor"]


def _label(value):
    """A curve's label as a plain Python value (numpy scalars print and compare badly)."""
    return value.item() if isinstance(value, np.generic) else value


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
    loss : {'huber', 'soft_l1', 'cauchy', 'squared', 'pinball'}, default='huber'
        Loss on the residuals. 'pinball' fits the ``quantile`` of the targets instead of
        their centre (0.1: a lower envelope, below about 90% of the runs, as a sweep
        with failed or badly tuned runs needs), smoothed within ``f_scale`` of 0.
    f_scale : float, default=1e-3
        Residual scale where a robust loss starts to down-weight: in units of ``log
        y`` for ``target_space='log'`` (Hoffmann et al. used a Huber delta of 1e-3 on
        log loss), and relative to the root mean square of ``y`` for ``'linear'``.
    quantile : float, default=0.5
        The quantile ``loss='pinball'`` fits, in (0, 1); ignored by the other losses.
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
    group : str, int or None, default=None
        The column of ``X`` naming the curve each row belongs to (a column name when
        ``X`` is a DataFrame, else its position); the law's features are the other
        columns. Labels may be strings or numbers. Every curve gets its own
        parameters, except those in ``shared`` and ``fixed``; all curves are fitted in
        one objective (independent curves as one batch). A robust loss's ``f_scale`` is
        then relative to each curve's own root mean square.
    shared : sequence of str or None, default=None
        Parameters with one value for every curve (an exponent common to a family).
    fixed : dict or None, default=None
        ``{parameter: value}`` held at that value, not fitted (``{"E": 0}`` makes
        ``power_law`` a pure power law); with or without ``group``.

    Attributes
    ----------
    law_ : Law
        The law fitted.
    coef_ : ndarray of shape (n_parameters,) or (n_groups, n_parameters)
        Parameters in the order of ``law_.parameters`` (fixed ones included); one row
        per curve with ``group`` or a two-dimensional ``y``, shared columns equal.
    params_ : dict
        The same values by name; ``{label: {name: value}}`` for curves.
    groups_ : ndarray
        The curves' labels in the order of the rows of ``coef_`` (the output columns
        ``0 .. n_outputs - 1`` for a two-dimensional ``y``); only for several curves.
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
        "loss": [StrOptions(set(LOSSES) | {"pinball"})],
        "quantile": [Interval(Real, 0, 1, closed="neither")],
        # Relative to the target's scale (or in log units): no 'mad'.
        "f_scale": [Interval(Real, 0, _MAX_F_SCALE, closed="right")],
        "target_space": [StrOptions({"linear", "log"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "bounds": [dict, None],
        "group": [str, Integral, None],
        "shared": [list, tuple, None],
        "fixed": [dict, None],
    }

    def __init__(
        self,
        law="chinchilla",
        *,
        loss="huber",
        f_scale=1e-3,
        quantile=0.5,
        target_space="linear",
        alpha=0.0,
        bounds=None,
        n_starts=4,
        max_nfev=1000,
        tol=1e-8,
        n_jobs=None,
        random_state=None,
        group=None,
        shared=None,
        fixed=None,
    ):
        self.law = law
        self.loss = loss
        self.f_scale = f_scale
        self.quantile = quantile
        self.target_space = target_space
        self.alpha = alpha
        self.bounds = bounds
        self.n_starts = n_starts
        self.max_nfev = max_nfev
        self.tol = tol
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.group = group
        self.shared = shared
        self.fixed = fixed

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
        owner = f"{type(self).__name__}(law={law.name!r})"
        if self.group is not None:
            # The count the law sees leaves the group column out: say so.
            owner = (
                f"{type(self).__name__}(law={law.name!r}, group={self.group!r}), besides "
                "X's group column,"
            )
        law.check_X(X, owner=owner)

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
        free_law, shared = self._free_law(law)
        if bounds is not None:
            bounds = {k: v for k, v in bounds.items() if k in free_law.parameters}
        given = X
        X, labels = self._split_group(X, law, reset=True)
        X, y, sample_weight = self._validate_fit_data(
            X, y, sample_weight, n_params=free_law.n_parameters, multi_output=True, labels=labels
        )
        if self.group is not None:
            # X's width and names as given, the group column included: what a Pipeline
            # hands this estimator (scikit-learn's n_features_in_ convention).
            _check_n_features(self, given, reset=True)
            _check_feature_names(self, given, reset=True)
        labels = self._kept_labels
        if self.target_space == "log" and not np.all(y > 0):
            raise ValueError(
                "target_space='log' fits log(y) and needs y > 0; got "
                f"min(y) = {float(np.min(y))!r}. Use target_space='linear'."
            )
        self.law_ = law
        self._free = free_law
        options = dict(
            loss=pinball_key(self.quantile) if self.loss == "pinball" else self.loss,
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
        if labels is None and y.ndim == 1:
            if shared:
                raise ValueError(
                    f"shared={list(shared)} ties parameters across curves: give group= "
                    "(the column naming each row's curve) or a two-dimensional y."
                )
            self._fit_one(free_law, X, y, sample_weight, options)
            bound_names, where = self.at_bounds_, ""
        else:
            self._fit_curves(free_law, X, y, sample_weight, labels, shared, options)
            bound_names = sorted({n for names in self.at_bounds_.values() for n in names})
            hit = [g for g, names in self.at_bounds_.items() if names]
            where = f" in {len(hit)} curve(s), e.g. {hit[0]!r}" if hit else ""
        self._warn_unconverged(self.converged_)
        if (
            labels is None
            and y.ndim == 1
            and self._worse_than_constant(
                # The law's own row weights (a recency weighting) are part of its objective.
                *self._fit_space(X, y),
                sample_weight * free_law.row_weights(X),
                options["loss"],
                self.f_scale,
            )
        ):
            self.converged_ = False
        if bound_names:
            warnings.warn(
                f"{type(self).__name__}(law={law.name!r}) ends with {list(bound_names)} on "
                f"a bound{where}: the data pull them further. Widen them with "
                "bounds={name: (low, high)} if the law allows it, or treat the fit as "
                "limited there.",
                UserWarning,
                # Past fit and scikit-learn's _fit_context: the user's call.
                stacklevel=3,
            )
        if labels is None and y.ndim == 1:
            self._warn_if_off_targets(X, y, "Lower alpha, or check the law and its bounds.")
        return self

    def _fit_space(self, X, y):
        """The fitted law and the target in the space (and units) of the fit's loss."""
        with np.errstate(all="ignore"):
            fitted = self._law_values(X)
            if self.target_space == "log":
                return np.log(fitted), np.log(y)
            return fitted / self.y_scale_, y / self.y_scale_

    def _free_law(self, law):
        """The law without its fixed parameters, and the validated shared names."""
        fixed = dict(self.fixed or {})
        free_law = fix_parameters(law, fixed)
        shared = tuple(self.shared or ())
        unknown = sorted(set(shared) - set(law.parameters))
        if unknown:
            raise ValueError(
                f"shared names unknown parameters {unknown} of law {law.name!r}; its "
                f"parameters are {list(law.parameters)}."
            )
        both = sorted(set(shared) & set(fixed))
        if both:
            raise ValueError(f"{both} are both shared and fixed; a parameter is one or the other.")
        if len(set(shared)) != len(shared):
            raise ValueError(f"shared names a parameter twice: {list(shared)}.")
        return free_law, shared

    def _full_coef(self, free_coef):
        """Free parameters (..., p_free) -> every parameter of the law, fixed ones inserted."""
        free_coef = np.asarray(free_coef, dtype=float)
        coef = np.empty((*free_coef.shape[:-1], self.law_.n_parameters))
        fixed = dict(self.fixed or {})
        for j, name in enumerate(self.law_.parameters):
            if name in fixed:
                coef[..., j] = float(fixed[name])
            else:
                coef[..., j] = free_coef[..., self._free.parameters.index(name)]
        return coef

    def _full_covariance(self, covariance):
        """Embed a free-parameter Covariance in the law's parameters (fixed: no variance)."""
        if self._free is self.law_:
            return covariance
        index = [self.law_.parameters.index(p) for p in self._free.parameters]
        p = self.law_.n_parameters
        embedded = {}
        for name in ("cov", "identified_cov"):
            matrix = np.zeros((p, p))
            matrix[np.ix_(index, index)] = getattr(covariance, name)
            embedded[name] = matrix
        unidentified = np.zeros(p, dtype=bool)
        unidentified[index] = covariance.unidentified
        fixed = np.ones(p, dtype=bool)
        fixed[index] = covariance.fixed
        null_space = np.zeros((p, covariance.null_space.shape[1]))
        null_space[index] = covariance.null_space
        return type(covariance)(
            cov=embedded["cov"],
            unidentified=unidentified,
            fixed=fixed,
            null_space=null_space,
            dof=covariance.dof,
            identified_cov=embedded["identified_cov"],
        )

    def _fit_one(self, free_law, X, y, sample_weight, options):
        law = self.law_
        result = fit_law(free_law, X, y, sample_weight, **options)
        self.coef_ = self._full_coef(result.x)
        self.params_ = dict(zip(law.parameters, map(float, self.coef_), strict=True))
        self.cost_ = result.cost
        self.nfev_ = result.nfev
        self.converged_ = result.converged
        self.y_scale_ = result.y_scale
        self.at_bounds_ = tuple(np.asarray(free_law.parameters)[result.at_bounds].tolist())
        self._store_covariance(
            self._full_covariance(result.covariance), result.residual_scale, self.target_space
        )
        # Fixed parameters are not estimated: no standard error pretends they are.
        for name in self.fixed or {}:
            self.params_std_[name] = 0.0
        self._objective = result.objective
        self._train_residuals = result.residuals

    def _fit_curves(self, free_law, X, y, sample_weight, labels, shared, options):
        """Many curves: a group column's labels, or the columns of a 2-D ``y``."""
        law = self.law_
        if labels is not None:
            if y.ndim == 2 and y.shape[1] > 1:
                raise ValueError(
                    "give either group= or a two-dimensional y, not both: each output "
                    "column is already a curve."
                )
            y = y.ravel()
            groups, codes = np.unique(labels, return_inverse=True)
            self._multi_output = False
        else:
            n, k = y.shape
            groups, codes = np.arange(k), np.repeat(np.arange(k), n)
            X, y, sample_weight = np.tile(X, (k, 1)), y.T.ravel(), np.tile(sample_weight, k)
            self._multi_output = True
        codes = codes.ravel()
        n_own = free_law.n_parameters - len(shared)
        counts = np.bincount(codes, minlength=len(groups))
        short = np.flatnonzero(counts < max(n_own, 1))
        if short.size:
            raise ValueError(
                f"curve {groups[short[0]]!r} has {int(counts[short[0]])} row(s) with positive "
                f"weight, fewer than the {n_own} parameters of law {law.name!r} it has of its "
                "own; give it more rows, or share or fix parameters."
            )
        result = fit_law_groups(
            free_law, X, y, sample_weight, codes, len(groups), shared=shared, **options
        )
        self.groups_ = groups
        self.coef_ = self._full_coef(result.coef)
        names = law.parameters
        self.params_ = {
            _label(g): dict(zip(names, map(float, row), strict=True))
            for g, row in zip(groups, self.coef_, strict=True)
        }
        self.cost_ = result.cost
        # Each curve's objective as if fitted alone: what its own fit would minimise.
        self._curve_costs = result.curve_cost
        self.nfev_ = result.nfev
        self.converged_ = bool(np.all(result.converged))
        self.y_scale_ = result.y_scale
        free_names = np.asarray(free_law.parameters)
        self.at_bounds_ = {
            _label(g): tuple(free_names[flags].tolist())
            for g, flags in zip(groups, result.at_bounds, strict=True)
        }
        covariances = [self._full_covariance(c) for c in result.covariances]
        self._covariances = covariances
        self._target_space = self.target_space
        self.coef_cov_ = np.stack([c.cov for c in covariances])
        self.unidentified_ = {
            _label(g): tuple(np.asarray(names)[c.unidentified].tolist())
            for g, c in zip(groups, covariances, strict=True)
        }
        self.params_std_ = {}
        for g, c in zip(groups, covariances, strict=True):
            diagonal = np.diag(c.cov).copy()
            std = np.sqrt(np.where(np.isfinite(diagonal), np.maximum(diagonal, 0.0), np.inf))
            std[c.fixed] = np.nan
            for name in self.fixed or {}:
                std[names.index(name)] = 0.0
            self.params_std_[_label(g)] = dict(zip(names, map(float, std), strict=True))
        self.residual_scale_ = result.residual_scale
        self._broadcasts = _broadcasts_by_row(law, X, self.coef_[:3])

    def _split_group(self, X, law, *, reset):
        """``X`` without its group column, the law's features in order, and the labels.

        A DataFrame's columns are matched to the law's features by name; an array's are
        taken in order.
        """
        group = self.group
        columns = getattr(X, "columns", None)
        labels = None
        if columns is not None:
            names = [str(c) for c in columns]
            if group is not None:
                if isinstance(group, str):
                    if group not in names:
                        raise ValueError(
                            f"group={group!r} is not a column of X; its columns are {names}."
                        )
                    position = names.index(group)
                else:
                    position = self._group_position(len(names))
                labels = np.asarray(X.iloc[:, position])
                X = X.drop(columns=columns[position])
                names.pop(position)
            if all(isinstance(c, str) for c in X.columns):
                missing = [f for f in law.features if f not in names]
                extra = [c for c in names if c not in law.features]
                if missing or extra:
                    raise ValueError(
                        f"X's columns {names} do not match the features of law "
                        f"{law.name!r}, {list(law.features)} (missing {missing}, extra "
                        f"{extra}). Name the columns as the law does, or pass an array "
                        "with the features in that order."
                    )
                X = X[list(law.features)]
        elif group is not None:
            if isinstance(group, str):
                raise ValueError(
                    f"group={group!r} names a column, but X has no column names; pass a "
                    "DataFrame or the column's position."
                )
            # scikit-learn's own checks first (sparse input, no rows, no columns); the
            # labels may be strings, so no dtype yet, and NaN is judged below.
            values = check_array(X, dtype=None, ensure_all_finite=False)
            position = self._group_position(values.shape[1])
            labels = values[:, position]
            X = np.delete(values, position, axis=1)
        if labels is not None:
            labels = np.array([_label(v) for v in labels], dtype=object)
            if any(isinstance(v, float) and not np.isfinite(v) for v in labels):
                raise ValueError("the group column holds NaN or inf: every row needs a curve.")
        return X, labels

    def _group_position(self, n_columns):
        position = int(self.group)
        if not -n_columns <= position < n_columns:
            raise ValueError(f"group={self.group} is not a column of X, which has {n_columns}.")
        return position % n_columns

    def predict(self, X, return_std=False):
        """The fitted law's value, and optionally its standard deviation.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            With the group column when fitted with ``group``.
        return_std : bool, default=False
            Also return the delta-method standard deviation of the law's value from
            ``coef_cov_`` (see :meth:`predict_interval`).

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        std : ndarray of the same shape
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
            limit = self._rows_params(X)[..., self.law_.parameters.index(minimum)]
            self._warn_below_minimum(
                prediction.ravel(),
                np.broadcast_to(limit, prediction.shape).ravel(),
                f"a value below the fitted {minimum}",
            )
        elif minimum is not None:
            self._warn_below_minimum(prediction.ravel(), float(minimum), "an impossible value")
        if not return_std:
            return prediction
        return prediction, self._law_std(X, prediction)

    @property
    def _several(self):
        return hasattr(self, "groups_")

    def _parameter_names(self):
        return list(self.law_.parameters)

    def _resampling_strata(self, X):
        """Each row's curve, for a bootstrap that resamples within curves (or None)."""
        if self.group is None or not self._several:
            return None
        return self._validated_X(X)[1]

    @property
    def _batches_refits(self):
        # Curves and fixed parameters refit by clone-and-refit (BootstrapRegressor).
        return not (self._several or self.fixed)

    def _validated_X(self, X):
        """``X`` checked against the fit: ``(features, codes)`` for curves, else features."""
        check_is_fitted(self)
        _check_no_missing(X, "X")
        if self.group is not None:
            # Width and names checked on X as given, the group column included; a
            # frame's columns are matched by name (_split_group), in any order.
            fitted = getattr(self, "feature_names_in_", None)
            columns = getattr(X, "columns", None)
            if fitted is not None and columns is not None:
                given = [str(c) for c in columns]
                if sorted(given) != sorted(str(c) for c in fitted):
                    raise ValueError(
                        f"X's columns {given} are not those fitted, {list(fitted)} (in any order)."
                    )
            else:
                _check_n_features(self, X, reset=False)
        features, labels = self._split_group(X, self.law_, reset=False)
        if self.group is None:
            features = validate_data(self, features, dtype=np.float64, reset=False)
        else:
            features = check_array(features, dtype=np.float64)
        self._check_columns(features)
        if labels is None:
            return features
        return features, self._codes(labels)

    def _codes(self, labels):
        """Each row's curve index; an unseen label is an error unless nothing is per-curve."""
        index = {g: k for k, g in enumerate(self.groups_.tolist())}
        codes = np.array([index.get(label, -1) for label in labels], dtype=int)
        unseen = codes < 0
        if unseen.any():
            per_curve = [
                p
                for p in self.law_.parameters
                if p not in tuple(self.shared or ()) and p not in dict(self.fixed or {})
            ]
            if per_curve:
                label = labels[int(np.flatnonzero(unseen)[0])]
                raise ValueError(
                    f"group {label!r} was not seen in fit, and the law's {per_curve} are "
                    f"fitted per curve; known groups: {self.groups_.tolist()}."
                )
            # Every parameter is shared or fixed: any curve's parameters serve.
            codes[unseen] = 0
        return codes

    def _rows_params(self, X):
        """The parameters of each prediction: (p,), (n, p) for curves, (k, p) outputs."""
        if isinstance(X, tuple):
            return self.coef_[X[1]]
        return self.coef_

    def _law_values(self, X):
        with np.errstate(all="ignore"):
            if isinstance(X, tuple):
                features, codes = X
                return _law_rows(self.law_, features, self.coef_[codes], self._broadcasts)
            if self._several:
                return self.law_.evaluate_many(X, self.coef_).T
            return self.law_.evaluate(X, self.coef_)

    def _law_jacobian(self, X, prediction):
        with np.errstate(all="ignore"):
            return self.law_.jacobian_matrix(X, self.coef_, prediction)

    def _law_std(self, X, prediction):
        if not self._several:
            return super()._law_std(X, prediction)
        if any(self.unidentified_.values()):
            self._warn_unidentified()
        std = np.empty_like(prediction)
        for k, covariance in enumerate(self._covariances):
            if isinstance(X, tuple):
                rows = X[1] == k
                if rows.any():
                    features = X[0][rows]
                    with np.errstate(all="ignore"):
                        jac = self.law_.jacobian_matrix(features, self.coef_[k], prediction[rows])
                    std[rows] = covariance.std_of(jac)
            else:
                with np.errstate(all="ignore"):
                    jac = self.law_.jacobian_matrix(X, self.coef_[k], prediction[:, k])
                std[:, k] = covariance.std_of(jac)
        return std

    def _row_dof_and_spread(self, X, shape):
        """Per prediction: residual degrees of freedom and residual spread of its curve
        (:meth:`predict_interval` of the mixin builds each row's interval on them)."""
        if not self._several:
            return super()._row_dof_and_spread(X, shape)
        dof = np.array([c.dof for c in self._covariances])
        spread = np.asarray(self.residual_scale_)
        if isinstance(X, tuple):
            return dof[X[1]], spread[X[1]]
        return np.broadcast_to(dof, shape), np.broadcast_to(spread, shape)

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
            max_iter=self.max_nfev,
            tol=self.tol,
        )
        return coefs, converged

    def _predict_many(self, X, coefs):
        """The law at ``X`` for each row of ``coefs``: ``(n_coefs, n_samples)``."""
        X = self._validated_X(X)
        with np.errstate(all="ignore"):
            return self.law_.evaluate_many(X, coefs)

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
