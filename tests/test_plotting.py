import copy
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from sklearn.base import BaseEstimator, RegressorMixin  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.linear_model import LinearRegression  # noqa: E402

from sklearn_scaling import (  # noqa: E402
    DoubleDescentRegressor,
    LogPowerHyperparamRegressor,
    ScalingLawRegressor,
    datasets,
    laws,
)
from sklearn_scaling.datasets import (  # noqa: E402
    DEFAULT_LOG_POWER_PARAMS,
    make_chinchilla,
    make_double_descent,
    make_lr_bsz_sweep,
    make_power_law,
)
from sklearn_scaling.laws import Law  # noqa: E402
from sklearn_scaling.plotting import ScalingLawDisplay  # noqa: E402

MISSING_MPL = "ScalingLawDisplay requires matplotlib; install it with pip install"

# Slices of the gridded sweep: the first three are drawn 3:2:1 so the default (most
# frequent) slices and their order are known; the last is rare.
COMBOS = np.array([(128, 1e10, 1e8), (512, 5e10, 4e8), (2048, 1e11, 1e9), (64, 3e9, 6e7)])
COMBO_WEIGHTS = np.array([0.4, 0.3, 0.2, 0.1])


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def dd_data():
    X, y = make_double_descent(n_samples=60, random_state=0)
    # Train on the small-compute rows so the test rows lie beyond them.
    train = X[:, 0] < 2.0
    return X[train], y[train], X[~train], y[~train]


@pytest.fixture(scope="module")
def dd_reg(dd_data):
    X, y, _, _ = dd_data
    return DoubleDescentRegressor(n_starts=2, random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def sweep():
    return make_lr_bsz_sweep(n_samples=200, random_state=0)


@pytest.fixture(scope="module")
def grid_sweep():
    """A sweep over learning rates at a few repeated (B, D, N), like the real data."""
    rng = np.random.default_rng(0)
    X, _ = make_lr_bsz_sweep(n_samples=200, random_state=0)
    X[:, 1:] = COMBOS[rng.choice(len(COMBOS), size=len(X), p=COMBO_WEIGHTS)]
    y = laws.log_power(X, DEFAULT_LOG_POWER_PARAMS) + 0.01 * rng.standard_normal(len(X))
    return X, y


@pytest.fixture(scope="module", params=["fixed", "scaling"])
def lp_reg(request, grid_sweep):
    X, y = grid_sweep
    reg = LogPowerHyperparamRegressor(optimum=request.param, n_starts=2, random_state=0)
    return reg.fit(X, y)


@pytest.fixture(scope="module")
def lp_fixed(grid_sweep):
    return LogPowerHyperparamRegressor(n_starts=2, random_state=0).fit(*grid_sweep)


def _offsets(collection):
    return np.asarray(collection.get_offsets())


def _slice_X(lr, slice_):
    lr = np.asarray(lr, dtype=float)
    return np.column_stack([lr, np.tile(slice_, (lr.size, 1))])


# ------------------------------------------------------------------------ double descent


@pytest.mark.parametrize("extend", [0.0, 0.5, 1.25])
def test_double_descent_curve_extends_beyond_all_data(dd_reg, dd_data, extend):
    X, y, X_test, y_test = dd_data
    disp = ScalingLawDisplay.from_estimator(
        dd_reg, X, y, X_test=X_test, y_test=y_test, extend=extend, n_points=150
    )
    x_curve, y_curve = disp.lines_[0].get_data()
    everything = np.concatenate([X[:, 0], X_test[:, 0]])
    assert x_curve.shape == (150,)
    # The test rows lie beyond the training rows, so the grid must follow them.
    assert everything.max() > X[:, 0].max()
    np.testing.assert_allclose(x_curve.min(), everything.min() - extend)
    np.testing.assert_allclose(x_curve.max(), everything.max() + extend)
    np.testing.assert_allclose(y_curve, dd_reg.predict(x_curve[:, None]))


def test_double_descent_scatter_peak_and_labels(dd_reg, dd_data):
    X, y, X_test, y_test = dd_data
    disp = ScalingLawDisplay.from_estimator(dd_reg, X, y, X_test=X_test, y_test=y_test)
    train, test = disp.scatter_
    np.testing.assert_array_equal(_offsets(train), np.column_stack([X[:, 0], y]))
    np.testing.assert_array_equal(_offsets(test), np.column_stack([X_test[:, 0], y_test]))
    assert train.get_label() == "train" and test.get_label() == "test"
    # Train and test must be told apart by more than the legend.
    assert not np.allclose(train.get_facecolor(), test.get_facecolor())

    peak_x, peak_y = disp.peak_marker_.get_data()
    assert peak_x[0] == pytest.approx(dd_reg.peak_["log_compute"])
    assert peak_y[0] == pytest.approx(dd_reg.peak_["value"])
    assert disp.optimum_markers_ is None

    assert disp.ax_.get_xlabel() == "log10 compute"
    assert disp.ax_.get_ylabel() == "score"
    legend = [text.get_text() for text in disp.ax_.get_legend().get_texts()]
    assert legend[:3] == ["train", "test", "fit"] and legend[3].startswith("peak")
    assert disp.figure_ is disp.ax_.figure


def test_double_descent_without_test_rows(dd_reg, dd_data):
    X, y, _, _ = dd_data
    disp = ScalingLawDisplay.from_estimator(dd_reg, X, y, extend=0.5)
    (scatter,) = disp.scatter_
    assert len(_offsets(scatter)) == len(X)
    assert scatter.get_label() == "data"
    x_curve = disp.lines_[0].get_xdata()
    np.testing.assert_allclose([x_curve.min(), x_curve.max()], [X.min() - 0.5, X.max() + 0.5])


@pytest.mark.parametrize("target", [0, 1])
def test_double_descent_multi_target(target):
    X, Y = make_double_descent(n_samples=60, n_targets=2, random_state=0)
    reg = DoubleDescentRegressor(n_starts=2, random_state=0).fit(X, Y)
    disp = ScalingLawDisplay.from_estimator(reg, X, Y, target=target)
    x_curve, y_curve = disp.lines_[0].get_data()
    np.testing.assert_allclose(y_curve, reg.predict(x_curve[:, None])[:, target])
    np.testing.assert_array_equal(disp.scatter_[0].get_offsets()[:, 1], Y[:, target])
    peak_x, peak_y = disp.peak_marker_.get_data()
    assert peak_x[0] == pytest.approx(reg.peak_["log_compute"][target])
    assert peak_y[0] == pytest.approx(reg.peak_["value"][target])
    assert f"target {target}" in disp.ax_.get_title()
    with pytest.raises(ValueError, match="target must be < 2"):
        ScalingLawDisplay.from_estimator(reg, X, Y, target=2)


def test_double_descent_fitted_on_dataframe_does_not_warn(dd_data):
    pd = pytest.importorskip("pandas")
    X, y, _, _ = dd_data
    frame = pd.DataFrame({"log_flops": X[:, 0]})
    reg = DoubleDescentRegressor(n_starts=2, random_state=0).fit(frame, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        disp = ScalingLawDisplay.from_estimator(reg, frame, y)
    x_curve, y_curve = disp.lines_[0].get_data()
    np.testing.assert_allclose(y_curve, reg.predict(pd.DataFrame({"log_flops": x_curve})))


# ------------------------------------------------------------------------- learning rate


def test_learning_rate_default_slices_are_the_most_frequent(lp_reg, grid_sweep):
    X, y = grid_sweep
    disp = ScalingLawDisplay.from_estimator(lp_reg, X, y, n_points=120)
    expected = [tuple(COMBOS[i]) for i in range(3)]
    assert disp.slices == expected
    assert len(disp.lines_) == len(disp.scatter_) == len(disp.optimum_markers_) == 3
    for slice_, line, scatter in zip(expected, disp.lines_, disp.scatter_, strict=True):
        rows = np.all(X[:, 1:] == slice_, axis=1)
        np.testing.assert_array_equal(_offsets(scatter), np.column_stack([X[rows, 0], y[rows]]))
        x_curve, y_curve = line.get_data()
        assert x_curve.shape == (120,)
        np.testing.assert_allclose(y_curve, lp_reg.predict(_slice_X(x_curve, slice_)))
        # The grid spans every learning rate in X, half a decade beyond on each side.
        assert x_curve.min() <= X[:, 0].min() / 10**0.5 * (1 + 1e-9)
        assert x_curve.max() >= X[:, 0].max() * 10**0.5 * (1 - 1e-9)
        # A slice's points share its curve's colour.
        line_rgb = matplotlib.colors.to_rgba(line.get_color())[:3]
        np.testing.assert_allclose(scatter.get_facecolor()[0][:3], line_rgb)
    ax = disp.ax_
    assert ax.get_xscale() == "log"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("learning rate", "loss")
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == ["B=128, D=1e10, N=1e8", "B=512, D=5e10, N=4e8", "B=2048, D=1e11, N=1e9"] + [
        "optimum"
    ]


def test_learning_rate_optimum_sits_at_curve_minimum(lp_reg, grid_sweep):
    X, y = grid_sweep
    disp = ScalingLawDisplay.from_estimator(lp_reg, X, y, n_points=400)
    for slice_, line, marker in zip(disp.slices, disp.lines_, disp.optimum_markers_, strict=True):
        (lr_best,), (loss_best,) = marker.get_data()
        x_curve, y_curve = line.get_data()
        assert loss_best == pytest.approx(lp_reg.predict(_slice_X([lr_best], slice_))[0])
        assert loss_best <= y_curve.min() + 1e-12
        # The marker is the minimum, not just near the grid's lowest point.
        nearby = lp_reg.predict(_slice_X([lr_best * 0.99, lr_best * 1.01], slice_))
        assert np.all(nearby >= loss_best)
        assert x_curve.min() <= lr_best <= x_curve.max()
        if lp_reg.optimum == "fixed":
            assert lr_best == pytest.approx(lp_reg.params_["lr_opt"])


def test_learning_rate_scaling_optimum_at_optimal_learning_rate(grid_sweep):
    X, y = grid_sweep
    reg = LogPowerHyperparamRegressor(optimum="scaling", n_starts=2, random_state=0).fit(X, y)
    data_size, param_size = 5e10, 4e8
    batch_size = float(reg.optimal_batch_size(data_size, param_size))
    slice_ = (batch_size, data_size, param_size)
    disp = ScalingLawDisplay.from_estimator(reg, X, y, slices=[slice_])
    (lr_best,), (loss_best,) = disp.optimum_markers_[0].get_data()
    assert lr_best == pytest.approx(float(reg.optimal_learning_rate(data_size, param_size)))
    assert loss_best == pytest.approx(reg.predict(_slice_X([lr_best], slice_))[0])


def test_learning_rate_unique_combinations_and_test_rows(sweep):
    X, y = sweep
    reg = LogPowerHyperparamRegressor(n_starts=2, random_state=0).fit(X[:150], y[:150])
    # Every (B, D, N) of make_lr_bsz_sweep is drawn anew, so each slice holds one row.
    slices = [tuple(X[0, 1:]), tuple(X[160, 1:])]
    disp = ScalingLawDisplay.from_estimator(
        reg, X[:150], y[:150], X_test=X[150:], y_test=y[150:], slices=slices
    )
    assert len(disp.lines_) == 2 and len(disp.scatter_) == 4
    train_counts = [len(_offsets(s)) for s in disp.scatter_[:2]]
    test_counts = [len(_offsets(s)) for s in disp.scatter_[2:]]
    assert train_counts == [1, 0] and test_counts == [0, 1]
    np.testing.assert_allclose(_offsets(disp.scatter_[3])[0], [X[160, 0], y[160]])
    assert "test" in [text.get_text() for text in disp.ax_.get_legend().get_texts()]

    default = ScalingLawDisplay.from_estimator(reg, X[:150], y[:150])
    assert len(default.lines_) == 3
    assert [len(_offsets(s)) for s in default.scatter_] == [1, 1, 1]


def test_learning_rate_without_optimum_draws_no_marker(lp_fixed, grid_sweep):
    X, y = grid_sweep
    reg = lp_fixed
    # A bowl that opens downwards has no minimum to mark.
    flipped = copy.deepcopy(reg)
    flipped.coef_ = flipped.coef_.copy()
    flipped.coef_[5] = -0.05
    flipped.params_ = {**reg.params_, "d": -0.05}
    disp = ScalingLawDisplay.from_estimator(flipped, X, y)
    assert disp.optimum_markers_ == [None, None, None]
    assert len(disp.lines_) == 3


# ----------------------------------------------------------------------- from_predictions


def test_from_predictions_draws_what_it_was_given():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 3, 20)
    y = rng.normal(size=20)
    x_curve = np.linspace(-2, 4, 33)
    y_curve = np.sin(x_curve)
    is_test = x > 2
    disp = ScalingLawDisplay.from_predictions(
        x, y, x_curve, y_curve, is_test=is_test, peak=(1.5, 0.9), law_name="my law"
    )
    np.testing.assert_array_equal(disp.lines_[0].get_xdata(), x_curve)
    np.testing.assert_array_equal(disp.lines_[0].get_ydata(), y_curve)
    train, test = disp.scatter_
    np.testing.assert_array_equal(_offsets(train), np.column_stack([x[~is_test], y[~is_test]]))
    np.testing.assert_array_equal(_offsets(test), np.column_stack([x[is_test], y[is_test]]))
    assert [a[0] for a in disp.peak_marker_.get_data()] == [1.5, 0.9]
    assert disp.ax_.get_title() == "my law"

    plain = ScalingLawDisplay.from_predictions(x, y, x_curve, y_curve)
    assert len(plain.scatter_) == 1 and plain.peak_marker_ is None


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"y": np.zeros(3)}, "x and y must be 1-D"),
        ({"y_curve": np.zeros(4)}, "x_curve and y_curve"),
        ({"is_test": [0, 1, 0, 1, 0]}, "is_test must be a boolean"),
        ({"peak": (1.0,)}, "peak must be"),
        ({"peak": "top"}, "peak must be"),
    ],
)
def test_from_predictions_validates(kwargs, match):
    args = {"x": np.arange(5.0), "y": np.ones(5), "x_curve": np.arange(3.0)}
    args["y_curve"] = np.zeros(3)
    args.update({key: kwargs.pop(key) for key in list(kwargs) if key in args})
    with pytest.raises(ValueError, match=match):
        ScalingLawDisplay.from_predictions(**args, **kwargs)


# --------------------------------------------------------------------------- plot and ax


def test_plot_uses_given_axes(dd_reg, dd_data):
    X, y, _, _ = dd_data
    fig, (left, right) = plt.subplots(1, 2)
    disp = ScalingLawDisplay.from_estimator(dd_reg, X, y, ax=right)
    assert disp.ax_ is right and disp.figure_ is fig
    assert len(right.lines) == 2 and not left.lines

    # Drawing again onto another axes moves the stored artists there.
    disp.plot(ax=left)
    assert disp.ax_ is left and disp.lines_[0].axes is left
    assert disp.scatter_[0].axes is left


def test_plot_style_keywords(dd_reg, dd_data):
    X, y, _, _ = dd_data
    disp = ScalingLawDisplay.from_estimator(
        dd_reg,
        X,
        y,
        line_kwargs={"c": "tab:green", "lw": 4},
        scatter_kwargs={"alpha": 0.3},
        marker_kwargs={"markersize": 5},
    )
    line = disp.lines_[0]
    assert line.get_color() == "tab:green" and line.get_linewidth() == 4
    assert disp.scatter_[0].get_alpha() == 0.3
    assert disp.peak_marker_.get_markersize() == 5
    with pytest.raises(TypeError, match="aliases"):
        disp.plot(line_kwargs={"c": "red", "color": "blue"})


def test_constructor_then_plot_creates_figure():
    disp = ScalingLawDisplay(
        kind="learning_rate",
        x_data=[np.array([1e-3, 1e-2])],
        y_data=[np.array([2.5, 2.7])],
        x_curve=[np.logspace(-4, -1, 10)],
        y_curve=[np.linspace(3, 2, 10)],
    )
    assert disp.plot() is disp
    assert disp.optimum_markers_ == [None]
    assert disp.lines_[0].get_label() == "slice 0"
    with pytest.raises(ValueError, match="kind must be one of"):
        ScalingLawDisplay(kind="other", x_data=[], y_data=[], x_curve=[], y_curve=[]).plot()


def test_saves_png(dd_reg, dd_data, tmp_path):
    X, y, X_test, y_test = dd_data
    disp = ScalingLawDisplay.from_estimator(dd_reg, X, y, X_test=X_test, y_test=y_test)
    path = tmp_path / "law.png"
    disp.figure_.savefig(path)
    assert path.is_file() and path.stat().st_size > 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------------- errors


def test_unfitted_estimators_raise(dd_data, sweep):
    X, y, _, _ = dd_data
    with pytest.raises(NotFittedError):
        ScalingLawDisplay.from_estimator(DoubleDescentRegressor(), X, y)
    with pytest.raises(NotFittedError):
        ScalingLawDisplay.from_estimator(LogPowerHyperparamRegressor(), *sweep)


def test_other_estimators_raise_type_error(dd_data):
    X, y, _, _ = dd_data
    with pytest.raises(TypeError, match="DoubleDescentRegressor or a LogPowerHyperparamRegressor"):
        ScalingLawDisplay.from_estimator(LinearRegression().fit(X, y), X, y)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"slices": [(256, 1e10, 1e8)]}, "slices only applies"),
        ({"X_test": np.zeros((2, 1))}, "X_test and y_test must be given together"),
        ({"n_points": 1}, "n_points must be >= 2"),
        ({"extend": -1.0}, "extend must be >= 0"),
        ({"target": 1}, "target must be < 1"),
    ],
)
def test_double_descent_argument_errors(dd_reg, dd_data, kwargs, match):
    X, y, _, _ = dd_data
    with pytest.raises(ValueError, match=match):
        ScalingLawDisplay.from_estimator(dd_reg, X, y, **kwargs)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"slices": [(256, 1e10)]}, "triple of numbers"),
        ({"slices": [(0.5, 1e10, 1e8)]}, "batch_size >= 1"),
        ({"slices": []}, "at least one slice"),
        ({"target": 1}, "one target"),
    ],
)
def test_learning_rate_argument_errors(lp_fixed, grid_sweep, kwargs, match):
    X, y = grid_sweep
    reg = lp_fixed
    with pytest.raises(ValueError, match=match):
        ScalingLawDisplay.from_estimator(reg, X, y, **kwargs)
    with pytest.raises(ValueError, match="4 column"):
        ScalingLawDisplay.from_estimator(reg, X[:, :3], y)
    bad = X.copy()
    bad[0, 0] = 0.0
    with pytest.raises(ValueError, match="learning rates"):
        ScalingLawDisplay.from_estimator(reg, bad, y)


def test_missing_matplotlib_raises_clear_import_error(monkeypatch, dd_reg, dd_data):
    X, y, _, _ = dd_data
    disp = ScalingLawDisplay.from_predictions([0.0], [1.0], [0.0, 1.0], [1.0, 1.0])
    # A None entry in sys.modules makes the import statement raise ImportError.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=MISSING_MPL):
        ScalingLawDisplay.from_estimator(dd_reg, X, y)
    with pytest.raises(ImportError, match=MISSING_MPL):
        ScalingLawDisplay.from_predictions([0.0], [1.0], [0.0, 1.0], [1.0, 1.0])
    with pytest.raises(ImportError, match=r"sklearn_scaling\[plot\]"):
        disp.plot()


def test_module_imports_without_matplotlib():
    code = (
        "import sys; sys.modules['matplotlib'] = None; "
        "import sklearn_scaling.plotting as p; print(p.__all__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "ScalingLawDisplay" in result.stdout


def test_dip_marks_its_trough():
    X, y = make_double_descent(n_samples=60, random_state=0)
    reg = DoubleDescentRegressor(shape="dip", n_starts=2, random_state=0).fit(X, -y)
    disp = ScalingLawDisplay.from_estimator(reg, X, -y)
    assert disp.peak_marker_.get_label().startswith("trough")
    assert disp.peak_marker_.get_ydata()[0] == pytest.approx(reg.peak_["value"])
    assert reg.peak_["value"] <= disp.y_curve.min() + 1e-6


# ---------------------------------------------------------------------- any law's curve

# Every registered law with a generator in datasets: ``make_<name>``, and the log-power
# sweep. A law registered later with a generator is picked up without editing here.
GENERATORS = {
    name: getattr(datasets, f"make_{name}")
    for name in laws.available_laws()
    if hasattr(datasets, f"make_{name}")
}
GENERATORS["log_power"] = make_lr_bsz_sweep


def cooling(X, E, A, alpha, k):
    """A user's law: a power law in N plus a linear effect of a temperature T >= 0."""
    return E + A * X[:, 0] ** -alpha + k * X[:, 1]


COOLING = Law(
    "cooling",
    cooling,
    features=("N", "T"),
    bounds={"E": (0, np.inf), "A": (0, np.inf), "alpha": (0, 2), "k": (-np.inf, np.inf)},
    linear=("E", "A", "k"),
    domain={"N": "positive", "T": "nonnegative"},
)


def make_cooling(n_samples=80, random_state=0):
    rng = np.random.default_rng(random_state)
    X = np.column_stack([10 ** rng.uniform(6, 9, n_samples), rng.uniform(0.0, 1.0, n_samples)])
    X[:5, 1] = 0.0  # some runs at T = 0 exactly
    y = cooling(X, 1.5, 30.0, 0.3, 0.2) + 0.005 * rng.standard_normal(n_samples)
    return X, y


def _quiet_fit(estimator, X, y):
    # Fit warnings (a parameter on a bound) are about the fit, not the plot.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimator.fit(X, y)


def _grid(disp, law, x_curve):
    """The law's feature rows of the curve, rebuilt from the display's fixed values."""
    columns = [
        x_curve if name == disp.feature else np.full(x_curve.size, disp.fixed[name])
        for name in law.features
    ]
    return np.column_stack(columns)


def _all_offsets(disp):
    return np.concatenate([_offsets(s) for s in disp.scatter_])


@pytest.fixture(scope="module", params=[*sorted(GENERATORS), "user:cooling"])
def law_fit(request):
    name = request.param
    if name == "user:cooling":
        X, y = make_cooling()
        law = COOLING
    else:
        n_samples = 150 if name == "log_power" else 80
        X, y = GENERATORS[name](n_samples=n_samples, random_state=0)
        law = laws.get_law(name)
    reg = _quiet_fit(ScalingLawRegressor(law, n_starts=2, random_state=0), X, y)
    return reg, X, y


def test_registry_laws_with_generators_are_covered():
    assert {"chinchilla", "data_constrained", "power_law", "broken_power_law", "rectified"} <= set(
        GENERATORS
    )


def test_every_law_plots_its_prediction_on_the_grid(law_fit):
    reg, X, y = law_fit
    law = reg.law_
    with warnings.catch_warnings():
        # Extrapolating below a law's minimum warns in predict; that is the law's news.
        warnings.simplefilter("ignore", UserWarning)
        disp = ScalingLawDisplay.from_estimator(reg, X, y, n_points=50)
        (line,) = disp.lines_
        x_curve, y_curve = line.get_data()
        expected = reg.predict(_grid(disp, law, x_curve))
    assert x_curve.shape == (50,)
    np.testing.assert_allclose(y_curve, expected, rtol=1e-12)
    assert disp.kind == "law" and disp.feature in law.features
    column = law.features.index(disp.feature)
    # The other features are held at the median of X, in the law's order.
    assert list(disp.fixed) == [f for f in law.features if f != disp.feature]
    for name, value in disp.fixed.items():
        assert value == pytest.approx(np.median(X[:, law.features.index(name)]))
    # Every row is drawn, whether near the slice or not.
    offsets = _all_offsets(disp)
    assert len(offsets) == len(X)
    np.testing.assert_array_equal(np.sort(offsets[:, 0]), np.sort(X[:, column].astype(float)))
    x = X[:, column]
    log_axis = law.domain.get(disp.feature) != "finite" and x.min() > 0 and x.max() > 10 * x.min()
    assert disp.ax_.get_xscale() == ("log" if log_axis else "linear")
    if log_axis:
        # Half a decade of extrapolation each side (unless the domain cuts it short).
        assert x_curve.max() == pytest.approx(x.max() * 10**0.5)
        assert x_curve.min() <= x.min()
    assert disp.ax_.get_xlabel() == disp.feature.replace("_", " ")
    assert disp.ax_.get_title().startswith(law.name)


def test_default_feature_varies_most_in_log_scale():
    X, y = make_cooling()
    reg = _quiet_fit(ScalingLawRegressor(COOLING, n_starts=2, random_state=0), X, y)
    disp = ScalingLawDisplay.from_estimator(reg, X, y)
    # T holds zeros (no log axis); N spans three decades.
    assert disp.feature == "N" and disp.ax_.get_xscale() == "log"
    along_t = ScalingLawDisplay.from_estimator(reg, X, y, feature="T", extend=0.25)
    x_curve, y_curve = along_t.lines_[0].get_data()
    assert along_t.ax_.get_xscale() == "linear"
    # Linear axis: extend in T's own units, but not below T's domain (T >= 0).
    assert x_curve.min() == 0.0
    assert x_curve.max() == pytest.approx(X[:, 1].max() + 0.25)
    np.testing.assert_allclose(y_curve, reg.predict(_grid(along_t, COOLING, x_curve)))
    by_index = ScalingLawDisplay.from_estimator(reg, X, y, feature=1)
    assert by_index.feature == "T"

    X, y = make_chinchilla(n_samples=60, random_state=0)
    reg = _quiet_fit(ScalingLawRegressor("chinchilla", n_starts=2, random_state=0), X, y)
    spans = np.log10(X.max(axis=0) / X.min(axis=0))
    disp = ScalingLawDisplay.from_estimator(reg, X, y)
    assert disp.feature == ("N", "D")[int(np.argmax(spans))]


@pytest.fixture(scope="module")
def chinchilla_fit():
    X, y = make_chinchilla(n_samples=120, random_state=0)
    reg = _quiet_fit(ScalingLawRegressor("chinchilla", n_starts=2, random_state=0), X, y)
    return reg, X, y


def test_fixed_values_are_honoured(chinchilla_fit):
    reg, X, y = chinchilla_fit
    disp = ScalingLawDisplay.from_estimator(reg, X, y, feature="N", fixed={"D": 3e10})
    assert disp.fixed == {"D": 3e10}
    x_curve, y_curve = disp.lines_[0].get_data()
    np.testing.assert_allclose(y_curve, reg.predict(np.column_stack([x_curve, 0 * x_curve + 3e10])))
    assert "D=3e10" in disp.ax_.get_title()
    # A different slice is a different curve.
    other = ScalingLawDisplay.from_estimator(reg, X, y, feature="N", fixed={"D": 3e11})
    assert np.all(other.lines_[0].get_ydata() < y_curve)

    X3, y3 = datasets.make_data_constrained(n_samples=60, random_state=0)
    reg3 = _quiet_fit(ScalingLawRegressor("data_constrained", n_starts=2, random_state=0), X3, y3)
    disp = ScalingLawDisplay.from_estimator(reg3, X3, y3, feature="D", fixed={"U": 1e9})
    # Given values are kept; the rest default to the median.
    assert disp.fixed == {"N": pytest.approx(np.median(X3[:, 0])), "U": 1e9}
    x_curve, y_curve = disp.lines_[0].get_data()
    np.testing.assert_allclose(y_curve, reg3.predict(_grid(disp, reg3.law_, x_curve)))


def test_rows_near_the_slice_are_told_apart(chinchilla_fit):
    reg, X, y = chinchilla_fit
    fixed_d = 3e10
    disp = ScalingLawDisplay.from_estimator(reg, X, y, feature="N", fixed={"D": fixed_d}, near=0.1)
    log_d = np.log10(X[:, 1])
    near = np.abs(log_d - np.log10(fixed_d)) <= 0.1 * np.ptp(log_d)
    assert 0 < near.sum() < len(X)
    close, away = disp.scatter_
    np.testing.assert_array_equal(_offsets(close), np.column_stack([X[near, 0], y[near]]))
    np.testing.assert_array_equal(_offsets(away), np.column_stack([X[~near, 0], y[~near]]))
    assert close.get_label() == "data near the slice"
    assert away.get_label() == "away from the slice"
    assert not np.allclose(close.get_facecolor(), away.get_facecolor())

    everything = ScalingLawDisplay.from_estimator(reg, X, y, feature="N", near=np.inf)
    assert len(everything.scatter_) == 1 and len(_offsets(everything.scatter_[0])) == len(X)

    # Test rows near and away get their own collections too.
    split = ScalingLawDisplay.from_estimator(
        reg, X[:80], y[:80], X_test=X[80:], y_test=y[80:], feature="N", fixed={"D": fixed_d}
    )
    assert [s.get_label() for s in split.scatter_][:3] == [
        "train near the slice",
        "test near the slice",
        "away from the slice",
    ]
    assert sum(len(_offsets(s)) for s in split.scatter_) == len(X)
    assert sum(len(_offsets(s)) for s in split.scatter_[:2]) == near.sum()

    # A slice no training row lies near: no legend entry claims one.
    small = X[:, 0] < 1e9
    beyond = ScalingLawDisplay.from_estimator(
        reg, X[small], y[small], X_test=X[~small], y_test=y[~small], feature="D", fixed={"N": 5e9}
    )
    assert len(_offsets(beyond.scatter_[0])) == 0
    legend = [text.get_text() for text in beyond.ax_.get_legend().get_texts()]
    assert "train near the slice" not in legend and "test near the slice" in legend


def test_one_feature_law_extends_and_stays_in_domain():
    X, y = make_power_law(n_samples=40, random_state=0)
    reg = _quiet_fit(ScalingLawRegressor("power_law", n_starts=2, random_state=0), X, y)
    disp = ScalingLawDisplay.from_estimator(reg, X, y, extend=1.0)
    x_curve = disp.lines_[0].get_xdata()
    np.testing.assert_allclose([x_curve.min(), x_curve.max()], [X.min() / 10, X.max() * 10])
    assert disp.fixed == {} and disp.is_near is None
    assert disp.scatter_[0].get_label() == "data" and disp.ax_.get_title() == "power_law"

    # Less than a decade of x: a linear axis, whose extension stops at x > 0.
    X, y = make_power_law(n_samples=40, x_range=(2.0, 8.0), random_state=0)
    reg = _quiet_fit(ScalingLawRegressor("power_law", n_starts=2, random_state=0), X, y)
    disp = ScalingLawDisplay.from_estimator(reg, X, y, extend=5.0)
    x_curve, y_curve = disp.lines_[0].get_data()
    assert disp.ax_.get_xscale() == "linear"
    np.testing.assert_allclose([x_curve.min(), x_curve.max()], [X.min(), X.max() + 5.0])
    np.testing.assert_allclose(y_curve, reg.predict(x_curve[:, None]))


def test_double_descent_positive_log_compute_keeps_a_linear_axis():
    # log10 compute is a logarithm already: no log axis even when it is all positive.
    X, y = make_double_descent(n_samples=40, x_range=(0.1, 3.0), random_state=0)
    reg = DoubleDescentRegressor(n_starts=2, random_state=0).fit(X, y)
    disp = ScalingLawDisplay.from_estimator(reg, X, y)
    assert disp.ax_.get_xscale() == "linear"
    assert disp.kind == "double_descent" and disp.peak_marker_ is not None


def test_dataframe_columns_and_series_name():
    pd = pytest.importorskip("pandas")
    X, y = make_chinchilla(n_samples=60, random_state=0)
    # Columns are matched to the law's features by name, whatever their order.
    frame = pd.DataFrame({"D": X[:, 1], "N": X[:, 0]})
    target = pd.Series(y, name="val_loss")
    reg = _quiet_fit(ScalingLawRegressor("chinchilla", n_starts=2, random_state=0), frame, target)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        disp = ScalingLawDisplay.from_estimator(reg, frame, target, feature="D", fixed={"N": 1e9})
    assert disp.feature == "D" and disp.fixed == {"N": 1e9}
    assert disp.ax_.get_ylabel() == "val_loss"
    np.testing.assert_array_equal(np.sort(_all_offsets(disp)[:, 0]), np.sort(X[:, 1]))
    x_curve, y_curve = disp.lines_[0].get_data()
    grid = pd.DataFrame({"D": x_curve, "N": 1e9})
    np.testing.assert_allclose(y_curve, reg.predict(grid))


def test_log_power_estimator_with_feature_uses_the_generic_plot(lp_fixed, grid_sweep):
    X, y = grid_sweep
    disp = ScalingLawDisplay.from_estimator(lp_fixed, X, y, feature="data_size", n_points=30)
    assert disp.kind == "law" and disp.optimum_markers_ is None
    assert list(disp.fixed) == ["learning_rate", "batch_size", "param_size"]
    x_curve, y_curve = disp.lines_[0].get_data()
    np.testing.assert_allclose(
        y_curve, lp_fixed.predict(_grid(disp, laws.get_law("log_power"), x_curve))
    )
    assert disp.ax_.get_ylabel() == "loss" and disp.ax_.get_xlabel() == "data size"
    with pytest.raises(ValueError, match="slices only applies"):
        ScalingLawDisplay.from_estimator(
            lp_fixed, X, y, feature="data_size", slices=[(128, 1e10, 1e8)]
        )


# ----------------------------------------------------------------------- interval band


class IntervalStub(ScalingLawRegressor):
    """A fitted ScalingLawRegressor with a made-up band: +-(coverage / 10) of the fit."""

    def predict_interval(self, X, coverage=0.9):
        prediction = self.predict(X)
        half = coverage / 10 * np.abs(prediction)
        return prediction - half, prediction + half


class ArrayIntervalStub(IntervalStub):
    """The same band as an (n_samples, 2) array."""

    def predict_interval(self, X, coverage=0.9):
        return np.column_stack(super().predict_interval(X, coverage=coverage))


class BadIntervalStub(ScalingLawRegressor):
    def predict_interval(self, X, coverage=0.9):
        return np.zeros(3)


@pytest.fixture(scope="module")
def power_data():
    return make_power_law(n_samples=40, random_state=0)


@pytest.mark.parametrize("stub", [IntervalStub, ArrayIntervalStub])
def test_interval_draws_a_band(stub, power_data):
    X, y = power_data
    reg = _quiet_fit(stub("power_law", n_starts=2, random_state=0), X, y)
    disp = ScalingLawDisplay.from_estimator(reg, X, y, interval=0.8, n_points=40)
    x_curve, y_curve = disp.lines_[0].get_data()
    low, high = disp.band
    np.testing.assert_allclose(low, y_curve * 0.92)
    np.testing.assert_allclose(high, y_curve * 1.08)
    assert disp.coverage == 0.8 and disp.band_ in disp.ax_.collections
    vertices = disp.band_.get_paths()[0].vertices
    np.testing.assert_allclose(
        [vertices[:, 1].min(), vertices[:, 1].max()], [low.min(), high.max()]
    )
    legend = [text.get_text() for text in disp.ax_.get_legend().get_texts()]
    assert "80% interval" in legend

    plain = ScalingLawDisplay.from_estimator(reg, X, y)
    assert plain.band is None and plain.band_ is None


def test_interval_on_learning_rate_slices(lp_fixed, grid_sweep):
    X, y = grid_sweep

    class LogPowerStub(LogPowerHyperparamRegressor):
        def predict_interval(self, X, coverage=0.9):
            prediction = self.predict(X)
            return prediction - coverage, prediction + coverage

    stub = copy.copy(lp_fixed)
    stub.__class__ = LogPowerStub
    disp = ScalingLawDisplay.from_estimator(stub, X, y, interval=0.5)
    assert len(disp.band_) == 3
    for (low, high), line in zip(disp.band, disp.lines_, strict=True):
        np.testing.assert_allclose(high - line.get_ydata(), 0.5)
        np.testing.assert_allclose(line.get_ydata() - low, 0.5)
    legend = [text.get_text() for text in disp.ax_.get_legend().get_texts()]
    assert legend.count("50% interval") == 1


class LawOnly(RegressorMixin, BaseEstimator):
    """Any estimator with a fitted ``law_`` and ``predict``, and no ``predict_interval``."""

    def __init__(self, fitted=None):
        self.fitted = fitted

    def fit(self, X, y):
        self.law_ = self.fitted.law_
        return self

    def predict(self, X):
        return self.fitted.predict(X)


def test_interval_errors(power_data):
    X, y = power_data
    reg = _quiet_fit(ScalingLawRegressor("power_law", n_starts=2, random_state=0), X, y)
    duck = LawOnly(reg).fit(X, y)
    # Without interval, an estimator that only has a fitted law_ plots like any other.
    disp = ScalingLawDisplay.from_estimator(duck, X, y)
    np.testing.assert_allclose(disp.lines_[0].get_ydata(), reg.predict(disp.x_curve[:, None]))
    with pytest.raises(ValueError, match="needs an estimator with predict_interval"):
        ScalingLawDisplay.from_estimator(duck, X, y, interval=0.9)
    stub = _quiet_fit(IntervalStub("power_law", n_starts=2, random_state=0), X, y)
    for bad in (0.0, 1.0, 1.5, True, "90%"):
        with pytest.raises(ValueError, match=r"interval must be a coverage in \(0, 1\)"):
            ScalingLawDisplay.from_estimator(stub, X, y, interval=bad)
    broken = _quiet_fit(BadIntervalStub("power_law", n_starts=2, random_state=0), X, y)
    with pytest.raises(ValueError, match="predict_interval must return"):
        ScalingLawDisplay.from_estimator(broken, X, y, interval=0.9)


# -------------------------------------------------------------------- any law's errors


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (
            {"feature": "C"},
            r"unknown feature 'C' of law 'chinchilla'; its features are \['N', 'D'\]",
        ),
        ({"feature": 2}, r"feature index must be in \[0, 2\)"),
        ({"feature": 1.5}, "feature must be a feature name, a column index or None"),
        ({"fixed": {"U": 1e9}}, r"fixed names unknown feature 'U'.*\['N', 'D'\]"),
        ({"feature": "N", "fixed": {"N": 1e9}}, "value for 'N', the plotted feature"),
        ({"feature": "N", "fixed": {"D": "many"}}, r"fixed\['D'\] must be a finite number"),
        ({"feature": "N", "fixed": {"D": np.nan}}, r"fixed\['D'\] must be a finite number"),
        ({"fixed": [("D", 1e10)]}, "fixed must be a dict"),
        ({"near": -0.1}, "near must be a number >= 0"),
        ({"target": 1}, "ScalingLawRegressor has one target"),
        ({"slices": [(128, 1e10, 1e8)]}, "slices only applies"),
        ({"n_points": 1}, "n_points must be >= 2"),
        ({"extend": -1.0}, "extend must be >= 0"),
        ({"X_test": np.ones((2, 2))}, "X_test and y_test must be given together"),
        ({"X_test": np.ones((2, 3)), "y_test": np.ones(2)}, r"X_test must have 2 column\(s\)"),
    ],
)
def test_law_argument_errors(chinchilla_fit, kwargs, match):
    reg, X, y = chinchilla_fit
    with pytest.raises(ValueError, match=match):
        ScalingLawDisplay.from_estimator(reg, X, y, **kwargs)


def test_law_column_count_and_fitting_errors(chinchilla_fit):
    reg, X, y = chinchilla_fit
    with pytest.raises(ValueError, match=r"X must have 2 column\(s\) \(N, D\); got 3"):
        ScalingLawDisplay.from_estimator(reg, np.column_stack([X, X[:, :1]]), y)
    with pytest.raises(NotFittedError):
        ScalingLawDisplay.from_estimator(ScalingLawRegressor("chinchilla"), X, y)


# ------------------------------------------------------------------------ many curves


def _family(n_curves, n_points=10, exponent=0.35, seed=0):
    """Power-law curves with their own offset and amplitude and one shared exponent."""
    rng = np.random.default_rng(seed)
    x = np.tile(np.logspace(1, 4, n_points), n_curves)
    codes = np.repeat(np.arange(n_curves), n_points)
    offset = rng.uniform(0.5, 2.0, n_curves)
    amplitude = np.exp(rng.uniform(np.log(2.0), np.log(20.0), n_curves))
    y = (offset[codes] + amplitude[codes] * x**-exponent) * np.exp(rng.normal(0, 0.01, x.size))
    return x, codes, y


@pytest.fixture(scope="module")
def grouped_fit():
    pd = pytest.importorskip("pandas")
    x, codes, y = _family(5)
    frame = pd.DataFrame({"task": [f"t{c}" for c in codes], "x": x})
    reg = ScalingLawRegressor("power_law", group="task", shared=["alpha"], target_space="log")
    return reg.fit(frame, y), frame, y


def _same_color(first, second):
    return matplotlib.colors.to_rgba(first)[:3] == matplotlib.colors.to_rgba(second)[:3]


def _legend_texts(disp):
    return [text.get_text() for text in disp.ax_.get_legend().get_texts()]


def test_grouped_fit_draws_one_line_per_curve_in_its_points_colour(grouped_fit):
    reg, frame, y = grouped_fit
    disp = ScalingLawDisplay.from_estimator(reg, frame, y)
    assert disp.kind == "curves"
    assert len(disp.lines_) == len(reg.groups_) == len(disp.scatter_)
    assert _legend_texts(disp) == list(reg.groups_)
    pd = pytest.importorskip("pandas")
    for label, line, points in zip(reg.groups_, disp.lines_, disp.scatter_, strict=True):
        # Each curve is its own law, and its points are its own rows, in its colour.
        x_curve, y_curve = line.get_data()
        grid = pd.DataFrame({"task": label, "x": x_curve})
        np.testing.assert_allclose(y_curve, reg.predict(grid))
        rows = (frame["task"] == label).to_numpy()
        np.testing.assert_array_equal(np.sort(_offsets(points)[:, 1]), np.sort(np.asarray(y)[rows]))
        assert _same_color(line.get_color(), points.get_facecolor()[0])
        # The grid reaches beyond the curve's own rows on both sides.
        assert x_curve.min() < frame["x"][rows].min() and x_curve.max() > frame["x"][rows].max()
    colors = {matplotlib.colors.to_rgba(line.get_color()) for line in disp.lines_}
    assert len(colors) == len(disp.lines_)
    # The shared exponent is stated once, with its one standard error.
    match = re.search(r"alpha = ([-\d.]+) \u00b1 ([\d.]+), shared", disp.ax_.get_title())
    assert match is not None
    value, std = float(match[1]), float(match[2])
    assert value == pytest.approx(reg.coef_[0, 2], abs=std / 10)
    assert std == pytest.approx(reg.params_std_[reg.groups_[0]]["alpha"], rel=0.1)


def test_grouped_band_per_curve_and_test_rows(grouped_fit):
    reg, frame, y = grouped_fit
    small = (frame["x"] < 2000).to_numpy()
    disp = ScalingLawDisplay.from_estimator(
        reg, frame[small], y[small], X_test=frame[~small], y_test=y[~small], interval=0.9
    )
    n = len(reg.groups_)
    assert len(disp.band_) == n
    for line, band in zip(disp.lines_, disp.band_, strict=True):
        _, y_curve = line.get_data()
        edge = band.get_paths()[0].vertices[:, 1]
        assert edge.min() <= y_curve.min() and y_curve.max() <= edge.max()
    # Train per curve, then test per curve; the band and the test marker named once.
    assert len(disp.scatter_) == 2 * n
    assert sum(len(_offsets(s)) for s in disp.scatter_[n:]) == int((~small).sum())
    texts = _legend_texts(disp)
    assert texts.count("90% interval") == 1 and texts.count("test") == 1


def test_group_subset_in_the_given_order(grouped_fit):
    reg, frame, y = grouped_fit
    disp = ScalingLawDisplay.from_estimator(reg, frame, y, groups=["t3", "t1"])
    assert len(disp.lines_) == 2
    assert _legend_texts(disp) == ["t3", "t1"]
    drawn = sum(len(_offsets(s)) for s in disp.scatter_)
    assert drawn == int(frame["task"].isin(["t3", "t1"]).sum())


def test_unknown_groups_are_clear_errors(grouped_fit, chinchilla_fit):
    reg, frame, y = grouped_fit
    with pytest.raises(ValueError, match=r"not fitted on: \['t9'\].*t0"):
        ScalingLawDisplay.from_estimator(reg, frame, y, groups=["t9"])
    with pytest.raises(ValueError, match="twice"):
        ScalingLawDisplay.from_estimator(reg, frame, y, groups=["t1", "t1"])
    unseen = frame.assign(task=frame["task"].replace("t0", "new"))
    with pytest.raises(ValueError, match=r"rows of curves the estimator was not fitted on"):
        ScalingLawDisplay.from_estimator(reg, unseen, y)
    single, X, y_single = chinchilla_fit
    with pytest.raises(ValueError, match="several curves"):
        ScalingLawDisplay.from_estimator(single, X, y_single, groups=[0])


def test_grouped_fit_on_an_array_with_fixed_parameters():
    x, codes, y = _family(3)
    # The group column last, its labels numbers: the plot reads X as the estimator does.
    X = np.column_stack([x, codes])
    reg = ScalingLawRegressor("power_law", group=1, fixed={"E": 0.5}, target_space="log")
    reg = _quiet_fit(reg, X, y)
    disp = ScalingLawDisplay.from_estimator(reg, X, y, groups=[2.0, 0])
    assert _legend_texts(disp) == ["2", "0"]
    x_curve, y_curve = disp.lines_[0].get_data()
    np.testing.assert_allclose(
        y_curve, reg.predict(np.column_stack([x_curve, np.full(x_curve.size, 2.0)]))
    )
    assert "E = 0.5, fixed" in disp.ax_.get_title()


def test_multi_output_draws_one_column_or_every_column():
    x, codes, y = _family(3)
    X, Y = x[codes == 0][:, None], np.column_stack([y[codes == g] for g in range(3)])
    reg = ScalingLawRegressor("power_law", shared=["alpha"], target_space="log").fit(X, Y)
    # target picks one output as a single law, as before.
    one = ScalingLawDisplay.from_estimator(reg, X, Y, target=2)
    assert one.kind == "law" and len(one.lines_) == 1
    x_curve, y_curve = one.lines_[0].get_data()
    np.testing.assert_allclose(y_curve, reg.predict(x_curve[:, None])[:, 2])
    every = ScalingLawDisplay.from_estimator(reg, X, Y, groups="all", interval=0.8)
    assert len(every.lines_) == len(every.band_) == 3
    assert _legend_texts(every)[:3] == ["output 0", "output 1", "output 2"]
    for k, line in enumerate(every.lines_):
        x_curve, y_curve = line.get_data()
        np.testing.assert_allclose(y_curve, reg.predict(x_curve[:, None])[:, k])
    assert "shared" in every.ax_.get_title()
    with pytest.raises(ValueError, match="target must be < 3"):
        ScalingLawDisplay.from_estimator(reg, X, Y, target=3)
    with pytest.raises(ValueError, match="not both"):
        ScalingLawDisplay.from_estimator(reg, X, Y, target=1, groups=[0])
    with pytest.raises(ValueError, match="3 output columns"):
        ScalingLawDisplay.from_estimator(reg, X, Y[:, :2], groups="all")


def test_many_curves_cap_the_legend():
    x, codes, y = _family(14, n_points=6)
    X = np.column_stack([codes, x])
    reg = ScalingLawRegressor("power_law", group=0, shared=["alpha"], target_space="log")
    disp = ScalingLawDisplay.from_estimator(reg.fit(X, y), X, y)
    assert len(disp.lines_) == 14
    assert _legend_texts(disp) == [str(k) for k in range(10)] + ["... 4 more curves"]
    colors = {matplotlib.colors.to_rgba(line.get_color()) for line in disp.lines_}
    assert len(colors) == 14


def test_grouped_law_of_two_features_holds_the_other_fixed():
    pd = pytest.importorskip("pandas")
    frames = []
    for k, E in enumerate((1.8, 2.2)):
        X, y = make_chinchilla(n_samples=50, params={"E": E}, random_state=k)
        frames.append(pd.DataFrame({"D": X[:, 1], "set": f"s{k}", "N": X[:, 0], "loss": y}))
    runs = pd.concat(frames, ignore_index=True)
    X, y = runs[["D", "set", "N"]], runs["loss"]
    reg = ScalingLawRegressor("chinchilla", group="set", shared=["alpha", "beta"], n_starts=2)
    reg = _quiet_fit(reg, X, y)
    disp = ScalingLawDisplay.from_estimator(reg, X, y, feature="N", fixed={"D": 2e10})
    assert disp.fixed == {"D": 2e10} and "slice D=2e10" in disp.ax_.get_title()
    assert disp.ax_.get_ylabel() == "loss"
    for label, line in zip(reg.groups_, disp.lines_, strict=True):
        x_curve, y_curve = line.get_data()
        grid = pd.DataFrame({"set": label, "N": x_curve, "D": 2e10})
        np.testing.assert_allclose(y_curve, reg.predict(grid))
    # Near rows, then the faded rows away from the slice, per curve: every row drawn once.
    assert len(disp.scatter_) == 4
    assert sum(len(_offsets(s)) for s in disp.scatter_) == len(runs)
    assert 0 < sum(len(_offsets(s)) for s in disp.scatter_[2:]) < len(runs)
