"""Plots of fitted scaling laws, following scikit-learn's Display API.

:class:`ScalingLawDisplay` draws a fitted law over its data. Any law of the registry
(:mod:`sklearn_scaling.laws`) or of your own plots the same way: the law's curve along
one of its features with the others held at fixed values, the data as a scatter, and
optionally the curve extended beyond the data and an uncertainty band. The two seed
estimators add what their laws know: the peak of the double-descent curve, and the
learning-rate slices of the log-power law with each slice's optimum.

matplotlib is an optional dependency (``pip install 'sklearn_scaling[plot]'``): it is
imported only when something is drawn, so this module imports without it.
"""

import numbers
from collections.abc import Mapping

import numpy as np
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted

from ._estimators import DoubleDescentRegressor, LogPowerHyperparamRegressor
from ._scaling_law import ScalingLawRegressor
from .laws import Law, get_law

__all__ = ["IsoFLOPDisplay", "ScalingLawDisplay"]

_KINDS = ("law", "double_descent", "learning_rate", "curves")

# A legend naming more curves than this is unreadable: the rest are counted instead.
_MAX_LEGEND_CURVES = 10

# An optimum further than this (in decades) beyond the plotted data is not worth
# squashing the whole plot for: its marker is left out instead.
_MAX_OPTIMUM_REACH = 2.0

# A positive feature whose values span more than this ratio gets a log axis.
_LOG_AXIS_RATIO = 10.0

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


def _fixed_label(fixed):
    return ", ".join(f"{name}={_format_size(value)}" for name, value in fixed.items())


def _is_real(value, kind=numbers.Real):
    """Whether ``value`` is a number of ``kind``, ``True`` and ``False`` not counted."""
    return isinstance(value, kind) and not isinstance(value, bool)


def _check_number(name, value, *, low, integer=False):
    if not _is_real(value, numbers.Integral if integer else numbers.Real) or not np.isfinite(value):
        what = "an integer" if integer else "a finite number"
        raise ValueError(f"{name} must be {what}; got {value!r}.")
    if value < low:
        raise ValueError(f"{name} must be >= {low}; got {value!r}.")


def _as_frame(estimator, X):
    # A grid passed as a bare array to an estimator fitted on a DataFrame would warn
    # about missing feature names, so it gets the training column names back.
    names = getattr(estimator, "feature_names_in_", None)
    # A frame is already laid out as the estimator reads it (a group column included).
    if names is not None and not hasattr(X, "columns"):
        import pandas as pd

        X = pd.DataFrame(X, columns=names)
    return X


def _predict(estimator, X):
    return np.asarray(estimator.predict(_as_frame(estimator, X)), dtype=float)


def _predict_band(estimator, X, coverage, target=0):
    """``(low, high)`` of ``estimator.predict_interval`` on the grid ``X``."""
    result = estimator.predict_interval(_as_frame(estimator, X), coverage=coverage)
    if isinstance(result, tuple | list) and len(result) == 2:
        low, high = (np.asarray(bound, dtype=float) for bound in result)
    else:
        # An array of shape (n_points, 2) with the bounds as columns.
        result = np.asarray(result, dtype=float)
        if result.ndim != 2 or result.shape[1] != 2:
            raise ValueError(
                "predict_interval must return (low, high) or an array of shape "
                f"(n_samples, 2); got {type(result).__name__} of shape {result.shape}."
            )
        low, high = result[:, 0], result[:, 1]
    if low.ndim == 2:
        low, high = low[:, target], high[:, target]
    if low.shape != (len(X),) or high.shape != (len(X),):
        raise ValueError(
            f"predict_interval must return bounds of shape ({len(X)},); got {low.shape} "
            f"and {high.shape}."
        )
    return low, high


def _validate_xy(X, y, n_columns, name, features=None):
    X = check_array(X, dtype=np.float64, input_name=name)
    if X.shape[1] != n_columns:
        names = f" ({', '.join(features)})" if features else ""
        raise ValueError(f"{name} must have {n_columns} column(s){names}; got {X.shape[1]}.")
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


def _mask(mask, shape, default):
    """A boolean mask of ``shape``: the given one, or ``default`` everywhere for None."""
    return np.full(shape, default) if mask is None else np.asarray(mask, dtype=bool)


def _masks(masks, x_data, default):
    """One boolean mask per array of ``x_data`` (see :func:`_mask`)."""
    masks = [None] * len(x_data) if masks is None else masks
    return [_mask(mask, x.shape, default) for mask, x in zip(masks, x_data, strict=True)]


def _log10_span(values, extend):
    logs = np.log10(values)
    return logs.min() - extend, logs.max() + extend


def _is_log_scale(values, rule=None):
    """A positive feature spanning more than a decade is read on a log axis.

    Unless the law declares the feature's domain ``rule`` to admit negative values
    ('finite', or an interval reaching below 0): such a feature (log10 compute) is a
    logarithm already.
    """
    if rule == "finite" or (isinstance(rule, tuple) and rule[0] < 0):
        return False
    values = np.asarray(values, dtype=float)
    return bool(
        values.size and np.all(values > 0) and values.max() > _LOG_AXIS_RATIO * values.min()
    )


def _y_label(y, default):
    name = getattr(y, "name", None)
    return name if isinstance(name, str) and name else default


class ScalingLawDisplay:
    """A fitted scaling law drawn over its data.

    Four kinds of plot exist. ``kind="law"`` draws any law along one of its features:
    the data as a scatter (training and test rows told apart), the law as a curve with
    the other features held at fixed values, and optionally an uncertainty band.
    ``kind="double_descent"`` is the same plot for the double-descent law of log10
    compute, with its peak as a star. ``kind="learning_rate"`` draws the loss against
    learning rate (log axis) at a few slices of fixed (batch size, data size, model
    size): per slice, the rows of that slice, the law as a curve and the curve's
    optimum as a star. ``kind="curves"`` draws a family of curves fitted together
    (``ScalingLawRegressor(group=...)`` or a two-dimensional ``y``): one colour per
    curve for its law, its rows and its band, the parameters the curves share in the
    title.

    Build one with :meth:`from_estimator` (from a fitted
    :class:`~sklearn_scaling.ScalingLawRegressor` of any law,
    :class:`~sklearn_scaling.DoubleDescentRegressor` or
    :class:`~sklearn_scaling.LogPowerHyperparamRegressor`) or :meth:`from_predictions`
    (from your own curve); the constructor only stores what :meth:`plot` draws.

    Parameters
    ----------
    kind : {'law', 'double_descent', 'learning_rate', 'curves'}
        Which plot to draw.
    x_data, y_data : ndarray of shape (n_samples,) or list of such arrays
        The data: the plotted feature and the target ('law'; log10 compute and score
        for 'double_descent'); for 'learning_rate' one array of learning rates (and of
        losses) per slice, for 'curves' one array per curve.
    x_curve, y_curve : ndarray of shape (n_points,) or list of such arrays
        The law on a grid: one curve, or one per slice ('learning_rate') or per curve
        ('curves').
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
    feature : str or None, default=None
        Name of the plotted feature, the x label of 'law' (underscores read as spaces).
    fixed : dict or None, default=None
        ``{feature: value}`` the curve holds the other features at; shown in the
        legend of the rows near those values. 'law', 'double_descent' and 'curves'.
    is_near : ndarray of bool, list of such arrays, or None, default=None
        Which data points lie near the fixed values (same layout as ``x_data``); the
        others are drawn faded. None means all are near.
    band : tuple of ndarray or list of such tuples or None, default=None
        ``(low, high)`` of an uncertainty band on the grid ``x_curve``; for
        'learning_rate' one pair (or None) per slice, for 'curves' one pair per curve.
    coverage : float or None, default=None
        Coverage of ``band``, for its legend.
    xscale : {'linear', 'log'} or None, default=None
        Scale of the x axis; None is 'log' for 'learning_rate', else 'linear'.
    x_label, y_label : str or None, default=None
        Axis labels; None uses the kind's: ``feature`` and 'y' for 'law', 'log10
        compute' and 'score' for 'double_descent', 'learning rate' and 'loss' for
        'learning_rate'.
    curve_labels : list of str or None, default=None
        Legend names of the curves of 'curves'; None numbers them. Beyond ten curves
        the legend names the first ten and counts the rest.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes the plot is drawn on.
    figure_ : matplotlib Figure
        Figure holding ``ax_``.
    scatter_ : list of matplotlib PathCollection
        The data. For 'law' and 'double_descent' ``[train]`` or ``[train, test]``,
        followed by the same for the rows away from the fixed values when some are
        (faded, after the rows near them); for 'learning_rate' one collection of
        training rows per slice, followed by one of test rows per slice when there
        are test rows; for 'curves' the same per curve, followed by one collection
        per curve of its rows away from the fixed values when some are.
    lines_ : list of matplotlib Line2D
        The law: one curve, or one per slice or per curve.
    band_ : matplotlib PolyCollection, list of (PolyCollection or None), or None
        The uncertainty band: one, or one per slice ('learning_rate') or per curve
        ('curves'); None without a band.
    peak_marker_ : matplotlib Line2D or None
        The peak ('double_descent' with a peak), else None.
    optimum_markers_ : list of (matplotlib Line2D or None) or None
        One marker per slice ('learning_rate'), None for slices without an optimum;
        None for the other kinds.

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
        feature=None,
        fixed=None,
        is_near=None,
        band=None,
        coverage=None,
        xscale=None,
        x_label=None,
        y_label=None,
        curve_labels=None,
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
        self.feature = feature
        self.fixed = fixed
        self.is_near = is_near
        self.band = band
        self.coverage = coverage
        self.xscale = xscale
        self.x_label = x_label
        self.y_label = y_label
        self.curve_labels = curve_labels

    # ------------------------------------------------------------------------- drawing

    def plot(
        self,
        ax=None,
        *,
        scatter_kwargs=None,
        line_kwargs=None,
        marker_kwargs=None,
        band_kwargs=None,
    ):
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
        band_kwargs : dict, default=None
            Keywords for ``Axes.fill_between`` drawing the uncertainty band, over the
            defaults.

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
        self.band_ = None
        legend = {}
        if self.kind == "learning_rate":
            self._plot_learning_rate(ax, scatter_kwargs, line_kwargs, marker_kwargs, band_kwargs)
        elif self.kind == "curves":
            legend = self._plot_curves(ax, scatter_kwargs, line_kwargs, band_kwargs)
        else:
            self._plot_law(ax, scatter_kwargs, line_kwargs, marker_kwargs, band_kwargs)
        if self.law_name is not None:
            ax.set_title(self.law_name)
        ax.legend(fontsize="small", **legend)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    def _band_style(self, color):
        label = None if self.coverage is None else f"{100 * self.coverage:g}% interval"
        return {"color": color, "alpha": 0.2, "linewidth": 0, "label": label, "zorder": 1}

    def _set_axes(self, ax, default_scale):
        """The x scale (``default_scale`` unless ``xscale`` says) and the axis labels."""
        defaults = {
            "law": ((self.feature or "x").replace("_", " "), "y"),
            "curves": ((self.feature or "x").replace("_", " "), "y"),
            "double_descent": ("log10 compute", "score"),
            "learning_rate": ("learning rate", "loss"),
        }[self.kind]
        ax.set_xscale(self.xscale or default_scale)
        ax.set_xlabel(defaults[0] if self.x_label is None else self.x_label)
        ax.set_ylabel(defaults[1] if self.y_label is None else self.y_label)

    def _plot_law(self, ax, scatter_kwargs, line_kwargs, marker_kwargs, band_kwargs):
        x = np.asarray(self.x_data, dtype=float)
        y = np.asarray(self.y_data, dtype=float)
        is_test = _mask(self.is_test, x.shape, False)
        is_near = _mask(self.is_near, x.shape, True)
        has_test = bool(is_test.any())
        # With features held fixed, the legend says which rows the curve describes.
        where = " near the slice" if self.fixed else ""
        label = ("train" if has_test else "data") + where
        train_style = {"color": "C0", "marker": "o", "s": 24, "alpha": 0.8, "label": label}
        test_style = {"color": "C1", "marker": "^", "s": 36, "alpha": 0.9, "label": "test" + where}
        near_train, near_test = ~is_test & is_near, is_test & is_near
        if self.fixed:
            # No legend entry for an empty group: it would claim rows that are not there.
            for style, rows in ((train_style, near_train), (test_style, near_test)):
                if not rows.any():
                    style["label"] = "_" + style["label"]
        # Rows away from the slice stay visible, faded: the curve does not claim to pass
        # through them, and hiding them would hide the data's coverage.
        has_away = not is_near.all()
        away_style = {"color": "0.6", "s": 16, "alpha": 0.4, "zorder": 1}
        parts = (
            (near_train, train_style, True),
            (near_test, test_style, has_test),
            (
                ~is_test & ~is_near,
                {**away_style, "marker": "o", "label": "away from the slice"},
                has_away,
            ),
            (is_test & ~is_near, {**away_style, "marker": "^"}, has_away and has_test),
        )
        self.scatter_ = [
            ax.scatter(x[rows], y[rows], **_style(style, scatter_kwargs))
            for rows, style, drawn in parts
            if drawn
        ]
        line_style = {"color": "black", "linewidth": 2, "label": "fit", "zorder": 3}
        (line,) = ax.plot(self.x_curve, self.y_curve, **_style(line_style, line_kwargs))
        self.lines_ = [line]
        if self.band is not None:
            low, high = self.band
            self.band_ = ax.fill_between(
                self.x_curve, low, high, **_style(self._band_style("0.3"), band_kwargs)
            )
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
        self._set_axes(ax, "linear")

    def _plot_learning_rate(self, ax, scatter_kwargs, line_kwargs, marker_kwargs, band_kwargs):
        n_slices = len(self.x_curve)
        optimum = [None] * n_slices if self.optimum is None else list(self.optimum)
        # One colour per slice ties its points, curve and optimum together.
        colors = [f"C{i % 10}" for i in range(n_slices)]
        if self.slices is None:
            labels = [f"slice {i}" for i in range(n_slices)]
        else:
            labels = [_slice_label(slice_) for slice_ in self.slices]
        # Curves, then points, then markers: the legend lists the slices first.
        self._plot_coloured(ax, colors, labels, {}, scatter_kwargs, line_kwargs, band_kwargs)
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
        self._set_axes(ax, "log")

    def _plot_coloured(
        self, ax, colors, labels, line_style, scatter_kwargs, line_kwargs, band_kwargs
    ):
        """Each slice or curve in its own colour: its law, its band and its rows.

        The laws come first, so that the legend names them before anything else; the
        band and the test marker are labelled once: the legend explains the shading and
        the marker, not every colour. Rows away from the fixed values (``is_near``)
        stay visible, faded in their curve's colour.
        """
        x_data = [np.asarray(x, dtype=float) for x in self.x_data]
        y_data = [np.asarray(y, dtype=float) for y in self.y_data]
        is_test = _masks(self.is_test, x_data, False)
        is_near = _masks(self.is_near, x_data, True)
        has_test = any(mask.any() for mask in is_test)
        has_away = not all(mask.all() for mask in is_near)
        self.lines_ = []
        for i, label in enumerate(labels):
            style = {"color": colors[i], "linewidth": 2, "label": label, **line_style}
            (line,) = ax.plot(self.x_curve[i], self.y_curve[i], **_style(style, line_kwargs))
            self.lines_.append(line)
        if self.band is not None:
            self.band_ = []
            for i, band in enumerate(self.band):
                if band is None:
                    self.band_.append(None)
                    continue
                style = self._band_style(colors[i])
                if any(b is not None for b in self.band_):
                    style["label"] = None
                self.band_.append(
                    ax.fill_between(self.x_curve[i], *band, **_style(style, band_kwargs))
                )
        train, test, away = [], [], []
        for i, (x, y, mask, near) in enumerate(zip(x_data, y_data, is_test, is_near, strict=True)):
            style = {"color": colors[i], "marker": "o", "s": 24, "alpha": 0.8, "zorder": 2}
            train.append(
                ax.scatter(x[~mask & near], y[~mask & near], **_style(style, scatter_kwargs))
            )
            if has_test:
                style = {
                    "facecolors": "none",
                    "edgecolors": colors[i],
                    "marker": "^",
                    "s": 40,
                    "zorder": 2,
                    "label": "test" if i == 0 else None,
                }
                test.append(
                    ax.scatter(x[mask & near], y[mask & near], **_style(style, scatter_kwargs))
                )
            if has_away:
                style = {
                    "color": colors[i],
                    "marker": "o",
                    "s": 14,
                    "alpha": 0.25,
                    "zorder": 1,
                    "label": "away from the slice" if i == 0 else None,
                }
                away.append(ax.scatter(x[~near], y[~near], **_style(style, scatter_kwargs)))
        self.scatter_ = train + test + away

    def _plot_curves(self, ax, scatter_kwargs, line_kwargs, band_kwargs):
        """One colour per curve: its law, its rows and its band; returns legend keywords."""
        from matplotlib.lines import Line2D

        n_curves = len(self.x_curve)
        if self.curve_labels is None:
            labels = [f"curve {i}" for i in range(n_curves)]
        else:
            labels = [str(label) for label in self.curve_labels]
        labels = [label if i < _MAX_LEGEND_CURVES else None for i, label in enumerate(labels)]
        colors = _curve_colors(n_curves)
        self._plot_coloured(
            ax, colors, labels, {"zorder": 3}, scatter_kwargs, line_kwargs, band_kwargs
        )
        self._set_axes(ax, "linear")
        legend = {}
        if n_curves > _MAX_LEGEND_CURVES:
            handles, names = ax.get_legend_handles_labels()
            # Not drawn on the axes: a legend line that counts the curves left out.
            handles.insert(_MAX_LEGEND_CURVES, Line2D([], [], linestyle="none"))
            names.insert(_MAX_LEGEND_CURVES, f"... {n_curves - _MAX_LEGEND_CURVES} more curves")
            legend = {"handles": handles, "labels": names}
        return legend

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
        feature=None,
        fixed=None,
        near=0.1,
        interval=None,
        n_points=200,
        extend=0.5,
        slices=None,
        target=0,
        groups=None,
        ax=None,
        scatter_kwargs=None,
        line_kwargs=None,
        marker_kwargs=None,
        band_kwargs=None,
    ):
        """Plot a fitted scaling-law regressor over its data.

        For any law (a :class:`~sklearn_scaling.ScalingLawRegressor`, whatever its
        ``law_``, registered or your own :class:`~sklearn_scaling.laws.Law`): the law
        along one feature, ``feature``, with every other feature held at ``fixed``, on
        a grid reaching ``extend`` beyond all the rows (training and test) on both
        sides, so the curve shows the law's extrapolation; the rows as a scatter, test
        rows with their own marker. The x axis is logarithmic when the feature is
        positive and spans more than a decade; the grid stays inside the law's declared
        domain of the feature.

        With several features, a row lies on the plotted curve only if its other
        features equal the fixed values, which real runs seldom do exactly. Every row
        is drawn, so the plot never hides how the data cover the feature, but only the
        rows *near the slice* -- each fixed feature within ``near`` of its value, as a
        fraction of that feature's range (of its log10 range for a positive feature
        spanning more than a decade) -- are drawn in colour; the others are faded grey,
        and labelled "away from the slice". Distance of the coloured points from the
        curve is then the law's error; that of the grey points is mostly the effect of
        the features held fixed. The fixed values are in the title.

        For a :class:`~sklearn_scaling.DoubleDescentRegressor`: the same plot of its
        one feature, log10 compute, plus the peak ``estimator.peak_``.

        For a :class:`~sklearn_scaling.LogPowerHyperparamRegressor` without ``feature``
        or ``fixed``: the loss against learning rate at each slice of fixed (batch
        size, data size, model size): the rows of that slice, the law on a log grid of
        learning rates reaching ``extend`` decades beyond all the rows' learning rates,
        and the curve's minimum. For ``optimum='fixed'`` the minimum is ``lr_opt``; for
        ``optimum='scaling'`` it is ``optimal_learning_rate`` when the slice's batch
        size is ``optimal_batch_size``, and moves by the law's interaction term
        otherwise. The grid is widened to reach the minimum when it lies up to two
        decades further; a minimum further out than that (or a bowl that does not
        open upwards) gets no marker. With ``feature`` or ``fixed`` it gets the plot of
        any law instead.

        For a :class:`~sklearn_scaling.ScalingLawRegressor` fitted on several curves
        (``group=`` or a two-dimensional ``y``, so it has ``groups_``): one curve per
        group, each its own fitted law along ``feature`` on a grid reaching ``extend``
        beyond that curve's rows, drawn with its rows (and its band) in one colour; the
        legend names the curves, and the title states what they have in common: each
        shared parameter's one value and standard error, and the fixed ones. The other
        features are held at ``fixed`` for every curve. ``X`` (and ``X_test``) hold the
        group column as the estimator was fitted; ``groups`` picks the curves to draw.
        A multi-output fit draws one output column, ``target``, as a single law,
        unless ``groups`` asks for several columns as curves.

        Parameters
        ----------
        estimator : ScalingLawRegressor, DoubleDescentRegressor or LogPowerHyperparamRegressor
            A fitted regressor; any estimator whose fitted ``law_`` is a
            :class:`~sklearn_scaling.laws.Law` works like a ScalingLawRegressor.
        X : array-like of shape (n_samples, n_features)
            Training rows (or any rows to show as "train"), the law's features as
            columns.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Their targets. The name of a pandas Series labels the y axis.
        X_test, y_test : array-like, default=None
            Rows to show as "test"; both or neither.
        feature : str, int or None, default=None
            The feature along the x axis: a name of the law's features
            (``estimator.law_.features``; a column name of a DataFrame the estimator was
            fitted on also works) or a column index. None takes the first feature, or
            for a law of several features the positive one that varies most in log
            scale over ``X``.
        fixed : dict or None, default=None
            ``{feature name: value}`` for the other features; those left out are held
            at their median over ``X``. The values used are the display's ``fixed``.
        near : float, default=0.1
            Half-width of the slice whose rows are drawn in colour, as a fraction of
            each fixed feature's range over all the rows; ``inf`` colours every row.
            Ignored for a law of one feature.
        interval : float or None, default=None
            Coverage of an uncertainty band around the curve, in (0, 1), e.g. 0.9;
            needs an estimator with ``predict_interval(X, coverage=...)`` returning
            ``(low, high)``. None draws no band.
        n_points : int, default=200
            Points of each curve's grid.
        extend : float, default=0.5
            How far the grid reaches beyond the data on each side: in decades on a log
            axis (and for the learning-rate plot), in the feature's own units on a
            linear one (the double-descent law's log10 compute is itself in decades).
        slices : list of (batch_size, data_size, param_size) or None, default=None
            Slices of the learning-rate plot; None takes the (up to) three
            combinations most frequent in ``X``. Rows belong to a slice when their
            three values match it to a relative 1e-6. Learning-rate plot only.
        target : int, default=0
            Column of a 2-D ``y`` (multi-target double-descent fit, or multi-output
            ScalingLawRegressor) to draw.
        groups : list, 'all' or None, default=None
            The curves to draw, by label (``estimator.groups_``; output column indices
            of a two-dimensional ``y``), in the legend's order. None draws every curve
            of a ``group=`` fit, and only ``target`` of a multi-output fit; 'all' every
            curve of either. Estimators fitted on several curves only.
        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a new figure.
        scatter_kwargs, line_kwargs, marker_kwargs, band_kwargs : dict, default=None
            Passed to :meth:`plot`.

        Returns
        -------
        display : ScalingLawDisplay

        Raises
        ------
        TypeError
            If ``estimator`` is none of the regressors above.
        sklearn.exceptions.NotFittedError
            If it is not fitted.
        ValueError
            For an unknown ``feature``, ``fixed`` values for unknown features or for
            the plotted one, ``X`` with another column count than the law's features,
            ``interval`` for an estimator without ``predict_interval``, ``groups``
            naming curves the estimator was not fitted on (or for an estimator of one
            curve), rows of such curves in ``X``, or options out of range.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt
        >>> from sklearn_scaling import (
        ...     DoubleDescentRegressor, LogPowerHyperparamRegressor, ScalingLawRegressor
        ... )
        >>> from sklearn_scaling.datasets import (
        ...     make_chinchilla, make_double_descent, make_lr_bsz_sweep
        ... )
        >>> from sklearn_scaling.plotting import ScalingLawDisplay
        >>> X, y = make_chinchilla(n_samples=120, random_state=0)
        >>> reg = ScalingLawRegressor("chinchilla", n_starts=2, random_state=0).fit(X, y)
        >>> disp = ScalingLawDisplay.from_estimator(reg, X, y, feature="N", fixed={"D": 2e10})
        >>> disp.ax_.get_xscale(), disp.ax_.get_title()
        ('log', 'chinchilla, slice D=2e10')
        >>> plt.close(disp.figure_)
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

        Four curves with one exponent:

        >>> import numpy as np
        >>> x = np.tile(np.logspace(1, 4, 10), 4)
        >>> curve = np.repeat(np.arange(4), 10)
        >>> y = (1.0 + curve) * (1.0 + 5.0 * x**-0.3)
        >>> X = np.column_stack([curve, x])
        >>> reg = ScalingLawRegressor("power_law", group=0, shared=["alpha"]).fit(X, y)
        >>> disp = ScalingLawDisplay.from_estimator(reg, X, y, groups=[0, 3])
        >>> len(disp.lines_), [t.get_text() for t in disp.ax_.get_legend().get_texts()]
        (2, ['0', '3'])
        >>> "shared" in disp.ax_.get_title()
        True
        >>> plt.close(disp.figure_)
        """
        _check_matplotlib()
        law = _estimator_law(estimator)
        _check_number("n_points", n_points, low=2, integer=True)
        _check_number("extend", extend, low=0.0)
        if not _is_real(near) or not near >= 0:
            raise ValueError(f"near must be a number >= 0; got {near!r}.")
        if interval is not None:
            if not _is_real(interval) or not 0 < interval < 1:
                raise ValueError(
                    f"interval must be a coverage in (0, 1) or None; got {interval!r}."
                )
            if not callable(getattr(estimator, "predict_interval", None)):
                raise ValueError(
                    f"interval needs an estimator with predict_interval(X, coverage=...); "
                    f"{type(estimator).__name__} has none."
                )
        if (X_test is None) != (y_test is None):
            raise ValueError("X_test and y_test must be given together.")
        learning_rate = isinstance(estimator, LogPowerHyperparamRegressor) and (
            feature is None and fixed is None
        )
        if slices is not None and not learning_rate:
            raise ValueError(
                "slices only applies to a LogPowerHyperparamRegressor's learning-rate plot "
                "(without feature or fixed)."
            )
        if groups is not None and not _has_curves(estimator):
            raise ValueError(
                "groups only applies to an estimator fitted on several curves (with group= "
                f"or a two-dimensional y); this {type(estimator).__name__} has one."
            )
        options = {
            "feature": feature,
            "fixed": fixed,
            "near": float(near),
            "interval": interval,
            "n_points": n_points,
            "extend": extend,
        }
        if isinstance(estimator, DoubleDescentRegressor):
            display = cls._double_descent(estimator, law, X, y, X_test, y_test, target, options)
        elif _has_curves(estimator) and (estimator.group is not None or groups is not None):
            if target != 0:
                raise ValueError(
                    "target picks one output column; give groups= to draw several, not both."
                )
            display = cls._curves(estimator, law, X, y, X_test, y_test, groups, options)
        else:
            _check_number("target", target, low=0, integer=True)
            n_targets = len(estimator.groups_) if _has_curves(estimator) else 1
            if target >= n_targets:
                if n_targets == 1:
                    raise ValueError(f"{type(estimator).__name__} has one target; got {target=}.")
                raise ValueError(
                    f"target must be < {n_targets} (the number of outputs); got {target}."
                )
            if learning_rate:
                display = cls._learning_rate(
                    estimator, X, y, X_test, y_test, n_points, extend, slices, interval
                )
            else:
                y_label = "loss" if isinstance(estimator, LogPowerHyperparamRegressor) else "y"
                display = cls._law(
                    estimator,
                    law,
                    X,
                    y,
                    X_test,
                    y_test,
                    options,
                    law_name=_law_title(estimator, law),
                    target=target,
                    y_label=_y_label(y, y_label),
                )
        return display.plot(
            ax=ax,
            scatter_kwargs=scatter_kwargs,
            line_kwargs=line_kwargs,
            marker_kwargs=marker_kwargs,
            band_kwargs=band_kwargs,
        )

    @classmethod
    def _law(
        cls,
        estimator,
        law,
        X,
        y,
        X_test,
        y_test,
        options,
        *,
        law_name,
        target=0,
        kind="law",
        y_label=None,
    ):
        """The law along one feature, the others fixed: the plot of every law."""
        X = _by_name(estimator, law, X)
        X, y = _validate_xy(X, y, law.n_features, "X", law.features)
        y = _select_target(y, target, "y")
        X_all, y_all = X, y
        is_test = np.zeros(len(X), dtype=bool)
        if X_test is not None:
            X_test = _by_name(estimator, law, X_test)
            X_test, y_test = _validate_xy(X_test, y_test, law.n_features, "X_test", law.features)
            X_all = np.concatenate([X, X_test])
            y_all = np.concatenate([y, _select_target(y_test, target, "y_test")])
            is_test = np.concatenate([is_test, np.ones(len(X_test), dtype=bool)])
        names_in = getattr(estimator, "feature_names_in_", None)
        column = _resolve_feature(law, options["feature"], X, names_in)
        fixed = _resolve_fixed(law, options["fixed"], column, X, names_in)

        x_all = X_all[:, column]
        rule = law.domain.get(law.features[column])
        log_axis = _is_log_scale(x_all, rule)
        grid = _curve_grid(x_all, x_all, log_axis, options, rule)
        X_curve = _law_grid(law, column, fixed, grid)
        y_curve = _predict(estimator, X_curve)
        if y_curve.ndim == 2:
            y_curve = y_curve[:, target]
        band = None
        if options["interval"] is not None:
            band = _predict_band(estimator, X_curve, options["interval"], target)
        is_near = None
        if fixed:
            is_near = _near_rows(law, X_all, fixed, options["near"])
            law_name = f"{law_name}, slice {_fixed_label(fixed)}"
        return cls(
            kind=kind,
            x_data=x_all,
            y_data=y_all,
            x_curve=grid,
            y_curve=y_curve,
            is_test=is_test,
            law_name=law_name,
            feature=law.features[column],
            fixed=fixed,
            is_near=is_near,
            band=band,
            coverage=options["interval"],
            xscale="log" if log_axis else "linear",
            y_label=y_label,
        )

    @classmethod
    def _curves(cls, estimator, law, X, y, X_test, y_test, groups, options):
        """One curve per group (or output column): each its own law along one feature."""
        known = estimator.groups_.tolist()
        drawn = _drawn_groups(known, groups)
        template, y_in = X, y
        features, labels, y = _curve_rows(estimator, law, X, y, "X")
        if X_test is not None:
            test = _curve_rows(estimator, law, X_test, y_test, "X_test")
        names_in = getattr(estimator, "feature_names_in_", None)
        column = _resolve_feature(law, options["feature"], features, names_in)
        fixed = _resolve_fixed(law, options["fixed"], column, features, names_in)
        all_features = features if X_test is None else np.concatenate([features, test[0]])
        rule = law.domain.get(law.features[column])
        log_axis = _is_log_scale(all_features[:, column], rule)

        x_data, y_data, is_test, is_near, x_curve, y_curve = [], [], [], [], [], []
        band = None if options["interval"] is None else []
        for group in drawn:
            k = known.index(group)
            parts = [(features, labels, y, False)]
            if X_test is not None:
                parts.append((*test, True))
            rows_x, rows_y, mask = [], [], []
            for part_X, part_labels, part_y, test_part in parts:
                if part_labels is None:  # one output column per curve, every row
                    rows_x.append(part_X)
                    rows_y.append(part_y[:, k])
                else:
                    rows = np.array([label == group for label in part_labels], dtype=bool)
                    rows_x.append(part_X[rows])
                    rows_y.append(part_y[rows])
                mask.append(np.full(len(rows_x[-1]), test_part))
            curve_X, mask = np.concatenate(rows_x), np.concatenate(mask)
            x = curve_X[:, column]
            grid = _curve_grid(x, all_features[:, column], log_axis, options, rule)
            X_curve = _law_grid(law, column, fixed, grid)
            inputs = _curve_input(estimator, law, template, group, X_curve)
            values = _predict(estimator, inputs)
            if values.ndim == 2:
                values = values[:, k]
            if band is not None:
                target = k if estimator.group is None else 0
                band.append(_predict_band(estimator, inputs, options["interval"], target))
            x_data.append(x)
            y_data.append(np.concatenate(rows_y))
            is_test.append(mask)
            is_near.append(_near_rows(law, curve_X, fixed, options["near"]) if fixed else None)
            x_curve.append(grid)
            y_curve.append(values)
        if not fixed:
            is_near = None
        title = _law_title(estimator, law)
        tied = _tied_text(estimator)
        if fixed:
            title = f"{title}, slice {_fixed_label(fixed)}"
        if tied:
            title = f"{title}\n{tied}"
        return cls(
            kind="curves",
            x_data=x_data,
            y_data=y_data,
            x_curve=x_curve,
            y_curve=y_curve,
            is_test=is_test,
            law_name=title,
            feature=law.features[column],
            fixed=fixed,
            is_near=is_near,
            band=band,
            coverage=options["interval"],
            xscale="log" if log_axis else "linear",
            y_label=_y_label(y_in if labels is not None else None, "y"),
            curve_labels=_curve_names(estimator, drawn, y_in),
        )

    @classmethod
    def _double_descent(cls, estimator, law, X, y, X_test, y_test, target, options):
        n_targets = estimator.coef_.shape[0] if np.ndim(estimator.coef_) == 2 else 1
        _check_number("target", target, low=0, integer=True)
        if target >= n_targets:
            raise ValueError(f"target must be < {n_targets} (the number of targets); got {target}.")
        name = type(estimator).__name__
        display = cls._law(
            estimator,
            law,
            X,
            y,
            X_test,
            y_test,
            options,
            law_name=name if n_targets == 1 else f"{name} (target {target})",
            target=target,
            kind="double_descent",
            y_label=_y_label(y, "score"),
        )
        # What the generic plot does not know: the law's extremum.
        peak = estimator.peak_["log_compute"], estimator.peak_["value"]
        if n_targets > 1:
            peak = tuple(np.atleast_1d(value)[target] for value in peak)
        display.peak = (float(peak[0]), float(peak[1]))
        display.peak_label = "trough" if estimator.shape == "dip" else "peak"
        # The seed law's one feature is log10 compute, whatever the axis says.
        display.x_label = "log10 compute"
        return display

    @classmethod
    def _learning_rate(cls, estimator, X, y, X_test, y_test, n_points, extend, slices, interval):
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
        band = None if interval is None else []
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
            if band is not None:
                band.append(_predict_band(estimator, _slice_grid(lr_grid, slice_), interval))
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
            band=band,
            coverage=interval,
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


def _by_name(estimator, law, X):
    """A frame's columns in the law's order, matched by name as the estimator matches them."""
    if hasattr(X, "columns") and isinstance(estimator, ScalingLawRegressor):
        X, _ = estimator._split_group(X, law, reset=False)
    return X


# --------------------------------------------------------------------- many curves


def _has_curves(estimator):
    """A law fitted on several curves: a group column's, or a two-dimensional y's."""
    return isinstance(getattr(estimator, "law_", None), Law) and hasattr(estimator, "groups_")


def _drawn_groups(known, groups):
    """The labels to draw, checked against the fitted ones; None or 'all' is every one."""
    if groups is None or (isinstance(groups, str) and groups == "all"):
        return list(known)
    if isinstance(groups, str) or not hasattr(groups, "__iter__"):
        raise ValueError(f"groups must be a list of curve labels, 'all' or None; got {groups!r}.")
    drawn = [group.item() if isinstance(group, np.generic) else group for group in groups]
    if not drawn:
        raise ValueError("groups must name at least one curve.")
    unknown = [group for group in drawn if group not in known]
    if unknown:
        shown = known if len(known) <= 20 else [*known[:20], "..."]
        raise ValueError(
            f"groups names curves the estimator was not fitted on: {unknown}; its curves "
            f"(groups_) are {shown}."
        )
    if len({known.index(group) for group in drawn}) != len(drawn):
        raise ValueError(f"groups names a curve twice: {drawn}.")
    # The fitted labels themselves (3.0, not the 3 the user typed) index the curves.
    return [known[known.index(group)] for group in drawn]


def _curve_rows(estimator, law, X, y, name):
    """``(features, labels, y)`` of rows: labels None for a two-dimensional y's outputs."""
    if estimator.group is None:
        X, y = _validate_xy(_by_name(estimator, law, X), y, law.n_features, name, law.features)
        n_outputs = len(estimator.groups_)
        if y.ndim != 2 or y.shape[1] != n_outputs:
            raise ValueError(
                f"y for {name} must have the {n_outputs} output columns the estimator was "
                f"fitted on; got shape {y.shape}."
            )
        return X, None, y
    features, labels = estimator._split_group(X, law, reset=False)
    X, y = _validate_xy(features, y, law.n_features, name, law.features)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"y for {name} must be one-dimensional with group=; got {y.shape}.")
    known = estimator.groups_.tolist()
    unseen = [label for label in dict.fromkeys(labels.tolist()) if label not in known]
    if unseen:
        raise ValueError(
            f"{name} has rows of curves the estimator was not fitted on: {unseen[:5]}; "
            "drop them, or fit on them."
        )
    return X, labels, y


def _curve_grid(x, x_all, log_axis, options, rule):
    """A curve's grid: the span of its rows ``x``, ``extend`` beyond on both sides, kept
    inside the law's domain ``rule`` (``x_all``: every curve's rows)."""
    extend = options["extend"]
    if log_axis:
        low, high = _log10_span(x, extend)
        grid = np.logspace(low, high, options["n_points"])
    else:
        grid = np.linspace(x.min() - extend, x.max() + extend, options["n_points"])
    return _clip_to_domain(grid, rule, x_all, log_axis)


def _curve_input(estimator, law, template, group, features):
    """Rows the estimator predicts from: ``features`` with the group column set to ``group``.

    Built in the layout of the ``X`` the user passed (``template``), so that the
    estimator reads it exactly as it reads that ``X``.
    """
    if estimator.group is None:
        return features
    n_rows = len(features)
    columns = getattr(template, "columns", None)
    if columns is not None:
        import pandas as pd

        names = list(columns)
        if isinstance(estimator.group, str):
            position = [str(c) for c in names].index(estimator.group)
        else:
            position = estimator._group_position(len(names))
        others = [c for i, c in enumerate(names) if i != position]
        if all(isinstance(c, str) for c in others):
            feature_of = {c: law.features.index(c) for c in others}
        else:
            feature_of = {c: j for j, c in enumerate(others)}
        data = {
            c: [group] * n_rows if i == position else features[:, feature_of[c]]
            for i, c in enumerate(names)
        }
        return pd.DataFrame(data, columns=columns)
    n_columns = law.n_features + 1
    position = estimator._group_position(n_columns)
    numeric = isinstance(group, numbers.Real) and not isinstance(group, bool)
    rows = np.empty((n_rows, n_columns), dtype=float if numeric else object)
    rows[:, position] = group
    rows[:, [j for j in range(n_columns) if j != position]] = features
    return rows


def _format_estimate(value, std):
    """``value +- std``, to the precision the standard error gives."""
    if not (np.isfinite(std) and std > 0):
        return f"{value:.3g}"
    digits = 1 - int(np.floor(np.log10(std)))
    if 0 <= digits <= 6 and abs(value) < 1e5:
        return f"{value:.{digits}f} \u00b1 {std:.{digits}f}"
    return f"{value:.3g} \u00b1 {std:.2g}"


def _tied_text(estimator):
    """The parameters every curve has in common: shared (with their error) and fixed."""
    names = estimator.law_.parameters
    first = estimator.groups_.tolist()[0]
    parts = []
    for name in estimator.shared or ():
        value = float(estimator.coef_[0, names.index(name)])
        std = estimator.params_std_[first][name]
        parts.append(f"{name} = {_format_estimate(value, std)}, shared")
    for name, value in (estimator.fixed or {}).items():
        parts.append(f"{name} = {float(value):.3g}, fixed")
    return "; ".join(parts)


def _curve_names(estimator, drawn, y):
    """Legend names: the labels, or a DataFrame target's column names for outputs."""
    columns = getattr(y, "columns", None)
    if estimator.group is None and columns is not None:
        return [str(columns[k]) for k in drawn]
    if estimator.group is None:
        return [f"output {k}" for k in drawn]
    # A numeric label read from a float column prints as the integer it names.
    return [
        str(int(group)) if isinstance(group, float) and group.is_integer() else str(group)
        for group in drawn
    ]


def _curve_colors(n_curves):
    """The default colour cycle, or evenly spaced colours of a map for many curves."""
    if n_curves <= 10:
        return [f"C{i}" for i in range(n_curves)]
    from matplotlib import colormaps

    cmap = colormaps["viridis"]
    return [cmap(value) for value in np.linspace(0.0, 0.9, n_curves)]


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


# -------------------------------------------------------------------- any law's curve


def _estimator_law(estimator):
    """The :class:`Law` whose features ``estimator`` takes, once it is known fitted."""
    seeds = {DoubleDescentRegressor: "double_descent", LogPowerHyperparamRegressor: "log_power"}
    seed = next((name for cls, name in seeds.items() if isinstance(estimator, cls)), None)
    if seed is None and not isinstance(estimator, ScalingLawRegressor):
        if not isinstance(getattr(estimator, "law_", None), Law):
            raise TypeError(
                "ScalingLawDisplay.from_estimator needs a ScalingLawRegressor (or another "
                "estimator with a fitted law_), a DoubleDescentRegressor or a "
                f"LogPowerHyperparamRegressor; got {type(estimator).__name__}."
            )
    check_is_fitted(estimator)
    return estimator.law_ if seed is None else get_law(seed)


def _law_title(estimator, law):
    if isinstance(estimator, LogPowerHyperparamRegressor):
        return f"{type(estimator).__name__} (optimum={estimator.optimum!r})"
    return law.name


def _feature_column(law, name, names_in, what):
    """Column of the feature called ``name``: a law feature or a fitted column name."""
    if isinstance(name, str):
        if name in law.features:
            return law.features.index(name)
        if names_in is not None and name in list(names_in):
            return list(names_in).index(name)
    columns = "" if names_in is None else f" (or the fitted columns {list(names_in)})"
    raise ValueError(
        f"{what} names unknown feature {name!r} of law {law.name!r}; its features are "
        f"{list(law.features)}{columns}."
    )


def _resolve_feature(law, feature, X, names_in):
    """Column of the plotted feature; None picks one."""
    if feature is None:
        if law.n_features == 1:
            return 0
        # The positive feature spanning the most decades; the first if none is positive.
        spans = [
            np.log10(X[:, j].max() / X[:, j].min()) if np.all(X[:, j] > 0) else -np.inf
            for j in range(law.n_features)
        ]
        return int(np.argmax(spans)) if np.isfinite(max(spans)) else 0
    if isinstance(feature, numbers.Integral) and not isinstance(feature, bool):
        if not 0 <= feature < law.n_features:
            raise ValueError(
                f"feature index must be in [0, {law.n_features}) for law {law.name!r} of "
                f"features {list(law.features)}; got {feature}."
            )
        return int(feature)
    if not isinstance(feature, str):
        raise ValueError(
            f"feature must be a feature name, a column index or None; got {feature!r}."
        )
    return _feature_column(law, feature, names_in, "feature")


def _resolve_fixed(law, fixed, column, X, names_in):
    """``{feature: value}`` of every feature but the plotted one, in the law's order."""
    if fixed is None:
        fixed = {}
    if not isinstance(fixed, Mapping):
        raise ValueError(f"fixed must be a dict {{feature name: value}}; got {fixed!r}.")
    values = {}
    for name, value in fixed.items():
        j = _feature_column(law, name, names_in, "fixed")
        if j == column:
            raise ValueError(
                f"fixed gives a value for {law.features[j]!r}, the plotted feature; the "
                "curve varies it. Fix only the other features "
                f"{[f for i, f in enumerate(law.features) if i != column]}."
            )
        if not _is_real(value) or not np.isfinite(value):
            raise ValueError(f"fixed[{name!r}] must be a finite number; got {value!r}.")
        values[j] = float(value)
    return {
        law.features[j]: values.get(j, float(np.median(X[:, j])))
        for j in range(law.n_features)
        if j != column
    }


def _clip_to_domain(grid, rule, values, log_axis):
    """The grid, kept inside the law's declared domain of the feature."""
    low, high = grid[0], grid[-1]
    if rule == "positive" and low <= 0:
        low = values.min()
    elif rule == "nonnegative":
        low = max(low, 0.0)
    elif isinstance(rule, tuple):
        low, high = max(low, rule[0]), min(high, rule[1])
    if (low, high) == (grid[0], grid[-1]):
        return grid
    if log_axis:
        return np.logspace(np.log10(low), np.log10(high), grid.size)
    return np.linspace(low, high, grid.size)


def _law_grid(law, column, fixed, grid):
    """Rows of the law's features: ``grid`` in ``column``, the fixed values elsewhere."""
    X = np.empty((grid.size, law.n_features))
    for j, name in enumerate(law.features):
        X[:, j] = grid if j == column else fixed[name]
    return X


def _near_rows(law, X, fixed, near):
    """Rows whose every fixed feature lies within ``near`` of its value.

    Distances are fractions of the feature's range over ``X``: of its log10 range for
    a feature on a log scale (see :func:`_is_log_scale`) with a positive fixed value.
    """
    near_all = np.ones(len(X), dtype=bool)
    for name, value in fixed.items():
        values = X[:, law.features.index(name)]
        if _is_log_scale(values, law.domain.get(name)) and value > 0:
            values, value = np.log10(values), np.log10(value)
        span = np.ptp(values)
        distance = np.abs(values - value)
        if span > 0:
            near_all &= distance <= near * span
        elif not np.isinf(near):
            near_all &= distance == 0
    return near_all


class IsoFLOPDisplay:
    """Hoffmann et al.'s approach 2 drawn: the IsoFLOP parabolas and the frontier.

    Two panels: on the left each budget's runs (loss against model size, log axis) with
    its parabola and its minimum; on the right the per-budget optimal sizes against
    compute with the fitted power law ``N_opt = G (C / 6)**a``. Build one with
    :meth:`from_result` from :func:`~sklearn_scaling.planning.fit_isoflop`'s result.

    Parameters
    ----------
    result : IsoFLOPResult
        What :func:`~sklearn_scaling.planning.fit_isoflop` returns.

    Attributes
    ----------
    ax_ : ndarray of two matplotlib Axes
        The parabolas' axes and the frontier's.
    figure_ : matplotlib Figure
    lines_ : list of matplotlib Line2D
        One parabola per budget.
    frontier_ : matplotlib Line2D
        The fitted power law of the optimal size.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn_scaling.laws import chinchilla
    >>> from sklearn_scaling.planning import fit_isoflop
    >>> from sklearn_scaling.plotting import IsoFLOPDisplay
    >>> budgets = np.logspace(18, 20, 3)
    >>> N = np.concatenate([np.logspace(7.5, 9.5, 7) * (c / 1e18) ** 0.5 for c in budgets])
    >>> X = np.column_stack([N, np.repeat(budgets, 7) / (6 * N)])
    >>> result = fit_isoflop(X, chinchilla(X, 1.69, 406.4, 410.7, 0.34, 0.28))
    >>> disp = IsoFLOPDisplay.from_result(result)
    >>> len(disp.lines_), disp.ax_.shape
    (3, (2,))
    >>> import matplotlib.pyplot as plt
    >>> plt.close(disp.figure_)
    """

    def __init__(self, result):
        self.result = result

    @classmethod
    def from_result(cls, result, *, ax=None, line_kwargs=None, scatter_kwargs=None):
        """Draw ``result`` (a fitted :class:`~sklearn_scaling.planning.IsoFLOPResult`).

        Parameters
        ----------
        result : IsoFLOPResult
        ax : pair of matplotlib Axes or None, default=None
            Where to draw the parabolas and the frontier; None makes a new figure.
        line_kwargs, scatter_kwargs : dict or None, default=None
            Keywords over the defaults of the parabolas and of the runs.

        Returns
        -------
        display : IsoFLOPDisplay
        """
        for name in ("compute", "parabolas", "n_opt", "a", "G", "X", "y", "budget_index"):
            if not hasattr(result, name):
                raise ValueError(
                    "IsoFLOPDisplay.from_result takes the result of fit_isoflop; got "
                    f"{type(result).__name__} without {name!r}."
                )
        return cls(result).plot(ax=ax, line_kwargs=line_kwargs, scatter_kwargs=scatter_kwargs)

    def plot(self, ax=None, *, line_kwargs=None, scatter_kwargs=None):
        """Draw the parabolas and the frontier.

        Parameters
        ----------
        ax : pair of matplotlib Axes or None, default=None
        line_kwargs, scatter_kwargs : dict or None, default=None

        Returns
        -------
        display : IsoFLOPDisplay
        """
        _check_matplotlib()
        import matplotlib.pyplot as plt

        result = self.result
        if ax is None:
            _, ax = plt.subplots(1, 2, figsize=(10, 4))
        ax = np.asarray(ax, dtype=object).ravel()
        if ax.shape != (2,):
            raise ValueError(f"ax must be a pair of Axes (parabolas, frontier); got {ax.shape}.")
        left, right = ax
        colors = plt.get_cmap("viridis")(np.linspace(0.0, 0.9, len(result.compute)))
        self.lines_ = []
        for k, (compute, coef) in enumerate(zip(result.compute, result.parabolas, strict=True)):
            rows = result.budget_index == k
            sizes = result.X[rows, 0]
            left.scatter(
                sizes, result.y[rows], **_style({"color": colors[k], "s": 14}, scatter_kwargs)
            )
            u = np.linspace(np.log(sizes.min()), np.log(sizes.max()), 100)
            curve = np.polyval(coef, u)
            curve = np.exp(curve) if result.log_loss else curve
            (line,) = left.plot(
                np.exp(u),
                curve,
                **_style({"color": colors[k], "label": f"C = {compute:.2g}"}, line_kwargs),
            )
            self.lines_.append(line)
            left.plot(result.n_opt[k], result.loss_opt[k], "*", color=colors[k], markersize=10)
        left.set_xscale("log")
        left.set_xlabel("parameters N")
        left.set_ylabel("loss")
        left.set_title("IsoFLOP profiles")
        left.legend(fontsize="x-small")
        right.scatter(result.compute, result.n_opt, color="black", zorder=3, label="minima")
        grid = np.logspace(
            np.log10(result.compute.min()) - 0.5, np.log10(result.compute.max()) + 0.5, 50
        )
        (self.frontier_,) = right.plot(
            grid,
            result.predict(grid)[0],
            color="tab:red",
            label=f"N_opt = {result.G:.3g} (C/6)^{result.a:.3f}",
        )
        right.set_xscale("log")
        right.set_yscale("log")
        right.set_xlabel("compute C (FLOPs)")
        right.set_ylabel("optimal parameters N_opt")
        right.set_title("Frontier")
        right.legend(fontsize="small")
        self.ax_ = ax
        self.figure_ = left.figure
        return self
