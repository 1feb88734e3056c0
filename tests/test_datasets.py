import sys
from pathlib import Path

import numpy as np
import pytest

from sklearn_scaling import laws
from sklearn_scaling.datasets import (
    DEFAULT_DOUBLE_DESCENT_PARAMS,
    DEFAULT_LOG_POWER_PARAMS,
    load_easy_question,
    load_lr_bsz,
    make_double_descent,
    make_lr_bsz_sweep,
)

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

EASY_HEADER = "group,model,log_flops,brier_score,split\n"
LR_HEADER = "lr,bsz,data_size,non_embedding_param_size,lm_loss,final_loss,diverged,split\n"

# Seed 001's parameter bounds, which the default log-power parameters must respect.
LOG_POWER_BOUNDS = [
    (1.5, 4.5),
    (-0.5, 0.1),
    (0.2, 2.5),
    (-0.5, 0.1),
    (0.2, 2.5),
    (0.0, 0.6),
    (1e-4, 0.1),
    (-0.3, 0.3),
    (0.05, 2.0),
    (-0.15, 0.15),
]

GENERATORS = [make_double_descent, make_lr_bsz_sweep]


# --------------------------------------------------------------------------- generators


def test_make_double_descent_shapes():
    X, y, params = make_double_descent(37, random_state=0, return_params=True)
    assert X.shape == (37, 1)
    assert y.shape == (37,)
    assert params.shape == (6,)
    X, Y, params = make_double_descent(37, n_targets=4, random_state=0, return_params=True)
    assert X.shape == (37, 1)
    assert Y.shape == (37, 4)
    assert params.shape == (4, 6)
    # Each column is a distinct law.
    assert len({tuple(row) for row in params}) == 4


def test_make_double_descent_x_range():
    X, _ = make_double_descent(500, x_range=(0.5, 1.5), random_state=0)
    assert X.min() >= 0.5 and X.max() <= 1.5
    # Uniform draws, not a grid: the spread should cover most of the range.
    assert X.max() - X.min() > 0.9


def test_make_double_descent_default_law_has_a_bump():
    x = np.linspace(-1.0, 3.0, 401)
    clean = laws.double_descent(x, DEFAULT_DOUBLE_DESCENT_PARAMS)
    assert np.all((clean >= -1.0) & (clean <= 0.0))
    peak = np.argmax(clean)
    # The maximum lies strictly inside the range and rises well above both ends,
    # far more than the default noise of 0.02.
    assert 0 < peak < len(x) - 1
    assert clean[peak] - max(clean[0], clean[-1]) > 0.1


@pytest.mark.parametrize("n_targets", [1, 3])
def test_make_double_descent_noiseless_is_the_law(n_targets):
    X, y, params = make_double_descent(
        60, noise=0.0, n_targets=n_targets, random_state=1, return_params=True
    )
    np.testing.assert_array_equal(y, laws.double_descent(X, params))


def test_make_double_descent_given_params():
    params = [-0.3, 0.0, 0.5, 1.0, -1.0, 0.0]
    X, y, returned = make_double_descent(20, params=params, noise=0.0, return_params=True)
    np.testing.assert_array_equal(returned, params)
    np.testing.assert_array_equal(y, laws.double_descent(X, params))
    # A single law given for several targets is used for every column.
    _, Y, returned = make_double_descent(
        20, params=params, n_targets=2, noise=0.0, random_state=0, return_params=True
    )
    assert returned.shape == (2, 6)
    np.testing.assert_array_equal(Y[:, 0], Y[:, 1])


def test_make_double_descent_plausible_range():
    _, y = make_double_descent(1000, random_state=0)
    assert -1.0 < y.min() and y.max() < 0.0


def test_make_lr_bsz_sweep_shapes_and_ranges():
    X, y, params = make_lr_bsz_sweep(300, random_state=0, return_params=True)
    assert X.shape == (300, 4)
    assert y.shape == (300,)
    assert params.shape == (10,)
    lr, bsz, data, size = X.T
    assert np.all((lr >= 2e-4) & (lr <= 2e-2))
    assert np.all((bsz >= 32) & (bsz <= 4096))
    np.testing.assert_array_equal(bsz, np.round(bsz))
    assert np.all((data >= 2e9) & (data <= 1e11))
    assert np.all((size >= 5e7) & (size <= 1e9))


def test_default_log_power_params_inside_seed_bounds():
    for value, (low, high) in zip(DEFAULT_LOG_POWER_PARAMS, LOG_POWER_BOUNDS, strict=True):
        assert low <= value <= high


def test_make_lr_bsz_sweep_plausible_loss():
    _, y = make_lr_bsz_sweep(5000, random_state=0)
    assert 1.5 <= y.min() and y.max() <= 4.5
    assert 2.0 < np.median(y) < 3.5


def test_make_lr_bsz_sweep_learning_rate_bowl():
    # Holding everything else fixed, the loss is lowest at lr_opt and rises both ways.
    params = DEFAULT_LOG_POWER_PARAMS
    lr = np.geomspace(2e-4, 2e-2, 21)
    X = np.column_stack([lr, np.full(21, 256.0), np.full(21, 1e10), np.full(21, 2e8)])
    loss = laws.log_power(X, params)
    best = np.argmin(loss)
    assert 0 < best < 20
    assert lr[best] == pytest.approx(params[6], rel=0.3)
    assert loss[0] - loss[best] > 0.1 and loss[-1] - loss[best] > 0.1


def test_make_lr_bsz_sweep_noiseless_is_the_law():
    X, y, params = make_lr_bsz_sweep(80, noise=0.0, random_state=2, return_params=True)
    np.testing.assert_array_equal(y, laws.log_power(X, params))


@pytest.mark.parametrize("make", GENERATORS)
def test_generators_reproducible(make):
    X1, y1 = make(50, random_state=3)
    X2, y2 = make(50, random_state=3)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    X3, y3 = make(50, random_state=4)
    assert not np.array_equal(X1, X3)
    assert not np.array_equal(y1, y3)


@pytest.mark.parametrize("make", GENERATORS)
def test_generators_accept_random_state_instance(make):
    X1, y1 = make(30, random_state=np.random.RandomState(5))
    X2, y2 = make(30, random_state=5)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)


@pytest.mark.parametrize(
    "make, scale", [(make_double_descent, 0.3), (make_lr_bsz_sweep, 0.5), (make_lr_bsz_sweep, 0.2)]
)
@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.25, 1.0])
def test_generators_outliers(make, scale, fraction):
    n = 80
    X, y, params = make(
        n,
        noise=0.0,
        outlier_fraction=fraction,
        outlier_scale=scale,
        random_state=0,
        return_params=True,
    )
    law = laws.double_descent if make is make_double_descent else laws.log_power
    shift = y - law(X, params)
    shifted = ~np.isclose(shift, 0.0, atol=1e-12)
    assert shifted.sum() == round(fraction * n)
    np.testing.assert_allclose(np.abs(shift[shifted]), scale)


def test_make_double_descent_outliers_shift_whole_rows():
    X, Y, params = make_double_descent(
        40, n_targets=3, noise=0.0, outlier_fraction=0.25, random_state=0, return_params=True
    )
    shift = Y - laws.double_descent(X, params)
    shifted = ~np.isclose(shift, 0.0, atol=1e-12)
    assert shifted.any(axis=1).sum() == 10
    np.testing.assert_array_equal(shifted.any(axis=1), shifted.all(axis=1))


def test_outliers_do_not_change_other_rows_noise():
    _, clean = make_lr_bsz_sweep(100, random_state=7)
    _, dirty = make_lr_bsz_sweep(100, outlier_fraction=0.2, random_state=7)
    unchanged = np.isclose(clean, dirty, rtol=0, atol=1e-12)
    assert unchanged.sum() == 80


@pytest.mark.parametrize("make", GENERATORS)
@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_samples": 0}, "n_samples"),
        ({"n_samples": -3}, "n_samples"),
        ({"n_samples": 2.5}, "n_samples"),
        ({"noise": -0.1}, "noise"),
        ({"noise": float("nan")}, "noise"),
        ({"outlier_fraction": -0.01}, "outlier_fraction"),
        ({"outlier_fraction": 1.5}, "outlier_fraction"),
        ({"outlier_scale": -1.0}, "outlier_scale"),
    ],
)
def test_generators_argument_errors(make, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make(**kwargs)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_targets": 0}, "n_targets"),
        ({"x_range": (2.0, 1.0)}, "x_range"),
        ({"x_range": (0.0,)}, "x_range"),
        ({"x_range": (0.0, np.inf)}, "x_range"),
        ({"params": [1.0, 2.0]}, "params"),
        ({"params": np.zeros((2, 6)), "n_targets": 3}, "params"),
    ],
)
def test_make_double_descent_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_double_descent(**kwargs)


@pytest.mark.parametrize(
    "params, match",
    [
        (np.zeros(9), "shape"),
        (np.r_[DEFAULT_LOG_POWER_PARAMS[:6], 0.0, DEFAULT_LOG_POWER_PARAMS[7:]], "lr_opt"),
    ],
)
def test_make_lr_bsz_sweep_param_errors(params, match):
    with pytest.raises(ValueError, match=match):
        make_lr_bsz_sweep(params=params)


def test_default_params_are_read_only():
    with pytest.raises(ValueError):
        DEFAULT_LOG_POWER_PARAMS[0] = 0.0
    _, _, params = make_lr_bsz_sweep(5, random_state=0, return_params=True)
    params[0] = 0.0  # the returned copy is the caller's own
    assert DEFAULT_LOG_POWER_PARAMS[0] != 0.0


# ------------------------------------------------------------------------------ loaders


def _write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_load_easy_question_parses(tmp_path):
    path = _write(
        tmp_path,
        EASY_HEADER
        + "arc,m-small,-0.5,-0.31,train\n"
        + "arc,m-large,2.5,-0.01,test\n"
        + "\n"  # a blank line is not a row
        + "mmlu,m-small,0.25,-0.45,train\n",
    )
    data = load_easy_question(path)
    np.testing.assert_array_equal(data.X, [[-0.5], [2.5], [0.25]])
    assert data.X.dtype == float
    np.testing.assert_array_equal(data.y, [-0.31, -0.01, -0.45])
    assert data.split.tolist() == ["train", "test", "train"]
    assert data.group.tolist() == ["arc", "arc", "mmlu"]
    assert data.model.tolist() == ["m-small", "m-large", "m-small"]
    assert data.feature_names == ["log_flops"]
    assert data.target_name == "brier_score"
    # str paths work as well as Path objects.
    np.testing.assert_array_equal(load_easy_question(str(path)).y, data.y)


def test_load_easy_question_frame(tmp_path):
    pd = pytest.importorskip("pandas")
    path = _write(tmp_path, EASY_HEADER + "arc,m,0.5,-0.3,train\n")
    frame = load_easy_question(path).frame
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["group", "model", "log_flops", "brier_score", "split"]
    assert frame["log_flops"].tolist() == [0.5]


def test_loaders_without_pandas(tmp_path, monkeypatch):
    # A None entry in sys.modules makes `import pandas` raise ImportError.
    monkeypatch.setitem(sys.modules, "pandas", None)
    easy = _write(tmp_path, EASY_HEADER + "arc,m,0.5,-0.3,train\n", "easy.csv")
    lr = _write(tmp_path, LR_HEADER + "0.002,256,2e10,2e8,2.45,2.46,0,train\n", "lr.csv")
    data = load_easy_question(easy)
    assert data.frame is None
    assert data.X.shape == (1, 1)
    assert load_lr_bsz(lr).frame is None


def test_load_easy_question_extra_columns_and_order(tmp_path):
    path = _write(tmp_path, "split,extra,brier_score,log_flops,model,group\ntest,x,-0.2,1.5,m,g\n")
    data = load_easy_question(path)
    assert data.X.tolist() == [[1.5]]
    assert data.y.tolist() == [-0.2]
    assert data.group.tolist() == ["g"]


def test_load_lr_bsz_parses_and_drops_diverged(tmp_path):
    path = _write(
        tmp_path,
        LR_HEADER
        + "0.002,256,2e10,2e8,2.45,2.46,0,train\n"
        + "0.02,256,2e10,2e8,7.10,7.20,1,train\n"
        + "0.001,512,1e11,1e9,2.20,2.21,0,test\n",
    )
    data = load_lr_bsz(path)
    np.testing.assert_array_equal(data.X, [[0.002, 256, 2e10, 2e8], [0.001, 512, 1e11, 1e9]])
    np.testing.assert_array_equal(data.y, [2.45, 2.20])
    assert data.split.tolist() == ["train", "test"]
    assert data.diverged.dtype == bool and not data.diverged.any()
    assert data.feature_names == ["lr", "bsz", "data_size", "non_embedding_param_size"]
    assert data.target_name == "lm_loss"

    everything = load_lr_bsz(path, include_diverged=True)
    assert everything.X.shape == (3, 4)
    assert everything.diverged.tolist() == [False, True, False]
    assert everything.y.tolist() == [2.45, 7.10, 2.20]


def test_load_lr_bsz_frame(tmp_path):
    pytest.importorskip("pandas")
    path = _write(
        tmp_path,
        LR_HEADER
        + "0.002,256,2e10,2e8,2.45,2.46,0,train\n"
        + "0.02,256,2e10,2e8,7.10,7.20,1,train\n",
    )
    frame = load_lr_bsz(path).frame
    assert len(frame) == 1
    assert {"lr", "bsz", "data_size", "non_embedding_param_size", "lm_loss", "split"} <= set(
        frame.columns
    )


@pytest.mark.parametrize("loader", [load_easy_question, load_lr_bsz])
def test_loaders_missing_file(tmp_path, loader):
    path = tmp_path / "nowhere.csv"
    with pytest.raises(FileNotFoundError, match="nowhere.csv"):
        loader(path)


@pytest.mark.parametrize(
    "loader, text, column",
    [
        (load_easy_question, "group,model,log_flops,split\narc,m,0.5,train\n", "brier_score"),
        (load_easy_question, "group,model,brier_score,log_flops\narc,m,0.5,-0.3\n", "split"),
        (
            load_lr_bsz,
            "lr,bsz,data_size,lm_loss,final_loss,diverged,split\n0.002,256,2e10,2.4,2.4,0,train\n",
            "non_embedding_param_size",
        ),
    ],
)
def test_loaders_missing_column(tmp_path, loader, text, column):
    path = _write(tmp_path, text, "broken.csv")
    with pytest.raises(ValueError, match=column) as info:
        loader(path)
    assert "broken.csv" in str(info.value)


@pytest.mark.parametrize(
    "loader, text, line, column",
    [
        (
            load_easy_question,
            EASY_HEADER + "arc,m,0.5,-0.3,train\narc,m,0.7,-0.2,train\narc,m,big,-0.1,test\n",
            4,
            "log_flops",
        ),
        (load_easy_question, EASY_HEADER + "arc,m,0.5,,train\n", 2, "brier_score"),
        (
            load_lr_bsz,
            LR_HEADER
            + "0.002,256,2e10,2e8,2.45,2.46,0,train\n"
            + "0.002,many,2e10,2e8,2.45,2.46,0,train\n",
            3,
            "bsz",
        ),
        (load_lr_bsz, LR_HEADER + "0.002,256,2e10,2e8,2.45,2.46,yes,train\n", 2, "diverged"),
    ],
)
def test_loaders_non_numeric_value(tmp_path, loader, text, line, column):
    path = _write(tmp_path, text, "bad.csv")
    with pytest.raises(ValueError) as info:
        loader(path)
    message = str(info.value)
    assert "bad.csv" in message
    assert f"line {line}" in message
    assert repr(column) in message


@pytest.mark.parametrize("loader", [load_easy_question, load_lr_bsz])
@pytest.mark.parametrize("text", ["", "\n\n"])
def test_loaders_empty_file(tmp_path, loader, text):
    path = _write(tmp_path, text, "empty.csv")
    with pytest.raises(ValueError, match="empty") as info:
        loader(path)
    assert "empty.csv" in str(info.value)


@pytest.mark.parametrize(
    "loader, header", [(load_easy_question, EASY_HEADER), (load_lr_bsz, LR_HEADER)]
)
def test_loaders_header_only(tmp_path, loader, header):
    path = _write(tmp_path, header)
    with pytest.raises(ValueError, match="no data rows"):
        loader(path)


def test_loaders_ragged_row(tmp_path):
    path = _write(tmp_path, EASY_HEADER + "arc,m,0.5,-0.3,train\narc,m,0.5\n")
    with pytest.raises(ValueError, match="line 3"):
        load_easy_question(path)


# ---------------------------------------------------------------------------- real data


def _shared_file(name):
    path = SHARED_DATA / name
    if not path.is_file():
        pytest.skip(f"{path} is not available")
    return path


def test_real_easy_question():
    data = load_easy_question(_shared_file("easy_question.csv"))
    assert data.X.shape == (516, 1)
    assert data.y.shape == (516,)
    assert (data.split == "train").sum() == 389
    assert set(data.split) == {"train", "test"}
    assert len(set(data.group)) == 9
    assert np.all(data.y <= 0.0)
    assert np.all(np.isfinite(data.X))
    assert data.X.min() == pytest.approx(-0.90, abs=0.01)
    assert data.X.max() == pytest.approx(2.89, abs=0.01)


def test_real_lr_bsz():
    path = _shared_file("lr_bsz.csv")
    data = load_lr_bsz(path)
    assert (data.split == "train").sum() == 1459
    assert (data.split == "test").sum() == 271
    assert data.X.shape == (1459 + 271, 4)
    assert not data.diverged.any()
    assert np.all(np.isfinite(data.X)) and np.all(data.X > 0)
    everything = load_lr_bsz(path, include_diverged=True)
    assert everything.X.shape == (1911, 4)
    assert everything.diverged.sum() == 1911 - 1459 - 271


def _reference_columns(path):
    """The file read by the standard library alone: column name -> list of text."""
    import csv

    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = [r for r in csv.DictReader(handle) if any((v or "").strip() for v in r.values())]
    return {name.strip(): [r[name].strip() for r in rows] for name in rows[0]}


@pytest.mark.parametrize(
    "name, loader, X_columns, y_column, texts",
    [
        ("easy_question.csv", load_easy_question, ["log_flops"], "brier_score", ["group", "split"]),
        ("learning_curves.csv", "load_learning_curves", ["seen_examples"], "loss", ["split"]),
        ("lr_bsz.csv", "include_diverged", ["lr", "bsz", "data_size", "non_embedding_param_size"],
         "lm_loss", ["split"]),
        # The source swaps its token columns (see the loader): D is 'unique_tokens'.
        ("data_constrained.csv", "load_data_constrained", ["params", "unique_tokens", "tokens"],
         "loss", ["id"]),
    ],
)  # fmt: skip
def test_loaders_agree_with_the_standard_library(name, loader, X_columns, y_column, texts):
    """The shared reader changes nothing the loaders return, on the real files."""
    from sklearn_scaling import datasets

    path = _shared_file(name)
    if loader == "include_diverged":
        data = load_lr_bsz(path, include_diverged=True)
    else:
        data = (getattr(datasets, loader) if isinstance(loader, str) else loader)(path)
    columns = _reference_columns(path)
    X = np.array([[float(v) for v in columns[c]] for c in X_columns]).T
    np.testing.assert_array_equal(data.X, X)
    np.testing.assert_array_equal(data.y, [float(v) for v in columns[y_column]])
    for column in texts:
        if column in data:
            np.testing.assert_array_equal(data[column], np.array(columns[column], dtype=str))
    if data.frame is not None:
        assert len(data.frame) == len(data.y)
