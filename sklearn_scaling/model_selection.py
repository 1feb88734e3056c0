"""Cross-validation for scaling laws.

A scaling law is used where no run exists yet: at a larger scale than any run it was
fitted on. Random K-fold measures interpolation and so flatters a law that bends the
wrong way just past the data. :class:`ExtrapolationSplit` instead always tests on
larger scales than it trains on.
"""

import numbers
import warnings
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from scipy import optimize, sparse, stats
from sklearn.base import BaseEstimator, MetaEstimatorMixin, RegressorMixin, _fit_context, clone
from sklearn.model_selection import BaseCrossValidator, check_cv
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._intervals import check_coverage
from .metrics import get_scorer

__all__ = [
    "ExtrapolationSplit",
    "GroupExtrapolationSplit",
    "LawSearchCV",
    "check_cv_supports",
    "default_laws",
    "n_free_parameters",
]


class ExtrapolationSplit(BaseCrossValidator):
    """Cross-validator that tests on larger scales than it trains on.

    Rows are ordered by a *scale* (model size, data size, training compute, ...)
    and split like :class:`~sklearn.model_selection.TimeSeriesSplit` splits time:
    the distinct scale values, sorted, are cut into ``n_splits + 1`` consecutive
    blocks, and the ``k``-th split trains on the first ``k`` blocks and tests on
    block ``k + 1``. Every test row therefore has a strictly larger scale than every
    training row, and rows that share a scale value are never divided between the
    training and test sets of a split. Training sets grow from split to split, each
    a superset of the one before.

    Parameters
    ----------
    n_splits : int, default=5
        Number of splits. Must be at least 1 (one split is a single
        train-small / test-large holdout).

    scale : int, str or callable, default=0
        Where the scale of each row comes from:

        * int -- the column of ``X`` at that position (also for a DataFrame,
          whose columns are taken by position, not label);
        * str -- the column of that name; ``X`` must then be a DataFrame;
        * callable -- ``scale(X)`` must return a 1-D array of length
          ``n_samples``, e.g. training compute
          ``lambda X: 6 * X[:, 2] * X[:, 3]``.

        Scale values must be finite.

    test_size : int, default=None
        Number of distinct scale values in each test block. The last
        ``n_splits * test_size`` distinct values are tested on; all smaller values
        form the first training block. By default the blocks are balanced by rows
        (see Notes).

    gap : int, default=0
        Number of distinct scale values, just below each test block, that are left
        out of the training set. A gap makes every split extrapolate further.

    min_train_size : int, default=None
        Splits whose training set has fewer rows are **dropped** (not merged into
        the next split: that one already trains on every row they would add), so
        every remaining split can fit a law of up to ``min_train_size - 1`` free
        parameters with a residual left over. The blocks are cut as without it;
        :meth:`get_n_splits` with ``X`` counts the splits that remain, and a
        ValueError says so when none does. None keeps every split.

    See Also
    --------
    sklearn.model_selection.TimeSeriesSplit : The same scheme along sample order.

    Notes
    -----
    By default the blocks are balanced by **rows**, not by distinct scale values:
    sweeps often repeat many runs (learning rates, batch sizes, seeds) at a few
    scales, and balancing distinct values would then put very unequal numbers of
    rows into the test blocks. Block ``j`` ideally ends at row position
    ``n_samples - (n_splits + 1 - j) * (n_samples // (n_splits + 1))``, as in
    ``TimeSeriesSplit``; as a scale group is never split, each boundary is moved to
    the nearest boundary between scale groups (the later one on a tie), while
    leaving at least one distinct value for every later block. When all scale values
    are distinct, the splits are exactly those of
    ``TimeSeriesSplit(n_splits, gap=gap)`` applied to the rows sorted by scale.

    When ``test_size`` is given the blocks are counted in distinct scale values
    instead, because a number of rows could not be honoured without splitting a
    scale group.

    At least ``n_splits + 1 + gap`` distinct scale values are needed (at least
    ``n_splits * test_size + 1 + gap`` when ``test_size`` is given).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_scaling.model_selection import ExtrapolationSplit
    >>> X = np.array([[1], [1], [2], [3], [3], [4], [5], [6]])
    >>> cv = ExtrapolationSplit(n_splits=3)
    >>> cv
    ExtrapolationSplit(gap=0, min_train_size=None, n_splits=3, scale=0,
              test_size=None)
    >>> for train, test in cv.split(X):
    ...     print("TRAIN:", train, "TEST:", test)
    TRAIN: [0 1] TEST: [2 3 4]
    TRAIN: [0 1 2 3 4] TEST: [5]
    TRAIN: [0 1 2 3 4 5] TEST: [6 7]

    The rows need not be sorted, and the scale may be computed from several columns:

    >>> X = np.array([[2, 8], [1, 1], [4, 4], [1, 2], [2, 1], [2, 2]])
    >>> cv = ExtrapolationSplit(n_splits=2, scale=lambda X: X[:, 0] * X[:, 1])
    >>> for train, test in cv.split(X):
    ...     print("TRAIN:", train, "TEST:", test)
    TRAIN: [1 3 4] TEST: [5]
    TRAIN: [1 3 4 5] TEST: [0 2]

    ``min_train_size`` drops the splits that train on too few rows (here the first,
    with two):

    >>> X = np.array([[1], [1], [2], [3], [3], [4], [5], [6]])
    >>> cv = ExtrapolationSplit(n_splits=3, min_train_size=4)
    >>> cv.get_n_splits(X)
    2
    >>> [len(train) for train, test in cv.split(X)]
    [5, 6]
    """

    def __init__(self, n_splits=5, *, scale=0, test_size=None, gap=0, min_train_size=None):
        self.n_splits = n_splits
        self.scale = scale
        self.test_size = test_size
        self.gap = gap
        self.min_train_size = min_train_size
        # Like KFold, reject bad settings when the splitter is built, not when a
        # search is already under way.
        self._check_params()

    def _check_params(self):
        if not _is_int(self.n_splits) or self.n_splits < 1:
            raise ValueError(f"n_splits must be an integer of at least 1, got {self.n_splits!r}.")
        if self.test_size is not None and (not _is_int(self.test_size) or self.test_size < 1):
            raise ValueError(
                f"test_size must be None or a positive integer, got {self.test_size!r}."
            )
        if not _is_int(self.gap) or self.gap < 0:
            raise ValueError(f"gap must be a non-negative integer, got {self.gap!r}.")
        if self.min_train_size is not None and (
            not _is_int(self.min_train_size) or self.min_train_size < 1
        ):
            raise ValueError(
                f"min_train_size must be None or a positive integer, got {self.min_train_size!r}."
            )
        scale = self.scale
        if not (callable(scale) or isinstance(scale, str) or _is_int(scale)):
            raise TypeError(
                f"scale must be an int column index, a str column name or a callable, "
                f"got {scale!r}."
            )

    def get_n_splits(self, X=None, y=None, groups=None):
        """Return the number of splitting iterations in the cross-validator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), default=None
            Needed only with ``min_train_size``, to count the splits it keeps;
            otherwise ignored.

        y : object
            Always ignored, exists for API compatibility.

        groups : object
            Always ignored, exists for API compatibility.

        Returns
        -------
        n_splits : int
            Number of splitting iterations in the cross-validator: ``n_splits``, or
            with ``min_train_size`` and ``X`` the splits whose training set is large
            enough (``n_splits`` without ``X``, an upper bound).
        """
        if self.min_train_size is None or X is None:
            return self.n_splits
        return len(self._folds(X))

    def split(self, X, y=None, groups=None):
        """Generate indices to split data into training and test set.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Training data, from which the scale of each row is taken.

        y : array-like of shape (n_samples,), default=None
            Always ignored, exists for API compatibility.

        groups : array-like of shape (n_samples,), default=None
            Always ignored, exists for API compatibility.

        Yields
        ------
        train : ndarray of int
            The training set indices (positions in ``X``) for that split, ascending.

        test : ndarray of int
            The test set indices (positions in ``X``) for that split, ascending.

        Raises
        ------
        ValueError
            If the scale cannot be taken from ``X``, is not finite, or has too few
            distinct values for the requested splits.
        """
        if groups is not None:
            warnings.warn(
                f"The groups parameter is ignored by {self.__class__.__name__}",
                UserWarning,
                stacklevel=2,
            )
        # Validate eagerly: a generator body would defer every error to the first
        # ``next``, far from the call that caused it.
        return iter(self._folds(X))

    def _folds(self, X):
        """Every ``(train, test)`` pair, after ``min_train_size``."""
        self._check_params()
        scale = self._scale_values(X)
        _, rank = np.unique(scale, return_inverse=True)
        rank = rank.ravel()
        bounds = self._block_bounds(np.bincount(rank))
        folds = list(_iter_splits(rank, bounds, self.gap))
        if self.min_train_size is None:
            return folds
        kept = [(train, test) for train, test in folds if len(train) >= self.min_train_size]
        if not kept:
            raise ValueError(
                f"min_train_size={self.min_train_size}, but the largest training set of "
                f"the {len(folds)} split(s) has {max(len(t) for t, _ in folds)} rows (of "
                f"{len(scale)}). Lower n_splits or min_train_size, or add runs."
            )
        return kept

    def _scale_values(self, X):
        """Return the scale of every row of ``X`` as a finite 1-D float array."""
        scale = self.scale
        is_frame = hasattr(X, "columns")
        if callable(scale):
            values = scale(X)
            source = "scale(X)"
        elif isinstance(scale, str):
            if not is_frame:
                raise ValueError(
                    f"scale={scale!r} names a column, which needs X to be a DataFrame; "
                    f"got {type(X).__name__}. Pass an int column index or a callable."
                )
            if scale not in list(X.columns):
                raise ValueError(f"scale={scale!r} is not a column of X.")
            values = X[scale]
            source = f"column {scale!r}"
        else:
            shape = X.shape if hasattr(X, "shape") else np.shape(X)
            if len(shape) != 2:
                raise ValueError(
                    f"scale={scale!r} is a column index, which needs a 2-D X; got X of "
                    f"shape {shape}."
                )
            n_features = shape[1]
            if not -n_features <= scale < n_features:
                raise ValueError(
                    f"scale={scale!r} is out of range for X with {n_features} columns."
                )
            if hasattr(X, "iloc"):
                values = X.iloc[:, scale]
            elif sparse.issparse(X):
                values = X[:, [scale]].toarray().ravel()
            else:
                values = np.asarray(X)[:, scale]
            source = f"column {scale}"

        try:
            values = np.asarray(values, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"The scale ({source}) must be numeric.") from exc
        n_samples = _n_samples(X)
        if values.shape != (n_samples,):
            raise ValueError(
                f"The scale ({source}) must be 1-D with one value per row, i.e. of shape "
                f"({n_samples},); got shape {values.shape}."
            )
        if not np.all(np.isfinite(values)):
            n_bad = int(np.sum(~np.isfinite(values)))
            raise ValueError(
                f"The scale ({source}) must be finite; {n_bad} of {n_samples} values are "
                f"NaN or infinite."
            )
        return values

    def _block_bounds(self, counts):
        """Return the edges of the ``n_splits + 1`` blocks, in sorted distinct values.

        ``counts[i]`` is the number of rows with the ``i``-th smallest scale. Block
        ``j`` holds the distinct values ``bounds[j]:bounds[j + 1]``.
        """
        n_values = len(counts)
        n_splits, gap, test_size = self.n_splits, self.gap, self.test_size
        n_folds = n_splits + 1
        if test_size is None:
            needed = n_folds + gap
        else:
            needed = n_splits * test_size + 1 + gap
        if n_values < needed:
            detail = "" if test_size is None else f", test_size={test_size}"
            raise ValueError(
                f"The scale has {n_values} distinct values, but n_splits={n_splits}"
                f"{detail} and gap={gap} need at least {needed}. Every split must test on "
                "larger scales than it trains on, so only distinct scale values can be "
                "split apart."
            )

        if test_size is not None:
            return [0] + [n_values - (n_folds - j) * test_size for j in range(1, n_folds + 1)]

        n_samples = int(counts.sum())
        # rows_below[i] is the number of rows whose scale is among the i smallest values,
        # i.e. the row position of the boundary before distinct value i.
        rows_below = np.concatenate([[0], np.cumsum(counts)])
        block_rows = n_samples // n_folds
        bounds = [0]
        for j in range(1, n_folds):
            target = n_samples - (n_folds - j) * block_rows
            # The first block must keep a training value beyond the gap, and every
            # later block needs at least one distinct value of its own.
            lo = max(bounds[-1] + 1, gap + 1)
            hi = n_values - (n_folds - j)
            error = np.abs(rows_below[lo : hi + 1] - target)
            # Reversed so a tie moves the boundary up: like TimeSeriesSplit, leftover
            # rows go to training rather than to the test blocks.
            bounds.append(hi - int(np.argmin(error[::-1])))
        bounds.append(n_values)
        return bounds


class GroupExtrapolationSplit(ExtrapolationSplit):
    """Extrapolation folds of a family of curves: every curve's largest scales at once.

    Each curve (the rows sharing a value of the ``group`` column) is split as
    :class:`ExtrapolationSplit` splits one, along its own scale; fold ``k`` joins fold
    ``k`` of every curve. So every fold trains on the smaller scales of all curves and
    tests on the next larger ones of all curves, as a grouped fit
    (``ScalingLawRegressor(group=...)``) is used: fitted on every curve's past,
    predicting every curve's future.

    Parameters
    ----------
    n_splits : int, default=3
    group : int or str
        The column of ``X`` naming each row's curve (a name for a DataFrame).
    scale : int, str, callable or None, default=None
        As for :class:`ExtrapolationSplit`; None takes the first column that is not
        the group column.
    test_size : int, default=None
        Distinct scale values of each curve in each test block.
    gap : int, default=0

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_scaling.model_selection import GroupExtrapolationSplit
    >>> X = np.array([[0, 1], [0, 2], [0, 3], [1, 10], [1, 20], [1, 30]])
    >>> for train, test in GroupExtrapolationSplit(n_splits=2, group=0).split(X):
    ...     print("TRAIN:", train, "TEST:", test)
    TRAIN: [0 3] TEST: [1 4]
    TRAIN: [0 1 3 4] TEST: [2 5]
    """

    def __init__(self, n_splits=3, *, group=0, scale=None, test_size=None, gap=0):
        self.group = group
        super().__init__(n_splits, scale=scale, test_size=test_size, gap=gap)

    def _check_params(self):
        # None (the first column besides the group) is a scale here too.
        scale, self.scale = self.scale, 0 if self.scale is None else self.scale
        try:
            super()._check_params()
        finally:
            self.scale = scale
        if not (isinstance(self.group, str) or _is_int(self.group)):
            raise TypeError(f"group must be a column name or position; got {self.group!r}.")

    def split(self, X, y=None, groups=None):
        """Generate train and test indices of each fold (see :meth:`ExtrapolationSplit.split`).

        Raises
        ------
        ValueError
            If the group column is missing, or a curve has too few distinct scale
            values for the splits (the message names the curve).
        """
        self._check_params()
        labels = self._labels(X)
        scale = self._scale_values_of(X)
        folds = [([], []) for _ in range(self.n_splits)]
        for label in _unique_in_order(labels):
            rows = np.flatnonzero(labels == label)
            _, rank = np.unique(scale[rows], return_inverse=True)
            rank = rank.ravel()
            try:
                bounds = self._block_bounds(np.bincount(rank))
            except ValueError as exc:
                raise ValueError(f"curve {label!r}: {exc}") from None
            for k, (train, test) in enumerate(_iter_splits(rank, bounds, self.gap)):
                folds[k][0].append(rows[train])
                folds[k][1].append(rows[test])
        return ((np.sort(np.concatenate(tr)), np.sort(np.concatenate(te))) for tr, te in folds)

    def _labels(self, X):
        if hasattr(X, "columns"):
            if isinstance(self.group, str):
                if self.group not in list(X.columns):
                    raise ValueError(f"group={self.group!r} is not a column of X.")
                return np.asarray(X[self.group])
            return np.asarray(X.iloc[:, self.group])
        if isinstance(self.group, str):
            raise ValueError(
                f"group={self.group!r} names a column, which needs X to be a DataFrame."
            )
        return np.asarray(X)[:, self.group]

    def _scale_values_of(self, X):
        if self.scale is not None:
            return self._scale_values(X)
        n_columns = X.shape[1] if hasattr(X, "shape") else np.shape(X)[1]
        columns = list(X.columns) if hasattr(X, "columns") else list(range(n_columns))
        group = columns.index(self.group) if isinstance(self.group, str) else self.group
        first = next(k for k in range(n_columns) if k != group % n_columns)
        return ExtrapolationSplit(self.n_splits, scale=first)._scale_values(X)


def _unique_in_order(labels):
    seen = {}
    for label in labels.tolist():
        seen.setdefault(label, None)
    return list(seen)


def _iter_splits(rank, bounds, gap):
    for start, stop in zip(bounds[1:-1], bounds[2:], strict=True):
        train = np.flatnonzero(rank < start - gap)
        test = np.flatnonzero((rank >= start) & (rank < stop))
        yield train, test


def _is_int(value):
    # bool is an Integral, but n_splits=True is surely a mistake.
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _n_samples(X):
    return int(X.shape[0]) if hasattr(X, "shape") else len(X)


# ============================================================================ law search


def n_free_parameters(estimator):
    """Number of free parameters of a law, a law's name or an estimator; None if unknown.

    Parameters
    ----------
    estimator : str, Law or estimator
        A registered law's name, a :class:`~sklearn_scaling.laws.Law`, an estimator
        with a ``law`` parameter (:class:`~sklearn_scaling.ScalingLawRegressor`), a
        seed estimator of this package, or a :class:`~sklearn.pipeline.Pipeline`
        ending in one of those.

    Returns
    -------
    n_parameters : int or None

    Examples
    --------
    >>> from sklearn_scaling import ScalingLawRegressor
    >>> from sklearn_scaling.model_selection import n_free_parameters
    >>> n_free_parameters("power_law"), n_free_parameters(ScalingLawRegressor("rectified"))
    (3, 4)
    """
    from sklearn.pipeline import Pipeline

    from ._estimators import DoubleDescentRegressor, LogPowerHyperparamRegressor
    from .laws import (
        DOUBLE_DESCENT_PARAMS,
        LOG_POWER_PARAMS,
        LOG_POWER_SCALING_PARAMS,
        SKEW_PARAMS,
        Law,
    )
    from .laws import get_law as _get_law

    if isinstance(estimator, str | Law):
        return _get_law(estimator).n_parameters
    if isinstance(estimator, Pipeline):
        estimator = estimator[-1]
    if isinstance(estimator, DoubleDescentRegressor):
        return len(DOUBLE_DESCENT_PARAMS)
    if isinstance(estimator, LogPowerHyperparamRegressor):
        if estimator.optimum != "scaling":
            return len(LOG_POWER_PARAMS)
        # skew=True adds its two cubic terms to the moving optimum's parameters.
        return len(LOG_POWER_SCALING_PARAMS) + (len(SKEW_PARAMS) if estimator.skew else 0)
    law = estimator.get_params(deep=False).get("law") if hasattr(estimator, "get_params") else None
    if isinstance(law, str | Law):
        try:
            return _get_law(law).n_parameters
        except ValueError:
            return None
    return None


def check_cv_supports(cv, X, estimator, y=None, groups=None):
    """Warn for every split whose training set cannot support ``estimator``'s law.

    A split that trains on no more rows than the law has free parameters fits them
    exactly (or not at all): its score says nothing about how the law extrapolates,
    and in a search it is a NaN that scikit-learn turns into a choice by position.
    The splitter cannot know the estimator, so this helper (which
    :class:`LawSearchCV` runs on every candidate) checks the pair.

    Parameters
    ----------
    cv : int, cross-validation generator or iterable
        As ``cv`` of :func:`~sklearn.model_selection.cross_validate`.
    X : array-like of shape (n_samples, n_features)
    estimator : str, Law or estimator
        Its free parameters are read by :func:`n_free_parameters`; when unknown,
        nothing is checked.
    y, groups : array-like, default=None
        Passed to ``cv.split``.

    Returns
    -------
    sizes : list of (int, int)
        ``(n_train, n_test)`` of every split.

    Warns
    -----
    UserWarning
        For each split with ``n_train <= n_parameters``, naming it and both sizes.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sklearn_scaling.model_selection import ExtrapolationSplit, check_cv_supports
    >>> X = np.arange(1.0, 13.0)[:, None]
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     sizes = check_cv_supports(ExtrapolationSplit(3), X, "broken_power_law")
    >>> sizes, len(caught)
    ([(3, 3), (6, 3), (9, 3)], 2)
    """
    cv = check_cv(cv)
    n_parameters = n_free_parameters(estimator)
    sizes = [(len(train), len(test)) for train, test in cv.split(X, y, groups)]
    if n_parameters is None:
        return sizes
    name = _describe_candidate(estimator)
    for k, (n_train, _) in enumerate(sizes):
        if n_train <= n_parameters:
            warnings.warn(
                f"split {k} of {type(cv).__name__} trains on {n_train} rows, no more than "
                f"the {n_parameters} free parameters of {name}: the law fits them exactly "
                "(or not at all) and its score there says nothing about extrapolation. "
                "Use fewer splits, min_train_size, or a law with fewer parameters.",
                UserWarning,
                stacklevel=2,
            )
    return sizes


def _describe_candidate(candidate):
    from .laws import Law

    if isinstance(candidate, str):
        return f"law {candidate!r}"
    if isinstance(candidate, Law):
        return f"law {candidate.name!r}"
    return repr(candidate)


#: Splits of the default extrapolation split (fewer when the scale has fewer values).
DEFAULT_N_SPLITS = 3


#: Share of the distinct scale values each default fold tests on (see _default_splitter).
DEFAULT_TEST_SHARE = 0.15


def _default_splitter(n_values):
    """The default folds: the last blocks of the data, each ``DEFAULT_TEST_SHARE`` of it.

    The chosen law is refitted on every row and predicts a little beyond them, so the
    folds that measure it best train on most of the rows and test just past them:
    ``DEFAULT_N_SPLITS`` blocks of ``DEFAULT_TEST_SHARE`` of the distinct scale values
    each (at least one), the latest training on all but the last block. Folds that
    train on the first quarter of the data instead test a law that has seen a
    different (earlier, more curved) part of the curve, which favours laws that fit
    early transients rather than the later trend.
    """
    test_size = max(1, int(round(DEFAULT_TEST_SHARE * n_values)))
    n_splits = max(1, min(DEFAULT_N_SPLITS, (n_values - 1) // test_size))
    test_size = min(test_size, (n_values - 1) // n_splits)
    return ExtrapolationSplit(n_splits, scale=_default_scale, test_size=test_size)


def _default_scale(X):
    """The scale a law search splits and measures distance along, from its features.

    One column: that column. Several positive columns: their product (for parameters
    and tokens, proportional to training compute ``6 N D``); else the first column.
    """
    if X.shape[1] == 1 or not np.all(X > 0):
        return X[:, 0]
    return np.exp(np.sum(np.log(X), axis=1))


def _is_raw_scale(X):
    """Whether ``X``'s columns are raw sizes (positive) rather than logarithms of them.

    A size (parameters, tokens, FLOPs, examples) is positive; a column with a value
    <= 0 is read as a logarithm (e.g. log10 compute), for the laws of a log scale.
    """
    return bool(np.all(X > 0))


def _law_takes_log_scale(law):
    """Whether a law is declared on the logarithm of a scale (e.g. log10 compute).

    Read from its ``scale`` declaration where the law has one (None for a law of any
    scale); until every law declares it, a feature named ``log...``
    (``double_descent``'s ``log10_compute``) says so.
    """
    declared = getattr(law, "scale", None)
    if isinstance(declared, dict):  # per feature: {feature: 'raw' | 'log10' | 'any' ...}
        declared = tuple(declared.values())
    if isinstance(declared, str):
        declared = (declared,)
    if isinstance(declared, list | tuple) and declared and all(s == "any" for s in declared):
        return None  # a law of any scale (a constant) is offered on both
    if isinstance(declared, list | tuple) and declared:
        return any(isinstance(s, str) and s.lower().startswith("log") for s in declared)
    return any(feature.lower().startswith("log") for feature in law.features)


def default_laws(X):
    """Names of the registered laws a search over ``X`` offers by default.

    Every law of the registry that takes ``X``'s number of columns, on the scale of
    its values: laws of a raw size for positive columns, laws of a logarithm (such as
    ``double_descent`` of log10 compute) for columns with values <= 0. Laws whose
    declared domain does not accept ``X`` are left out.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)

    Returns
    -------
    names : tuple of str

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_scaling.model_selection import default_laws
    >>> "double_descent" in default_laws(np.array([[1e6], [1e7]]))
    False
    >>> "double_descent" in default_laws(np.array([[-1.0], [2.0]]))
    True
    """
    from .laws import available_laws, get_law

    X = np.asarray(X, dtype=float)
    raw = _is_raw_scale(X)
    names = available_laws(n_features=X.shape[1])
    kept = []
    for name in names:
        law = get_law(name)
        takes_log = _law_takes_log_scale(law)
        if takes_log is not None and takes_log == raw:
            continue
        try:
            law.check_X(X)
        except ValueError:
            continue
        kept.append(name)
    return tuple(kept)


def _distance(scale, reference_max, reference_span, log_scale):
    """Extrapolation distance beyond the largest training scale (0 inside the data)."""
    if log_scale:
        return np.maximum(np.log(scale) - np.log(reference_max), 0.0)
    return np.maximum((scale - reference_max) / reference_span, 0.0)


#: Tolerance (``ftol``, ``xtol``, ``gtol``) of the fold fits of the laws a search builds
#: from their names. A fold fit only scores the law, and a relative decrease of the
#: objective below 1e-5 per step is far inside its statistical noise (about
#: ``sqrt(2 / n)`` relatively for ``n`` rows); yet the refinements of the richer laws
#: crawl along flat valleys in such steps until ``max_nfev`` (measured on one 20-point
#: learning curve, the earlier folds: 12.6 s of CPU at the default 1e-8, 3.8 s at 1e-5,
#: the same law chosen). The refit of the chosen law keeps the estimator's own tolerance.
FOLD_TOL = 1e-5


class _Box:
    """The training rows' range in every feature, to measure how far a row lies outside.

    A positive column (a size, a learning rate) is measured in ``log`` units, any other
    (a logarithm already) in units of ``span``, its range over the whole curve.
    """

    def __init__(self, X, span):
        X = np.asarray(X, dtype=float)
        self.log = np.all(X > 0, axis=0)
        values = np.where(self.log, np.log(np.where(self.log, X, 1.0)), X)
        self.low, self.high = values.min(axis=0), values.max(axis=0)
        self.unit = np.where(self.log, 1.0, np.where(span > 0, span, 1.0))

    def distance(self, X):
        """Largest step outside the box over the features, 0 inside (shape ``(n,)``)."""
        X = np.asarray(X, dtype=float)
        log = self.log & np.all(X > 0, axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(log, np.log(np.where(log, X, 1.0)), X)
        outside = np.maximum(values - self.high, self.low - values)
        # A column fitted in logs but given a value <= 0 here is as far out as can be.
        outside = np.where(self.log & ~log, np.inf, outside)
        return np.max(np.maximum(outside, 0.0) / self.unit, axis=1)


def _fit_and_score(estimator, scorer, X_train, y_train, X_test, y_test):
    """Fit a clone on a fold, predict and score its test rows.

    Returns ``(prediction, score, None)``, or ``(None, nan, reason)`` when the fit, the
    prediction or the score fails or is not finite.
    """
    estimator = clone(estimator)
    with warnings.catch_warnings():
        # A fold's own warnings (a bound, slow convergence) are not the search's
        # verdict; a fold that fails is reported by name instead.
        warnings.simplefilter("ignore")
        try:
            estimator.fit(X_train, y_train)
            prediction = np.asarray(estimator.predict(X_test), dtype=float)
            if not np.all(np.isfinite(prediction)):
                return None, np.nan, "it predicts NaN or infinity on the fold's test rows"
            score = float(scorer(estimator, X_test, y_test))
        except (ValueError, ArithmeticError, np.linalg.LinAlgError, RuntimeError) as exc:
            return None, np.nan, f"{type(exc).__name__}: {exc}"
    if not np.isfinite(score):
        return None, np.nan, f"its score is {score}"
    return prediction, score, None


def _stacking_weights(predictions, target):
    """Non-negative weights summing to 1 that minimise ``||predictions @ w - target||``.

    Solved exactly by non-negative least squares with the sum as a heavily weighted
    extra row (Breiman's stacked regression with the simplex constraint).
    """
    n_laws = predictions.shape[1]
    if n_laws == 1:
        return np.ones(1)
    scale = max(float(np.abs(predictions).max()), float(np.abs(target).max()), 1.0)
    heavy = 1e3 * scale * np.sqrt(len(target))
    A = np.vstack([predictions, np.full((1, n_laws), heavy)])
    b = np.concatenate([target, [heavy]])
    weights, _ = optimize.nnls(A, b)
    total = weights.sum()
    if not total > 0:
        return np.full(n_laws, 1.0 / n_laws)
    weights /= total
    weights[weights < 1e-6] = 0.0
    return weights / weights.sum()


def _check_candidate_accepts(estimator, X):
    """A ValueError naming the law when an explicit candidate cannot take ``X``."""
    from .laws import Law, get_law

    law = estimator.get_params(deep=False).get("law") if hasattr(estimator, "get_params") else None
    if isinstance(law, str | Law):
        law = get_law(law)
        law.check_X(X, owner=f"{type(estimator).__name__}(law={law.name!r})")


class _Curve:
    """One curve's search: its folds, scores and out-of-fold predictions, then its fit."""

    def __init__(self, key, rows, X, y):
        self.key = key
        self.rows = rows
        self.X = X
        self.y = y


class LawSearchCV(MetaEstimatorMixin, RegressorMixin, BaseEstimator):
    """Choose the scaling law that holds beyond the data, by extrapolation folds.

    Every candidate law is fitted on the smaller scales of each fold of an
    :class:`ExtrapolationSplit` and scored on the larger ones; the law with the best
    mean score is refitted on every row. Unlike ``GridSearchCV`` over
    ``ScalingLawRegressor(law=...)``, no law is chosen by its position: a candidate
    that fails (or scores NaN) on a fold is named in a warning and cannot win, and the
    default split only keeps folds with enough rows for every candidate's free
    parameters. With ``average=True`` the laws are combined instead, by weights fitted
    to the folds' out-of-fold predictions (stacking). Intervals are calibrated on the
    folds' own errors at their own extrapolation distance.

    Parameters
    ----------
    laws : list of str, Law or estimator, default=None
        The candidates: names of :func:`~sklearn_scaling.laws.available_laws`,
        :class:`~sklearn_scaling.laws.Law` declarations (each fitted as
        ``ScalingLawRegressor(law, target_space='log')`` for a positive target,
        ``'linear'`` otherwise), or estimators (cloned as they are). None offers
        :func:`default_laws` of ``X``: every registered law taking ``X``'s columns on
        their scale (raw sizes for positive columns, logarithms otherwise).
    cv : int, cross-validation generator, iterable or None, default=None
        None: ``ExtrapolationSplit(3, scale=..., test_size=t, min_train_size=p + 1)``
        along the features (one column: itself; several positive ones: their
        product): the last three blocks of ``t`` distinct scale values each, ``t``
        15% of them (at least one), so the latest fold trains on all but the last
        block, as the refit extrapolates from all rows (see Notes); ``p`` is the most
        free parameters among the candidates the data support, and there are fewer
        splits when the scale has too few distinct values. A candidate with more free
        parameters than the largest training fold can fit (with one row to spare) is
        left out with a warning; a ValueError says so when none is left. Anything
        else is checked with :func:`check_cv_supports` (warnings) and used as given.
        The laws the search builds from their names are fitted on the folds at
        tolerance ``FOLD_TOL`` (1e-5) and refitted at their own.
    scoring : str, callable or None, default=None
        A name of :func:`sklearn_scaling.metrics.get_scorer` (``'neg_rmsle'``,
        ``'r2_log'`` or scikit-learn's) or a scorer ``scorer(estimator, X, y)``;
        greater is better. None: ``'neg_rmsle'`` for a positive target, else
        ``'neg_root_mean_squared_error'``.
    average : bool, default=False
        Predict with a weighted combination of the laws instead of the best one: in
        log space for a positive target (a weighted geometric mean), else linear.
        The weights are non-negative, sum to 1, and minimise the squared (log) error
        of the combination on the folds' test rows.
    choose : {'each', 'all'}, default='each'
        With ``group``: a law per curve ('each') or one law for every curve ('all',
        by the mean over curves of each law's fold score). Without ``group`` there
        is one curve and both are the same.
    refit : bool, default=True
        Refit the chosen law (with ``average``, every law of positive weight) on all
        rows of its curve; ``predict`` and ``predict_interval`` need it.
    n_jobs : int or None, default=None
        Fits of the candidates on the folds run in parallel through joblib.
    random_state : int, RandomState instance or None, default=None
        Seeds every candidate with a ``random_state`` parameter left at None, so the
        same seed gives the same choice.
    verbose : int, default=0
        Above 0, print the table of laws and scores after the search.
    group : str, int or None, default=None
        The column of ``X`` naming the curve (a DataFrame column's name, or its
        position): the rows of each value form one curve, searched on its own (the
        other columns are the laws' features). None: all rows are one curve.

    Attributes
    ----------
    cv_results_ : dict of ndarray
        One entry per curve, candidate and fold: ``group`` (with ``group``),
        ``law``, ``fold``, ``n_train``, ``n_test``, ``distance`` (the fold's largest
        extrapolation distance, see Notes), ``score`` (NaN where the candidate
        failed), ``mean_score`` (the candidate's mean over the curve's folds, ``-inf``
        if any fold failed) and ``rank`` (1 is best, within the curve; over all
        curves for ``choose='all'``).
    best_law_ : str or dict
        The chosen law's name; with ``group`` and ``choose='each'``, ``{curve: name}``.
    best_score_ : float or dict
        Its mean fold score (per curve with ``group`` and ``choose='each'``).
    best_estimator_ : estimator or dict
        The chosen law refitted on all rows (with ``group``: ``{curve: estimator}``).
        Only with ``refit=True``.
    weights_ : dict or dict of dict
        With ``average=True``: ``{law: weight}`` (per curve with ``group`` and
        ``choose='each'``).
    estimators_ : dict
        With ``average=True`` and ``refit=True``: the laws of positive weight
        refitted on all rows, ``{law: estimator}`` (per curve with ``group``).
    laws_ : tuple of str
        The candidates searched (after those the data cannot support were left out).
    scorer_ : callable
    n_splits_ : int or dict
        Number of folds (per curve with ``group``).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` has string column names.

    See Also
    --------
    ExtrapolationSplit : The default splitter.
    check_cv_supports : The check of a splitter against a law's free parameters.
    sklearn_scaling.metrics.get_scorer : The scorer names.

    Notes
    -----
    **Folds.** A law is used to predict a little beyond *all* its rows, so the
    default folds measure that: they train on most of the rows and test on the next
    block, and the three latest such splits are kept. Folds that train on the first
    quarter of a curve instead score how a law fitted to the early, more curved part
    extrapolates, which favours laws that fit early transients over the later trend
    (measured by cross-validation on the training rows of the 20 shared learning
    curves, holding out their last fifth: the mean RMSLE of the chosen law was 0.0147
    with the earlier quarter folds and 0.0133 with these; stacking on these folds,
    ``average=True``, 0.0077).

    **Intervals.** ``predict_interval`` is split-conformal over the folds: every
    test row of every fold gives the absolute error of the prediction of the law (or
    the stacking weights) chosen by the *other* folds -- the chosen law's errors on
    the folds that chose it understate its error on new rows (measured on the 20
    shared learning curves: 90% intervals held 76.9% of the test rows calibrated on
    the chosen law, 83.3% this way) --, in ``log y`` for a positive target, divided
    by ``d + d0``, where
    ``d`` is how far the row lies beyond its fold's training rows (``log(scale /
    largest training scale)`` for a positive scale, else in units of the training
    span; with several features, at least its largest step outside the training
    rows' range in any one feature, in ``log`` units for a positive feature, so a
    model twice the largest fitted is extrapolated even at a compute inside the
    data) and ``d0`` one typical step between the curve's scale values. The interval
    at a new point is the prediction times ``exp(+-q (d + d0))``, ``q`` the
    conformal quantile of those ratios (pooled over curves with ``group``: one curve
    has too few fold rows to calibrate on its own), up to the folds' largest
    distance ``D``. Beyond it the ratios were never measured, and the error of a law
    whose curvature is off grows with the square of the distance: the half-width is
    ``q (d + d0)**2 / (D + d0)`` there, continuous at ``D``. With ``average=True`` the
    half-width is at least the normal quantile times the weighted spread between
    the laws' predictions, which grows where the laws part ways. With fewer fold
    rows than ``1 / (1 - coverage) - 1`` the largest ratio is used: the interval is
    then less sure than it says.

    A prediction more than twice as far beyond the data as any fold measured warns
    with the ratio of its scale to the largest fitted one.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_scaling.datasets import make_power_law
    >>> from sklearn_scaling.model_selection import LawSearchCV
    >>> X, y = make_power_law(n_samples=40, random_state=0)
    >>> search = LawSearchCV(["power_law", "rectified"], random_state=0).fit(X, y)
    >>> search.best_law_ in ("power_law", "rectified")
    True
    >>> low, high = search.predict_interval(X[-1:] * 2)
    >>> bool(low[0] < search.predict(X[-1:] * 2)[0] < high[0])
    True
    """

    _parameter_constraints = {
        "laws": [list, tuple, None],
        "cv": ["cv_object"],
        "scoring": [str, callable, None],
        "average": ["boolean"],
        "choose": [StrOptions({"each", "all"})],
        "refit": ["boolean"],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "group": [str, Integral, None],
    }

    def __init__(
        self,
        laws=None,
        *,
        cv=None,
        scoring=None,
        average=False,
        choose="each",
        refit=True,
        n_jobs=None,
        random_state=None,
        verbose=0,
        group=None,
    ):
        self.laws = laws
        self.cv = cv
        self.scoring = scoring
        self.average = average
        self.choose = choose
        self.refit = refit
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.group = group

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = False
        if self.group is not None:
            tags.input_tags.string = True
        return tags

    # -- input ---------------------------------------------------------------------

    def _split_X(self, X, y=None, reset=False):
        """``(features, curves)``: the laws' columns as floats, and each row's curve."""
        if self.group is None:
            if reset:
                X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
            else:
                X = validate_data(self, X, dtype=np.float64, reset=False)
            return X, None, y
        if reset:
            X, y = validate_data(self, X, y, dtype=None, ensure_all_finite=False, y_numeric=True)
        else:
            X = validate_data(self, X, dtype=None, ensure_all_finite=False, reset=False)
        X = np.asarray(X)
        column = self._group_column()
        curves = X[:, column]
        features = np.delete(X, column, axis=1)
        if features.shape[1] == 0:
            raise ValueError(
                f"group={self.group!r} is the only column of X; the laws need their "
                "features beside it."
            )
        try:
            features = features.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"Every column of X but the group column {self.group!r} must be numeric: {exc}"
            ) from None
        if not np.all(np.isfinite(features)):
            raise ValueError("Input X contains NaN or infinity in a feature column.")
        return features, curves, y

    def _group_column(self):
        group, n_features = self.group, self.n_features_in_
        if isinstance(group, str):
            names = list(getattr(self, "feature_names_in_", []))
            if group not in names:
                raise ValueError(
                    f"group={group!r} names no column of X"
                    + (f"; its columns are {names}." if names else " (X has no column names).")
                )
            return names.index(group)
        if not -n_features <= group < n_features:
            raise ValueError(f"group={group!r} is out of range for X with {n_features} columns.")
        return group % n_features

    def _curves(self, features, curves, y=None):
        """``[_Curve]``: all rows as one curve, or one per distinct group value."""
        if curves is None:
            return [_Curve(None, np.arange(len(features)), features, y)]
        keys = list(dict.fromkeys(curves.tolist()))
        out = []
        for key in keys:
            rows = np.flatnonzero(curves == key)
            out.append(_Curve(key, rows, features[rows], None if y is None else y[rows]))
        return out

    # -- candidates ----------------------------------------------------------------

    def _candidates(self, X, positive, seed):
        """``[(label, estimator)]`` for the laws to search, before the data's support."""
        from . import ScalingLawRegressor
        from .laws import Law, get_law

        space = "log" if positive else "linear"
        explicit = self.laws is not None
        laws = list(self.laws) if explicit else list(default_laws(X))
        if not laws:
            raise ValueError(
                f"No registered law takes X's {X.shape[1]} column(s) on their scale "
                f"({'raw sizes' if _is_raw_scale(X) else 'logarithms'}); pass laws=[...]."
            )
        candidates, labels, built = [], set(), set()
        for law in laws:
            if isinstance(law, str | Law):
                # A registered law goes by its name, so the estimator's repr says it.
                estimator = ScalingLawRegressor(law, target_space=space)
                built.add(len(candidates))
                label = get_law(law).name
            elif hasattr(law, "fit") and hasattr(law, "predict"):
                estimator = law
                inner = (
                    law.get_params(deep=False).get("law") if hasattr(law, "get_params") else None
                )
                label = get_law(inner).name if isinstance(inner, str | Law) else type(law).__name__
            else:
                raise ValueError(
                    f"laws must hold law names, Law declarations or estimators; got {law!r}."
                )
            if explicit:
                _check_candidate_accepts(estimator, X)
            base, k = label, 2
            while label in labels:
                label, k = f"{base}#{k}", k + 1
            labels.add(label)
            params = estimator.get_params(deep=False) if hasattr(estimator, "get_params") else {}
            if "random_state" in params and params["random_state"] is None:
                estimator = clone(estimator).set_params(random_state=seed)
            candidates.append((label, estimator))
        # The laws the search named itself: their fold fits may take its tolerance.
        self._built_candidates = built
        return candidates

    # -- fit -----------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Search the laws on extrapolation folds, then refit the choice.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            The laws' features (and with ``group`` the curve column).
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : LawSearchCV

        Raises
        ------
        ValueError
            When no candidate takes ``X``, the data cannot support any candidate, or
            every candidate fails on some fold.

        Warns
        -----
        UserWarning
            For each candidate left out (too many free parameters for the data), and
            each candidate that fails or scores NaN on a fold (it cannot be chosen).
        """
        features, curves, y = self._split_X(X, y, reset=True)
        y = np.asarray(y, dtype=np.float64)
        if not np.all(np.isfinite(y)):
            raise ValueError("Input y contains NaN or infinity.")
        positive = bool(np.all(y > 0))
        self._log_space = positive
        scoring = self.scoring
        if scoring is None:
            scoring = "neg_rmsle" if positive else "neg_root_mean_squared_error"
        self.scorer_ = get_scorer(scoring)
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        candidates = self._candidates(features, positive, seed)
        labels = [label for label, _ in candidates]
        parts = self._curves(features, curves, y)
        for curve in parts:
            self._plan_folds(curve, candidates)
        jobs = [
            (c, i, k)
            for c, curve in enumerate(parts)
            for i in curve.supported
            for k in range(len(curve.folds))
        ]
        fold_estimators = [self._fold_estimator(i, c) for i, c in enumerate(candidates)]
        outputs = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_and_score)(
                fold_estimators[i],
                self.scorer_,
                parts[c].X[parts[c].folds[k][0]],
                parts[c].y[parts[c].folds[k][0]],
                parts[c].X[parts[c].folds[k][1]],
                parts[c].y[parts[c].folds[k][1]],
            )
            for c, i, k in jobs
        )
        for curve in parts:
            curve.predictions = {}
            curve.scores = np.full((len(candidates), len(curve.folds)), np.nan)
        for (c, i, k), (prediction, score, reason) in zip(jobs, outputs, strict=True):
            curve = parts[c]
            train, test = curve.folds[k]
            where = "" if curve.key is None else f" of curve {curve.key!r}"
            curve.scores[i, k] = score
            if prediction is not None:
                curve.predictions[i, k] = prediction
            else:
                warnings.warn(
                    f"LawSearchCV: law {labels[i]!r} failed on fold {k}{where} (trained on "
                    f"{len(train)} rows, tested on {len(test)}): {reason}. It cannot be "
                    "chosen for that curve.",
                    UserWarning,
                    stacklevel=3,
                )
        self.laws_ = tuple(labels)
        self._choose(parts, labels)
        self._results(parts, labels)
        if self.average:
            self._fit_weights(parts, labels)
        self._calibrate(parts, labels)
        if self.refit:
            self._refit(parts, candidates, labels)
        self._store(parts)
        if self.verbose:
            print(self.format_results())
        return self

    def _fold_estimator(self, index, candidate):
        """The estimator fitted on the folds: a law named by the search at ``FOLD_TOL``.

        Estimators the user passed are fitted on the folds as given.
        """
        _, estimator = candidate
        if index in self._built_candidates:
            return clone(estimator).set_params(tol=FOLD_TOL)
        return estimator

    def _plan_folds(self, curve, candidates):
        """The curve's folds and the candidates it supports, warning for the others."""
        X, y = curve.X, curve.y
        where = "" if curve.key is None else f" on curve {curve.key!r}"
        cv = self.cv
        scale = _default_scale(X)
        if cv is None:
            n_values = len(np.unique(scale))
            if n_values < 2:
                raise ValueError(
                    f"The scale{where} has {n_values} distinct value(s); a law's extrapolation "
                    "needs at least 2 (one to fit, a larger one to test)."
                )
            splitter = _default_splitter(n_values)
            largest_train = max(len(train) for train, _ in splitter.split(X))
            supported, needed = [], []
            for i, (label, estimator) in enumerate(candidates):
                p = n_free_parameters(estimator) or 1
                if p + 1 <= largest_train:
                    supported.append(i)
                    needed.append(p + 1)
                else:
                    warnings.warn(
                        f"LawSearchCV: law {label!r} has {p} free parameters, but the largest "
                        f"extrapolation fold{where} trains on {largest_train} of {len(y)} rows; "
                        "it is left out of the search. Add runs or pass cv=... to keep it.",
                        UserWarning,
                        stacklevel=4,
                    )
            if not supported:
                fewest = min(n_free_parameters(e) or 1 for _, e in candidates)
                raise ValueError(
                    f"The data{where} cannot support the comparison: {len(y)} rows, whose "
                    f"largest extrapolation fold trains on {largest_train}, while every "
                    f"candidate needs at least {fewest + 1}."
                )
            splitter.min_train_size = max(needed)
            folds = list(splitter.split(X))
            scale_values = scale
        else:
            folds = [(np.asarray(tr), np.asarray(te)) for tr, te in check_cv(cv).split(X, y)]
            supported = list(range(len(candidates)))
            for _, estimator in candidates:
                with warnings.catch_warnings():
                    warnings.simplefilter("always")
                    check_cv_supports(folds, X, estimator)
            scale_values = cv._scale_values(X) if isinstance(cv, ExtrapolationSplit) else scale
        curve.folds = folds
        curve.supported = supported
        curve.scale = np.asarray(scale_values, dtype=float)
        curve.log_scale = bool(np.all(curve.scale > 0))
        span = float(curve.scale.max() - curve.scale.min())
        curve.span = span if span > 0 else 1.0
        curve.train_max = float(curve.scale.max())
        # Several features: a row can lie beyond the data in one of them (a model twice
        # the largest fitted) at a scale (compute) inside it; it is as far out as its
        # largest step outside the training rows' range in any feature.
        curve.feature_span = np.ptp(X, axis=0)
        curve.box = _Box(X, curve.feature_span) if X.shape[1] > 1 else None
        # One typical step between the curve's scale values, in distance units: the
        # error a law makes one step beyond its data is the floor of its uncertainty.
        distances = _distance(
            np.unique(curve.scale), curve.scale.min(), curve.span, curve.log_scale
        )
        steps = np.diff(distances)
        curve.step = float(np.median(steps)) if steps.size else 1.0

    def _choose(self, parts, labels):
        for curve in parts:
            valid = np.all(np.isfinite(curve.scores), axis=1)
            curve.mean = np.where(
                valid, np.mean(np.where(valid[:, None], curve.scores, 0.0), axis=1), -np.inf
            )
        if self.choose == "all" and len(parts) > 1:
            means = np.stack([curve.mean for curve in parts])
            overall = np.where(np.all(np.isfinite(means), axis=0), means.mean(axis=0), -np.inf)
            if not np.any(np.isfinite(overall)):
                raise ValueError(
                    "LawSearchCV(choose='all'): no law scored on every fold of every curve; "
                    "see the warnings above, or use choose='each'."
                )
            best = int(np.argmax(overall))
            for curve in parts:
                curve.best = best
                curve.rank_scores = overall
            self._overall = overall
        else:
            for curve in parts:
                if not np.any(np.isfinite(curve.mean)):
                    where = "" if curve.key is None else f" of curve {curve.key!r}"
                    raise ValueError(
                        f"LawSearchCV: every candidate failed on some fold{where} (see the "
                        "warnings above); no law can be chosen."
                    )
                curve.best = int(np.argmax(curve.mean))
                curve.rank_scores = curve.mean
            self._overall = None
        grouped = self.group is not None
        if grouped and self.choose == "each":
            self.best_law_ = {curve.key: labels[curve.best] for curve in parts}
            self.best_score_ = {curve.key: float(curve.mean[curve.best]) for curve in parts}
            self.n_splits_ = {curve.key: len(curve.folds) for curve in parts}
        else:
            best = parts[0].best
            self.best_law_ = labels[best]
            score = self._overall[best] if self._overall is not None else parts[0].mean[best]
            self.best_score_ = float(score)
            self.n_splits_ = (
                {curve.key: len(curve.folds) for curve in parts} if grouped else len(parts[0].folds)
            )

    def _results(self, parts, labels):
        columns = {k: [] for k in ("group", "law", "fold", "n_train", "n_test", "distance",
                                   "score", "mean_score", "rank")}  # fmt: skip
        for curve in parts:
            order = np.argsort(-curve.rank_scores, kind="stable")
            rank = np.empty(len(labels), dtype=int)
            rank[order] = np.arange(1, len(labels) + 1)
            for i in curve.supported:
                for k, (train, test) in enumerate(curve.folds):
                    columns["group"].append(curve.key)
                    columns["law"].append(labels[i])
                    columns["fold"].append(k)
                    columns["n_train"].append(len(train))
                    columns["n_test"].append(len(test))
                    columns["distance"].append(float(self._fold_distance(curve, k).max()))
                    columns["score"].append(curve.scores[i, k])
                    columns["mean_score"].append(curve.rank_scores[i])
                    columns["rank"].append(rank[i])
        results = {
            "law": np.array(columns["law"], dtype=object),
            "fold": np.array(columns["fold"], dtype=int),
            "n_train": np.array(columns["n_train"], dtype=int),
            "n_test": np.array(columns["n_test"], dtype=int),
            "distance": np.array(columns["distance"], dtype=float),
            "score": np.array(columns["score"], dtype=float),
            "mean_score": np.array(columns["mean_score"], dtype=float),
            "rank": np.array(columns["rank"], dtype=int),
        }
        if self.group is not None:
            results = {"group": np.array(columns["group"], dtype=object), **results}
        self.cv_results_ = results

    def _fold_distance(self, curve, k):
        train, test = curve.folds[k]
        s = curve.scale
        distance = _distance(s[test], s[train].max(), curve.span, curve.log_scale)
        if curve.box is not None:
            box = _Box(curve.X[train], curve.feature_span)
            distance = np.maximum(distance, box.distance(curve.X[test]))
        return distance

    def _transform(self, values):
        return np.log(values) if self._log_space else values

    def _fit_weights(self, parts, labels):
        """Stacking weights on the folds' test rows (per curve, or pooled for 'all')."""

        def stack(curves, usable):
            predictions, target = [], []
            for curve in curves:
                for k, (_, test) in enumerate(curve.folds):
                    predictions.append(
                        np.column_stack([self._transform(curve.predictions[i, k]) for i in usable])
                    )
                    target.append(self._transform(curve.y[test]))
            return _stacking_weights(np.vstack(predictions), np.concatenate(target))

        if self.choose == "all" and len(parts) > 1:
            usable = [i for i in range(len(labels)) if np.isfinite(self._overall[i])]
            weights = stack(parts, usable)
            for curve in parts:
                curve.weights = dict(zip(usable, weights, strict=True))
        else:
            for curve in parts:
                usable = [i for i in range(len(labels)) if np.isfinite(curve.mean[i])]
                curve.weights = dict(zip(usable, stack([curve], usable), strict=True))
        for curve in parts:
            curve.weights = {i: float(w) for i, w in curve.weights.items() if w > 0}

        def named(curve):
            return {labels[i]: w for i, w in curve.weights.items()}

        if self.group is not None and self.choose == "each":
            self.weights_ = {curve.key: named(curve) for curve in parts}
        else:
            self.weights_ = named(parts[0])

    def _combine(self, curve, predictions):
        """The curve's prediction from ``{candidate: prediction}``: chosen or combined."""
        if not self.average:
            return predictions[curve.best]
        total = sum(w * self._transform(predictions[i]) for i, w in curve.weights.items())
        return np.exp(total) if self._log_space else total

    def _spread(self, curve, predictions):
        """Weighted standard deviation between the laws' (log) predictions."""
        center = sum(w * self._transform(predictions[i]) for i, w in curve.weights.items())
        variance = sum(
            w * (self._transform(predictions[i]) - center) ** 2 for i, w in curve.weights.items()
        )
        return np.sqrt(variance)

    def _held_out_choice(self, curve, k, pooled):
        """The choice (or weights) the search makes without fold ``k``: ``(best, weights)``.

        The chosen law is the one whose fold errors were smallest, so its errors on the
        very folds it was chosen by understate its error on new rows (the winner's
        curse; measured on the 20 shared learning curves: 90% intervals held 77% of
        their test rows). Each fold is calibrated instead on the law, or the stacking
        weights, chosen by the other folds, as a new row is predicted by a choice made
        without it. One fold, or one choice pooled over curves, keeps the choice.
        """
        others = [j for j in range(len(curve.folds)) if j != k]
        if pooled or not others:
            return curve.best, getattr(curve, "weights", None)
        valid = np.all(np.isfinite(curve.scores), axis=1)
        mean = np.where(valid, np.mean(np.where(valid[:, None], curve.scores, 0.0)[:, others],
                                       axis=1), -np.inf)  # fmt: skip
        best = int(np.argmax(mean))
        if not self.average:
            return best, None
        usable = [i for i in range(len(mean)) if np.isfinite(mean[i])]
        predictions = np.vstack(
            [
                np.column_stack([self._transform(curve.predictions[i, j]) for i in usable])
                for j in others
            ]
        )
        target = np.concatenate([self._transform(curve.y[curve.folds[j][1]]) for j in others])
        weights = _stacking_weights(predictions, target)
        return best, {i: float(w) for i, w in zip(usable, weights, strict=True) if w > 0}

    def _calibrate(self, parts, labels):
        """Conformal scores: the folds' |error| over (distance + one step)."""
        ratios, distances = [], []
        pooled = self.choose == "all" and len(parts) > 1
        for curve in parts:
            curve.max_distance = 0.0
            for k, (_, test) in enumerate(curve.folds):
                held = _Curve(None, None, None, None)
                held.best, held.weights = self._held_out_choice(curve, k, pooled)
                needed = held.weights if self.average else {held.best: 1.0}
                predictions = {i: curve.predictions[i, k] for i in needed}
                combined = self._combine(held, predictions)
                error = np.abs(self._transform(combined) - self._transform(curve.y[test]))
                distance = self._fold_distance(curve, k)
                ratios.append(error / (distance + curve.step))
                distances.append(distance)
                curve.max_distance = max(curve.max_distance, float(distance.max()))
        self._conformal_ratios = np.sort(np.concatenate(ratios))

    def _refit(self, parts, candidates, labels):
        for curve in parts:
            # The best law is refitted even at weight 0, so best_estimator_ is always it.
            needed = sorted({*curve.weights, curve.best}) if self.average else [curve.best]
            curve.fitted = {}
            for i in needed:
                estimator = clone(candidates[i][1])
                estimator.fit(curve.X, curve.y)
                curve.fitted[i] = estimator
        grouped = self.group is not None
        if grouped:
            self.best_estimator_ = {curve.key: curve.fitted.get(curve.best) for curve in parts}
        else:
            self.best_estimator_ = parts[0].fitted.get(parts[0].best)
        if self.average:
            if grouped:
                self.estimators_ = {
                    curve.key: {labels[i]: curve.fitted[i] for i in curve.weights}
                    for curve in parts
                }
            else:
                self.estimators_ = {labels[i]: parts[0].fitted[i] for i in parts[0].weights}

    def _store(self, parts):
        """What prediction needs of each curve, without its data."""
        keep = ("best", "weights", "fitted", "train_max", "span", "log_scale", "step",
                "max_distance", "box")  # fmt: skip
        self._fits = {
            curve.key: {name: getattr(curve, name, None) for name in keep} for curve in parts
        }
        self._scale_splitter = self.cv if isinstance(self.cv, ExtrapolationSplit) else None

    # -- prediction ----------------------------------------------------------------

    def _routes(self, X):
        """``[(fit, rows, features)]``: which curve's fit predicts which rows of ``X``."""
        check_is_fitted(self)
        if not self.refit:
            raise AttributeError(
                "LawSearchCV(refit=False) keeps no fitted law; use refit=True to predict."
            )
        features, curves, _ = self._split_X(X)
        if curves is None:
            return [(self._fits[None], np.arange(len(features)), features)]
        routes = []
        for key in dict.fromkeys(curves.tolist()):
            if key not in self._fits:
                raise ValueError(
                    f"group value {key!r} of X is no curve the search was fitted on; "
                    f"its curves are {list(self._fits)}."
                )
            rows = np.flatnonzero(curves == key)
            routes.append((self._fits[key], rows, features[rows]))
        return routes

    def _law_predictions(self, fit, X):
        needed = fit["weights"] if self.average else {fit["best"]: 1.0}
        return {i: np.asarray(fit["fitted"][i].predict(X), dtype=float) for i in needed}

    def _scale(self, X):
        if self._scale_splitter is not None:
            return np.asarray(self._scale_splitter._scale_values(X), dtype=float)
        return _default_scale(X)

    def _distances(self, fit, X):
        """Extrapolation distance of each row, warning when far beyond the folds."""
        scale = self._scale(X)
        log_scale = fit["log_scale"] and np.all(scale > 0)
        along_scale = _distance(scale, fit["train_max"], fit["span"], log_scale)
        distance = along_scale
        if fit["box"] is not None:
            distance = np.maximum(distance, fit["box"].distance(X))
        limit = 2.0 * max(fit["max_distance"], fit["step"])
        if np.any(distance > limit):
            far = int(np.argmax(distance))
            ratio = scale[far] / fit["train_max"] if fit["train_max"] > 0 else np.inf
            where = (
                f"X reaches {ratio:.3g} times the largest fitted scale ({scale[far]:.4g} "
                f"vs {fit['train_max']:.4g})"
                if along_scale[far] >= distance[far]
                else f"row {far} of X lies outside the fitted rows' range in a feature (by "
                f"{distance[far]:.3g} in log units, or in spans for a feature that is a "
                "logarithm)"
            )
            warnings.warn(
                f"LawSearchCV: {where}, more than twice as far beyond the data as any "
                "extrapolation fold measured; the prediction and its interval there rest "
                "on the law alone.",
                UserWarning,
                stacklevel=3,
            )
        return distance

    def predict(self, X):
        """The chosen law's prediction (with ``average=True``, the laws' combination).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)

        Warns
        -----
        UserWarning
            When ``X`` lies more than twice as far beyond the data as any fold
            measured, with the ratio of its scale to the largest fitted one.
        """
        out = None
        for fit, rows, features in self._routes(X):
            self._distances(fit, features)
            curve = _Curve(None, rows, features, None)
            curve.best, curve.weights = fit["best"], fit["weights"]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                prediction = self._combine(curve, self._law_predictions(fit, features))
            if out is None:
                out = np.empty(_n_samples_of(X), dtype=float)
            out[rows] = prediction
        return out

    def predict_interval(self, X, coverage=0.9):
        """Interval calibrated on the extrapolation folds' own errors (see Notes).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        coverage : float, default=0.9
            Share of new runs the interval is meant to hold, in (0, 1).

        Returns
        -------
        low, high : ndarray of shape (n_samples,)
            Finite, with ``low <= predict(X) <= high``; multiplicative around the
            prediction for a positive target.
        """
        coverage = check_coverage(coverage)
        ratios = self._conformal_ratios
        n = len(ratios)
        rank = int(np.ceil((n + 1) * coverage))
        q = float(ratios[min(rank, n) - 1])
        z = float(stats.norm.ppf(0.5 + 0.5 * coverage))
        low = np.empty(_n_samples_of(X), dtype=float)
        high = np.empty_like(low)
        for fit, rows, features in self._routes(X):
            distance = self._distances(fit, features)
            curve = _Curve(None, rows, features, None)
            curve.best, curve.weights = fit["best"], fit["weights"]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                laws = self._law_predictions(fit, features)
            center = self._transform(self._combine(curve, laws))
            reach = distance + fit["step"]
            # The ratios are measured up to the folds' largest distance. Beyond it the
            # error of a law whose curvature is off grows with the square of the
            # distance, not linearly: the interval widens as fast from there on.
            measured = fit["max_distance"] + fit["step"]
            half = q * reach * np.maximum(1.0, reach / measured)
            if self.average:
                half = np.maximum(half, z * self._spread(curve, laws))
            if self._log_space:
                low[rows], high[rows] = np.exp(center - half), np.exp(center + half)
            else:
                low[rows], high[rows] = center - half, center + half
        return low, high

    def score(self, X, y, sample_weight=None):
        """The search's own score (``scorer_``; by default ``-RMSLE``) of ``X, y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
            Greater is better.
        """
        check_is_fitted(self)
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        return float(self.scorer_(self, X, y, **kwargs))

    def format_results(self):
        """The table of laws and their fold scores, as plain text (Markdown).

        Returns
        -------
        table : str
        """
        check_is_fitted(self)
        res = self.cv_results_
        keys = res["group"] if "group" in res else np.full(len(res["law"]), None, dtype=object)
        lines = []
        header = "| " + ("curve | " if "group" in res else "") + "law | rank | mean score | "
        header += "fold scores (n_train/n_test) |"
        weights = getattr(self, "weights_", None)
        if weights is not None:
            header += " weight |"
        lines += [header, "|" + "---|" * (header.count("|") - 1)]
        seen = dict.fromkeys(zip(keys.tolist(), res["law"].tolist(), strict=True))
        rows = []
        for key, law in seen:
            mask = (keys == key) & (res["law"] == law) if key is not None else res["law"] == law
            folds = " ".join(
                f"{s:.4g} ({a}/{b})"
                for s, a, b in zip(
                    res["score"][mask], res["n_train"][mask], res["n_test"][mask], strict=True
                )  # fmt: skip
            )
            mean = res["mean_score"][mask][0]
            cells = ([str(key)] if "group" in res else []) + [
                law,
                str(res["rank"][mask][0]),
                f"{mean:.5g}" if np.isfinite(mean) else "failed",
                folds,
            ]
            if weights is not None:
                w = (
                    weights.get(key, {})
                    if self.group is not None and self.choose == "each"
                    else weights
                )
                cells.append(f"{w.get(law, 0.0):.3f}")
            rows.append((key, res["rank"][mask][0], "| " + " | ".join(cells) + " |"))
        rows.sort(key=lambda r: (str(r[0]), r[1]))
        return "\n".join(lines + [r[2] for r in rows])


def _n_samples_of(X):
    return int(X.shape[0]) if hasattr(X, "shape") else len(X)
