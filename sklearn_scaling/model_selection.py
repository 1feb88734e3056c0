"""Cross-validation for scaling laws.

A scaling law is used where no run exists yet: at a larger scale than any run it was
fitted on. Random K-fold measures interpolation and so flatters a law that bends the
wrong way just past the data. :class:`ExtrapolationSplit` instead always tests on
larger scales than it trains on.
"""

import numbers
import warnings

import numpy as np
from scipy import sparse
from sklearn.model_selection import BaseCrossValidator

__all__ = ["ExtrapolationSplit", "GroupExtrapolationSplit"]


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
    ExtrapolationSplit(gap=0, n_splits=3, scale=0, test_size=None)
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
    """

    def __init__(self, n_splits=5, *, scale=0, test_size=None, gap=0):
        self.n_splits = n_splits
        self.scale = scale
        self.test_size = test_size
        self.gap = gap
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
        X : object
            Always ignored, exists for API compatibility.

        y : object
            Always ignored, exists for API compatibility.

        groups : object
            Always ignored, exists for API compatibility.

        Returns
        -------
        n_splits : int
            Number of splitting iterations in the cross-validator.
        """
        return self.n_splits

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
        self._check_params()
        # Validate eagerly: a generator body would defer every error to the first
        # ``next``, far from the call that caused it.
        scale = self._scale_values(X)
        _, rank = np.unique(scale, return_inverse=True)
        rank = rank.ravel()
        bounds = self._block_bounds(np.bincount(rank))
        return _iter_splits(rank, bounds, self.gap)

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
