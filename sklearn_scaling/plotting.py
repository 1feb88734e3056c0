"""Plots of fitted scaling laws, following scikit-learn's Display API.

:class:`ScalingLawDisplay` draws a fitted law over its data: the double-descent curve
of a score against log10 compute with its peak, or the loss against learning rate at a
few fixed (batch size, data size, model size) slices with each curve's optimum.

matplotlib is an optional dependency (``pip install 'sklearn_scaling[plot]'``): it is
imported only when something is drawn, so this module imports without it.
"""

import numbers

import numpy as np
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted

from ._estimators import DoubleDescentRegressor, LogPowerHyperparamRegressor

__all__ = ["ScalingLawDisplay"]

_KINDS = ("double_descent", "learning_rate")

# An optimum further than this (in decades) beyond the plotted data is not worth
# squashing the whole plot for: its marker is left out instead.
_MAX_OPTIMUM_REACH = 2.0

# Short matplotlib aliases mapped to their full names, so that a user's "c" or "lw"
# replaces the default "color" or "linewidth" instead of clashing with it.
_ALIASES = {
    "c": "color",
    "ls": "linestyle",
    "lw": "linewidth",
    "ms": "markersize",
    "mec": "markeredgecolor",
    "mfc": "markerfacecolor",
    "mew": "markeredgewidth",
    "ec": "edgecolor",
    "fc": "facecolor",
}


def _check_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            "ScalingLawDisplay requires matplotlib; install it with "
            "pip install 'sklearn_scaling[plot]'."
        ) from exc


def _style(defaults, user):
    """Merge the user's matplotlib keywords over the defaults."""
    if user is None:
        return dict(defaults)
    if not isinstance(user, dict):
        raise TypeError(f"style keywords must be a dict or None; got {type(user).__name__}.")
    for short, full in _ALIASES.items():
        if short in user and full in user:
            raise TypeError(f"Got both {short!r} and {full!r}, which are aliases of one another.")
    merged = dict(defaults)
    merged.update({_ALIASES.get(key, key): value for key, value in user.items()})
    return merged


def _format_size(value):
    text = f"{value:.3g}"
    mantissa, _, exponent = text.partition("e")
    return f"{mantissa}e{int(exponent)}" if exponent else text


def _slice_label(slice_):
    batch_size, data_size, param_size = slice_
    # Batch sizes are counts people read exactly (2048, not 2.05e3).
    batch = f"{batch_size:.0f}" if float(batch_size).is_integer() else f"{batch_size:.3g}"
    return f"B={batch}, D={_format_size(data_size)}, N={_format_size(param_size)}"


def _check_number(name, value, *, low, integer=False):
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind) or not np.isfinite(value):
        what = "an integer" if integer else "a finite number"
        raise ValueError(f"{name} must be {what}; got {value!r}.")
    if value < low:
        raise ValueError(f"{name} must be >= {low}; got {value!r}.")


def _predict(estimator, X):
    # A grid passed as a bare array to an estimator fitted on a DataFrame would warn
    # about missing feature names, so it gets the training column names back.
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None:
        import pandas as pd

        X = pd.DataFrame(X, columns=names)
    return np.asarray(estimator.predict(X), dtype=float)


def _validate_xy(X, y, n_columns, name):
    X = check_array(X, dtype=np.float64, input_name=name)
    if X.shape[1] != n_columns:
        raise ValueError(f"{name} must have {n_columns} column(s); got {X.shape[1]}.")
    y = check_array(y, dtype=np.float64, ensure_2d=False, input_name=f"y for {name}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"{name} has {X.shape[0]} rows but its y has {y.shape[0]}.")
    return X, y


def _select_target(y, target, name):
    if y.ndim == 1:
        return y
    if y.ndim != 2 or target >= y.shape[1]:
        raise ValueError(f"{name} has shape {y.shape}; cannot take target column {target}.")
    return y[:, target]


def _log10_span(values, extend):
    logs = np.log10(values)
    return logs.min() - extend, logs.max() + extend


class ScalingLawDisplay:
    """A fitted scaling law drawn over its data.

    Two kinds of plot exist. ``kind="double_descent"`` draws a score against log10
    compute: the data as a scatter (training and test rows told apart), the law as a
    curve and its peak as a star. ``kind="learning_rate"`` draws the loss against
    learning rate (log axis) at a few slices of fixed (batch size, data size, model
    size): per slice, the rows of that slice, the law as a curve and the curve's
    optimum as a star.

    Build one with :meth:`from_estimator` (from a fitted
    :class:`~sklearn_scaling.DoubleDescentRegressor` or
    :class:`~sklearn_scaling.LogPowerHyperparamRegressor`) or :meth:`from_predictions`
    (from your own curve); the constructor only stores what :meth:`plot` draws.

    Parameters
    ----------
    kind : {'double_descent', 'learning_rate'}
        Which plot to draw.
    x_data, y_data : ndarray of shape (n_samples,) or list of such arrays
        The data: log10 compute and score for 'double_descent'; for 'learning_rate' one
        array of learning rates (and of losses) per slice.
    x_curve, y_curve : ndarray of shape (n_points,) or list of such arrays
        The law on a grid: one curve, or one per slice for 'learning_rate'.
    is_test : ndarray of bool or list of such arrays, default=None
        Which data points are test rows (same layout as ``x_data``); None means all
        are training rows.
    peak : tuple of float or None, default=None
        ``(log10 compute, score)`` of the peak, 'double_descent' only.
    optimum : list of (tuple of float or None) or None, default=None
        ``(learning rate, loss)`` of each curve's optimum, 'learning_rate' only; a None
        entry draws no marker for that slice.
    slices : list of tuple or None, default=None
        ``(batch size, data size, model size)`` of each curve, used for the legend;
        'learning_rate' only.
    law_name : str or None, default=None
        Title of the axes.
    peak_label : str, default='peak'
        Legend name of the marked extremum: 'trough' for a double-descent 'dip'.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes the plot is drawn on.
    figure_ : matplotlib Figure
        Figure holding ``ax_``.
    scatter_ : list of matplotlib PathCollection
        The data. For 'double_descent' ``[train]`` or ``[train, test]``; for
        'learning_rate' one collection of training rows per slice, followed by one of
        test rows per slice when there are test rows.
    lines_ : list of matplotlib Line2D
        The law: one curve, or one per slice.
    peak_marker_ : matplotlib Line2D or None
        The peak ('double_descent' with a peak), else None.
    optimum_markers_ : list of (matplotlib Line2D or None) or None
        One marker per slice ('learning_rate'), None for slices without an optimum;
        None for 'double_descent'.

    See Also
    --------
    ScalingLawDisplay.from_estimator : Plot a fitted scaling-law regressor.
    ScalingLawDisplay.from_predictions : Plot data and a curve computed elsewhere.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn_scaling.plotting import ScalingLawDisplay
    >>> x_curve = np.linspace(-1.0, 3.0, 50)
    >>> disp = ScalingLawDisplay(
    ...     kind="double_descent",
    ...     x_data=np.array([0.0, 1.0, 2.0]),
    ...     y_data=np.array([-0.6, -0.5, -0.7]),
    ...     x_curve=x_curve,
    ...     y_curve=-0.6 + 0.1 * np.exp(-((x_curve - 1.0) ** 2)),
    ...     peak=(1.0, -0.5),
    ... ).plot()
    >>> type(disp.ax_).__name__, len(disp.lines_), len(disp.scatter_)
    ('Axes', 1, 1)
    >>> import matplotlib.pyplot as plt
    >>> plt.close(disp.figure_)
    """

    def __init__(
        self,
        *,
        kind,
        x_data,
        y_data,
        x_curve,
        y_curve,
        is_test=None,
        peak=None,
        optimum=None,
        slices=None,
        law_name=None,
        peak_label="peak",
    ):
        self.kind = kind
        self.peak_label = peak_label
        self.x_data = x_data
        self.y_data = y_data
        self.x_curve = x_curve
        self.y_curve = y_curve
        self.is_test = is_test
        self.peak = peak
        self.optimum = optimum
        self.slices = slices
        self.law_name = law_name

    # ------------------------------------------------------------------------- drawing

    def plot(self, ax=None, *, scatter_kwargs=None, line_kwargs=None, marker_kwargs=None):
        """Draw the plot.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a new figure and axes.
        scatter_kwargs : dict, default=None
            Keywords for every ``Axes.scatter`` call (the data), over the defaults.
        line_kwargs : dict, default=None
            Keywords for every ``Axes.plot`` call drawing a curve, over the defaults.
        marker_kwargs : dict, default=None
            Keywords for the peak or optimum markers, over the defaults.

        Returns
        -------
        display : ScalingLawDisplay
            This display, with ``ax_``, ``figure_`` and the artists set.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt
        >>> import numpy as np
        >>> from sklearn_scaling.plotting import ScalingLawDisplay
        >>> fig, ax = plt.subplots()
        >>> disp = ScalingLawDisplay(
        ...     kind="double_descent", x_data=np.array([0.0, 1.0]), y_data=np.array([-0.5, -0.6]),
        ...     x_curve=np.array([-0.5, 1.5]), y_curve=np.array([-0.5, -0.6]),
        ... ).plot(ax=ax, line_kwargs={"color": "tab:green"})
        >>> disp.ax_ is ax
        True
        >>> plt.close(fig)
        """
        _check_matplotlib()
        if self.kind not in _KINDS:
            raise ValueError(f"kind must be one of {list(_KINDS)}; got {self.kind!r}.")
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        self.peak_marker_ = None
        self.optimum_markers_ = None
        if self.kind == "double_descent":
            self._plot_double_descent(ax, scatter_kwargs, line_kwargs, marker_kwargs)
        else:
            self._plot_learning_rate(ax, scatter_kwargs, line_kwargs, marker_kwargs)
        if self.law_name is not None:
            ax.set_title(self.law_name)
        ax.legend(fontsize="small")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    def _plot_double_descent(self, ax, scatter_kwargs, line_kwargs, marker_kwargs):
        x = np.asarray(self.x_data, dtype=float)
        y = np.asarray(self.y_data, dtype=float)
        is_test = (
            np.zeros(x.shape, dtype=bool)
            if self.is_test is None
            else np.asarray(self.is_test, dtype=bool)
        )
        has_test = bool(is_test.any())
        label = "train" if has_test else "data"
        train_style = {"color": "C0", "marker": "o", "s": 24, "alpha": 0.8, "label": label}
        test_style = {"color": "C1", "marker": "^", "s": 36, "alpha": 0.9, "label": "test"}
        self.scatter_ = [
            ax.scatter(x[~is_test], y[~is_test], **_style(train_style, scatter_kwargs))
        ]
        if has_test:
            self.scatter_.append(
                ax.scatter(x[is_test], y[is_test], **_style(test_style, scatter_kwargs))
            )
        line_style = {"color": "black", "linewidth": 2, "label": "fit", "zorder": 3}
        (line,) = ax.plot(self.x_curve, self.y_curve, **_style(line_style, line_kwargs))
        self.lines_ = [line]
        if self.peak is not None:
            peak_x, peak_y = self.peak
            marker_style = {
                "marker": "*",
                "markersize": 16,
                "color": "tab:red",
                "markeredgecolor": "black",
                "linestyle": "none",
                "label": f"{self.peak_label} ({peak_x:.2f}, {peak_y:.3g})",
                "zorder": 4,
            }
            (self.peak_marker_,) = ax.plot(
                [peak_x], [peak_y], **_style(marker_style, marker_kwargs)
            )
        ax.set_xlabel("log10 compute")
        ax.set_ylabel("score")

    def _plot_learning_rate(self, ax, scatter_kwargs, line_kwargs, marker_kwargs):
        n_slices = len(self.x_curve)
        x_data = [np.asarray(x, dtype=float) for x in self.x_data]
        y_data = [np.asarray(y, dtype=float) for y in self.y_data]
        if self.is_test is None:
            is_test = [np.zeros(x.shape, dtype=bool) for x in x_data]
        else:
            is_test = [np.asarray(mask, dtype=bool) for mask in self.is_test]
        has_test = any(mask.any() for mask in is_test)
        optimum = [None] * n_slices if self.optimum is None else list(self.optimum)
        # One colour per slice ties its points, curve and optimum together.
        colors = [f"C{i % 10}" for i in range(n_slices)]

        # Curves, then points, then markers: the legend lists the slices first.
        self.lines_ = []
        for i in range(n_slices):
            label = _slice_label(self.slices[i]) if self.slices is not None else f"slice {i}"
            line_style = {"color": colors[i], "linewidth": 2, "label": label}
            (line,) = ax.plot(self.x_curve[i], self.y_curve[i], **_style(line_style, line_kwargs))
            self.lines_.append(line)
        train, test = [], []
        for i in range(n_slices):
            x, y, mask = x_data[i], y_data[i], is_test[i]
            train_style = {"color": colors[i], "marker": "o", "s": 24, "alpha": 0.8, "zorder": 2}
            train.append(ax.scatter(x[~mask], y[~mask], **_style(train_style, scatter_kwargs)))
            if has_test:
                test_style = {
                    "facecolors": "none",
                    "edgecolors": colors[i],
                    "marker": "^",
                    "s": 40,
                    "zorder": 2,
                    # Labelled once: the legend explains the marker, not every colour.
                    "label": "test" if i == 0 else None,
                }
                test.append(ax.scatter(x[mask], y[mask], **_style(test_style, scatter_kwargs)))
        self.scatter_ = train + test
        self.optimum_markers_ = []
        for i in range(n_slices):
            if optimum[i] is None:
                self.optimum_markers_.append(None)
                continue
            marker_style = {
                "marker": "*",
                "markersize": 15,
                "color": colors[i],
                "markeredgecolor": "black",
                "linestyle": "none",
                "zorder": 4,
                "label": "optimum" if all(m is None for m in self.optimum_markers_) else None,
            }
            (marker,) = ax.plot(
                [optimum[i][0]], [optimum[i][1]], **_style(marker_style, marker_kwargs)
            )
            self.optimum_markers_.append(marker)
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("loss")

    # -------------------------------------------------------------------- constructors

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        X_test=None,
        y_test=None,
        n_points=200,
        extend=0.5,
        slices=None,
        target=0,
        ax=None,
        scatter_kwargs=None,
        line_kwargs=None,
        marker_kwargs=None,
    ):
        """Plot a fitted scaling-law regressor over its data.

        For a :class:`~sklearn_scaling.DoubleDescentRegressor`: the rows as a scatter
        (test rows, when given, with their own marker), the law on a grid of log10
        compute reaching ``extend`` beyond all the rows on both sides, and the peak
        ``estimator.peak_``.

        For a :class:`~sklearn_scaling.LogPowerHyperparamRegressor`: the loss against
        learning rate at each slice of fixed (batch size, data size, model size): the
        rows of that slice, the law on a log grid of learning rates reaching ``extend``
        decades beyond all the rows' learning rates, and the curve's minimum. For
        ``optimum='fixed'`` the minimum is ``lr_opt``; for ``optimum='scaling'`` it is
        ``optimal_learning_rate`` when the slice's batch size is
        ``optimal_batch_size``, and moves by the law's interaction term otherwise. The
        grid is widened to reach the minimum when it lies up to two decades further;
        a minimum further out than that (or a bowl that does not open upwards) gets
        no marker.

        Parameters
        ----------
        estimator : DoubleDescentRegressor or LogPowerHyperparamRegressor
            A fitted regressor.
        X : array-like of shape (n_samples, n_features)
            Training rows (or any rows to show as "train").
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Their targets.
        X_test, y_test : array-like, default=None
            Rows to show as "test"; both or neither.
        n_points : int, default=200
            Points of each curve's grid.
        extend : float, default=0.5
            How far the grid reaches beyond the data on each side, in decades of the
            x-axis (log10 compute or log10 learning rate).
        slices : list of (batch_size, data_size, param_size) or None, default=None
            Slices of the learning-rate plot; None takes the (up to) three
            combinations most frequent in ``X``. Rows belong to a slice when their
            three values match it to a relative 1e-6. Learning-rate plot only.
        target : int, default=0
            Column of a 2-D ``y`` (multi-target double-descent fit) to draw.
        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a new figure.
        scatter_kwargs, line_kwargs, marker_kwargs : dict, default=None
            Passed to :meth:`plot`.

        Returns
        -------
        display : ScalingLawDisplay

        Raises
        ------
        TypeError
            If ``estimator`` is not one of the two regressors.
        sklearn.exceptions.NotFittedError
            If it is not fitted.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt
        >>> from sklearn_scaling import DoubleDescentRegressor, LogPowerHyperparamRegressor
        >>> from sklearn_scaling.datasets import make_double_descent, make_lr_bsz_sweep
        >>> from sklearn_scaling.plotting import ScalingLawDisplay
        >>> X, y = make_double_descent(n_samples=60, random_state=0)
        >>> reg = DoubleDescentRegressor(n_starts=2, random_state=0).fit(X[:40], y[:40])
        >>> disp = ScalingLawDisplay.from_estimator(
        ...     reg, X[:40], y[:40], X_test=X[40:], y_test=y[40:]
        ... )
        >>> len(disp.scatter_), len(disp.lines_), disp.ax_.get_xlabel()
        (2, 1, 'log10 compute')
        >>> plt.close(disp.figure_)
        >>> X, y = make_lr_bsz_sweep(n_samples=200, random_state=0)
        >>> reg = LogPowerHyperparamRegressor(n_starts=2, random_state=0).fit(X, y)
        >>> disp = ScalingLawDisplay.from_estimator(reg, X, y, slices=[(256, 2e10, 2e8)])
        >>> len(disp.lines_), disp.ax_.get_xscale()
        (1, 'log')
        >>> plt.close(disp.figure_)
        """
        _check_matplotlib()
        if not isinstance(estimator, DoubleDescentRegressor | LogPowerHyperparamRegressor):
            raise TypeError(
                "ScalingLawDisplay.from_estimator needs a DoubleDescentRegressor or a "
                f"LogPowerHyperparamRegressor; got {type(estimator).__name__}."
            )
        check_is_fitted(estimator)
        _check_number("n_points", n_points, low=2, integer=True)
        _check_number("extend", extend, low=0.0)
        if (X_test is None) != (y_test is None):
            raise ValueError("X_test and y_test must be given together.")
        if isinstance(estimator, DoubleDescentRegressor):
            if slices is not None:
                raise ValueError("slices only applies to a LogPowerHyperparamRegressor.")
            display = cls._double_descent(estimator, X, y, X_test, y_test, n_points, extend, target)
        else:
            _check_number("target", target, low=0, integer=True)
            if target != 0:
                raise ValueError(f"LogPowerHyperparamRegressor has one target; got {target=}.")
            display = cls._learning_rate(estimator, X, y, X_test, y_test, n_points, extend, slices)
        return display.plot(
            ax=ax,
            scatter_kwargs=scatter_kwargs,
            line_kwargs=line_kwargs,
            marker_kwargs=marker_kwargs,
        )

    @classmethod
    def _double_descent(cls, estimator, X, y, X_test, y_test, n_points, extend, target):
        n_targets = estimator.coef_.shape[0] if np.ndim(estimator.coef_) == 2 else 1
        _check_number("target", target, low=0, integer=True)
        if target >= n_targets:
            raise ValueError(f"target must be < {n_targets} (the number of targets); got {target}.")
        X, y = _validate_xy(X, y, 1, "X")
        x, y = X[:, 0], _select_target(y, target, "y")
        is_test = np.zeros(len(x), dtype=bool)
        if X_test is not None:
            X_test, y_test = _validate_xy(X_test, y_test, 1, "X_test")
            x = np.concatenate([x, X_test[:, 0]])
            y = np.concatenate([y, _select_target(y_test, target, "y_test")])
            is_test = np.concatenate([is_test, np.ones(len(X_test), dtype=bool)])
        x_curve = np.linspace(x.min() - extend, x.max() + extend, n_points)
        y_curve = _predict(estimator, x_curve[:, None])
        peak = estimator.peak_["log_compute"], estimator.peak_["value"]
        if n_targets > 1 or y_curve.ndim == 2:
            y_curve = y_curve[:, target]
            peak = tuple(np.atleast_1d(value)[target] for value in peak)
        name = type(estimator).__name__
        return cls(
            kind="double_descent",
            x_data=x,
            y_data=y,
            x_curve=x_curve,
            y_curve=y_curve,
            is_test=is_test,
            peak=(float(peak[0]), float(peak[1])),
            law_name=name if n_targets == 1 else f"{name} (target {target})",
            peak_label="trough" if estimator.shape == "dip" else "peak",
        )

    @classmethod
    def _learning_rate(cls, estimator, X, y, X_test, y_test, n_points, extend, slices):
        X, y = _validate_xy(X, y, 4, "X")
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D for a LogPowerHyperparamRegressor; got {y.shape}.")
        if X_test is not None:
            X_test, y_test = _validate_xy(X_test, y_test, 4, "X_test")
            if y_test.ndim != 1:
                raise ValueError(f"y_test must be 1-D; got shape {y_test.shape}.")
        slices = _default_slices(X) if slices is None else _check_slices(slices)
        lr_all = X[:, 0] if X_test is None else np.concatenate([X[:, 0], X_test[:, 0]])
        if np.any(lr_all <= 0):
            raise ValueError("learning rates (column 0 of X and X_test) must be > 0.")
        low, high = _log10_span(lr_all, extend)

        x_data, y_data, is_test, x_curve, y_curve, optimum = [], [], [], [], [], []
        for slice_ in slices:
            rows = _slice_rows(X, slice_)
            xs, ys, mask = X[rows, 0], y[rows], np.zeros(rows.sum(), dtype=bool)
            if X_test is not None:
                test_rows = _slice_rows(X_test, slice_)
                xs = np.concatenate([xs, X_test[test_rows, 0]])
                ys = np.concatenate([ys, y_test[test_rows]])
                mask = np.concatenate([mask, np.ones(test_rows.sum(), dtype=bool)])
            best_lr = _curve_minimum(estimator, slice_)
            reachable = best_lr is not None and (
                low - _MAX_OPTIMUM_REACH <= np.log10(best_lr) <= high + _MAX_OPTIMUM_REACH
            )
            grid_low, grid_high = low, high
            if reachable:
                grid_low = min(low, np.log10(best_lr))
                grid_high = max(high, np.log10(best_lr))
            lr_grid = np.logspace(grid_low, grid_high, n_points)
            curve = _predict(estimator, _slice_grid(lr_grid, slice_))
            best = None
            if reachable:
                best = (best_lr, float(_predict(estimator, _slice_grid([best_lr], slice_))[0]))
            x_data.append(xs)
            y_data.append(ys)
            is_test.append(mask)
            x_curve.append(lr_grid)
            y_curve.append(curve)
            optimum.append(best)
        return cls(
            kind="learning_rate",
            x_data=x_data,
            y_data=y_data,
            x_curve=x_curve,
            y_curve=y_curve,
            is_test=is_test,
            optimum=optimum,
            slices=slices,
            law_name=f"{type(estimator).__name__} (optimum={estimator.optimum!r})",
        )

    @classmethod
    def from_predictions(
        cls,
        x,
        y,
        x_curve,
        y_curve,
        *,
        is_test=None,
        peak=None,
        law_name=None,
        ax=None,
        scatter_kwargs=None,
        line_kwargs=None,
        marker_kwargs=None,
    ):
        """Plot data and a curve computed elsewhere, double-descent style.

        For a law fitted outside this package: pass the data, the curve evaluated on a
        grid of your choice and, optionally, which rows are test rows and the peak.

        Parameters
        ----------
        x : array-like of shape (n_samples,)
            log10 compute of the data.
        y : array-like of shape (n_samples,)
            Scores of the data.
        x_curve : array-like of shape (n_points,)
            Grid of log10 compute.
        y_curve : array-like of shape (n_points,)
            The law on that grid.
        is_test : array-like of bool of shape (n_samples,), default=None
            True for test rows; None means all rows are training rows.
        peak : tuple of float or None, default=None
            ``(log10 compute, score)`` to mark as the peak.
        law_name : str or None, default=None
            Title of the axes.
        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a new figure.
        scatter_kwargs, line_kwargs, marker_kwargs : dict, default=None
            Passed to :meth:`plot`.

        Returns
        -------
        display : ScalingLawDisplay

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt
        >>> import numpy as np
        >>> from sklearn_scaling.laws import double_descent
        >>> from sklearn_scaling.datasets import DEFAULT_DOUBLE_DESCENT_PARAMS as params
        >>> from sklearn_scaling.plotting import ScalingLawDisplay
        >>> x = np.array([-0.5, 0.5, 1.5, 2.5])
        >>> grid = np.linspace(-1.0, 3.0, 100)
        >>> disp = ScalingLawDisplay.from_predictions(
        ...     x, double_descent(x, params), grid, double_descent(grid, params),
        ...     is_test=[False, False, False, True], peak=(0.8, -0.47),
        ... )
        >>> [len(s.get_offsets()) for s in disp.scatter_]
        [3, 1]
        >>> plt.close(disp.figure_)
        """
        _check_matplotlib()
        x = check_array(x, dtype=np.float64, ensure_2d=False, input_name="x")
        y = check_array(y, dtype=np.float64, ensure_2d=False, input_name="y")
        x_curve = check_array(x_curve, dtype=np.float64, ensure_2d=False, input_name="x_curve")
        y_curve = check_array(y_curve, dtype=np.float64, ensure_2d=False, input_name="y_curve")
        for name, first, second in (("x and y", x, y), ("x_curve and y_curve", x_curve, y_curve)):
            if first.ndim != 1 or first.shape != second.shape:
                raise ValueError(
                    f"{name} must be 1-D of the same length; got {first.shape} and {second.shape}."
                )
        if is_test is not None:
            is_test = np.asarray(is_test)
            if is_test.dtype != bool or is_test.shape != x.shape:
                raise ValueError(
                    f"is_test must be a boolean array of shape {x.shape}; got dtype "
                    f"{is_test.dtype} and shape {is_test.shape}."
                )
        if peak is not None:
            try:
                peak = tuple(float(value) for value in peak)
            except (TypeError, ValueError):
                raise ValueError(f"peak must be a (x, y) pair of numbers; got {peak!r}.") from None
            if len(peak) != 2:
                raise ValueError(f"peak must be a (x, y) pair of numbers; got {peak!r}.")
        display = cls(
            kind="double_descent",
            x_data=x,
            y_data=y,
            x_curve=x_curve,
            y_curve=y_curve,
            is_test=is_test,
            peak=peak,
            law_name=law_name,
        )
        return display.plot(
            ax=ax,
            scatter_kwargs=scatter_kwargs,
            line_kwargs=line_kwargs,
            marker_kwargs=marker_kwargs,
        )


# ------------------------------------------------------------------ learning-rate slices


def _check_slices(slices):
    checked = []
    for slice_ in slices:
        try:
            values = tuple(float(value) for value in slice_)
        except (TypeError, ValueError):
            values = ()
        if len(values) != 3 or not all(np.isfinite(values)):
            raise ValueError(
                "each slice must be a (batch_size, data_size, param_size) triple of numbers; "
                f"got {slice_!r}."
            )
        batch_size, data_size, param_size = values
        if batch_size < 1 or data_size <= 1 or param_size <= 1:
            raise ValueError(
                f"a slice needs batch_size >= 1 and data and param sizes > 1; got {slice_!r}."
            )
        checked.append(values)
    if not checked:
        raise ValueError("slices must hold at least one slice.")
    return checked


def _default_slices(X, n_slices=3):
    combos, counts = np.unique(X[:, 1:], axis=0, return_counts=True)
    # A stable sort keeps ties in np.unique's (sorted) order, so the choice is reproducible.
    order = np.argsort(-counts, kind="stable")[:n_slices]
    return [tuple(float(value) for value in combos[i]) for i in order]


def _slice_rows(X, slice_):
    return np.all(np.isclose(X[:, 1:], slice_, rtol=1e-6, atol=0.0), axis=1)


def _slice_grid(lr, slice_):
    lr = np.asarray(lr, dtype=float)
    return np.column_stack([lr, np.broadcast_to(np.asarray(slice_), (lr.size, 3))])


def _curve_minimum(estimator, slice_):
    """Learning rate minimising the fitted loss at a slice, or None if it has none.

    With ``u = ln(lr / lr*)`` the law is quadratic in ``u`` at a fixed slice. For
    'fixed' the bowl is centred on ``lr*`` with curvature ``d + interaction ln(B)``;
    for 'scaling' the cross term ``interaction u v`` (``v = ln(B / B*)``) moves the
    centre to ``u = -interaction v / (2 d)``.
    """
    batch_size, data_size, param_size = slice_
    p = estimator.params_
    lr_star = float(np.asarray(estimator.optimal_learning_rate(data_size, param_size)))
    if estimator.optimum == "fixed":
        curvature = p["d"] + p["interaction"] * np.log(batch_size)
        return lr_star if curvature > 0 else None
    if not p["d"] > 0:
        return None
    bsz_star = float(np.asarray(estimator.optimal_batch_size(data_size, param_size)))
    v = np.log(batch_size) - np.log(bsz_star)
    shift = -p["interaction"] * v / (2.0 * p["d"])
    return float(lr_star * np.exp(shift))
