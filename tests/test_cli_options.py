"""The command line's options come from the estimators' declared parameters; ``fit
--group`` is one grouped fit (with ``--shared`` and ``--fixed``); one CSV reader."""

import argparse
import csv
import inspect
import json
import math
from numbers import Integral

import numpy as np
import pytest
from sklearn.utils._param_validation import Interval, StrOptions

from sklearn_scaling import ScalingLawRegressor, cli
from sklearn_scaling.cli import main
from sklearn_scaling.datasets import load_easy_question

FAST = ["--n-starts", "1", "--random-state", "0"]
#: A law of each kind of fit: the registry's and the two seed estimators'.
LAW_OF_KIND = {
    "registry": "chinchilla",
    "double-descent": "double-descent",
    "log-power": "log-power",
}


def write_csv(path, header, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def one_line_error(capsys, argv):
    status = main(argv)
    captured = capsys.readouterr()
    assert status == 2 and captured.out == "", captured
    err = captured.err
    assert err.startswith("sklearn-scaling") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def fit_actions():
    """dest -> argparse action of ``fit``."""
    fit = cli._build_parser().commands["fit"]
    return {action.dest: action for action in fit._actions}


def parameters():
    """(kind, estimator, name) of every declared parameter of the three estimators."""
    return [
        (kind, estimator, name)
        for kind, estimator in cli.ESTIMATORS.items()
        for name in estimator._parameter_constraints
    ]


# ------------------------------------------------------------------ derived options


@pytest.mark.parametrize("kind, estimator, name", parameters())
def test_every_declared_parameter_is_an_option_or_a_command_argument(kind, estimator, name):
    actions = fit_actions()
    if name == "law":
        assert actions["law"].required
    elif name == "group":
        assert actions["group"].metavar == "COL"  # a column of the file, not a position
    else:
        assert name in actions, f"{estimator.__name__}.{name} has no option"
        # --help says what the estimator's docstring says, and its default.
        default = inspect.signature(estimator.__init__).parameters[name].default
        assert f"(default: {default})" in actions[name].help


def _default_argv(name, default):
    """The words that give ``default`` to the option of parameter ``name``."""
    flag = "--" + name.replace("_", "-")
    if isinstance(default, bool):
        return [flag if default else "--no-" + flag[2:]]
    return [flag, repr(default) if isinstance(default, float) else str(default)]


@pytest.mark.parametrize("kind, estimator, name", parameters())
def test_a_default_written_as_an_option_reaches_the_estimator(kind, estimator, name):
    default = inspect.signature(estimator.__init__).parameters[name].default
    if default is None or name in ("law", "group"):
        pytest.skip("no value to write")
    argv = ["fit", "--law", LAW_OF_KIND[kind], "data.csv", "--target", "y"]
    built = cli._build_estimator(
        cli._build_parser().parse_args(argv + _default_argv(name, default))
    )
    value = built.get_params()[name]
    assert value == default and type(value) is type(default)


def _rejected_values(constraints):
    """Values each constraint's own check refuses, as words of the command line."""
    values = []
    intervals = [c for c in constraints if isinstance(c, Interval)]
    for interval in intervals:
        step = 1 if interval.type is Integral else 1e-9
        if interval.left is not None and math.isfinite(interval.left):
            closed = interval.closed in ("left", "both")
            values.append(interval.left - step if closed else interval.left)
        if interval.right is not None and math.isfinite(interval.right):
            closed = interval.closed in ("right", "both")
            values.append(interval.right * 2 if closed else interval.right)
    if any(isinstance(c, StrOptions) for c in constraints) and not intervals:
        values.append("no-such-option")
    return [repr(v) if isinstance(v, float) else str(v) for v in values]


REJECTIONS = [
    (kind, name, value)
    for kind, estimator, name in parameters()
    for value in _rejected_values(estimator._parameter_constraints[name])
    if name not in ("law", "group")
]


@pytest.mark.parametrize("kind, name, value", REJECTIONS)
def test_a_value_the_constraint_rejects_is_a_one_line_error_naming_the_option(
    capsys, tmp_path, kind, name, value
):
    path = write_csv(tmp_path / "data.csv", ["x", "y"], [[1, 2], [3, 4]])
    flag = "--" + name.replace("_", "-")
    argv = ["fit", "--law", LAW_OF_KIND[kind], str(path), "--target", "y", flag, value]
    assert flag in one_line_error(capsys, argv)


def test_rejections_cover_the_constraints():
    # The test above is not empty: every bounded and every choice option is tried.
    names = {name for _, name, _ in REJECTIONS}
    assert {"n_starts", "tol", "f_scale", "alpha", "quantile", "loss", "shape"} <= names


def test_options_of_another_estimator_name_who_takes_them(capsys, tmp_path):
    path = write_csv(tmp_path / "data.csv", ["x", "y"], [[1, 2], [3, 4]])
    base = ["fit", str(path), "--target", "y", "--features", "x"]
    err = one_line_error(capsys, [*base, "--law", "double-descent", "--quantile", "0.2"])
    assert "--quantile applies to the laws of the registry" in err
    err = one_line_error(capsys, [*base, "--law", "power-law", "--no-skew"])
    assert "--no-skew applies to --law log-power only" in err


# ---------------------------------------------------------------- groups, shared, fixed

TRUE_ALPHA = 0.3


@pytest.fixture
def curves_csv(tmp_path):
    """Three power-law curves with one exponent and their own offsets and scales."""
    rng = np.random.default_rng(0)
    rows = []
    for label, (E, A) in {"g0": (1.5, 20.0), "g1": (2.0, 30.0), "g2": (1.0, 10.0)}.items():
        x = np.geomspace(1e3, 1e6, 15)
        y = (E + A * x**-TRUE_ALPHA) * np.exp(0.01 * rng.standard_normal(x.size))
        rows += [
            [label, xi, yi, "train" if xi < 3e5 else "test"] for xi, yi in zip(x, y, strict=True)
        ]
    return write_csv(tmp_path / "curves.csv", ["curve", "x", "loss", "split"], rows)


def curves(path, part="train"):
    with open(path, newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["split"] == part]
    X = np.array([[r["curve"], float(r["x"])] for r in rows], dtype=object)
    return X, np.array([float(r["loss"]) for r in rows])


def run_json(capsys, argv):
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


BASE = ["fit", "--law", "power-law", "--target", "loss", "--features", "x", *FAST]


def test_group_shared_equals_the_python_grouped_fit(capsys, curves_csv):
    argv = [*BASE, str(curves_csv), "--group", "curve", "--split-column", "split"]
    document = run_json(capsys, [*argv, "--shared", "alpha"])
    X, y = curves(curves_csv)
    reg = ScalingLawRegressor("power_law", group=0, shared=["alpha"], n_starts=1, random_state=0)
    reg.fit(X, y)
    assert document["shared"] == ["alpha"] and document["fixed"] == {}
    assert [g["group"] for g in document["groups"]] == ["g0", "g1", "g2"]
    for entry in document["groups"]:
        assert entry["params"] == pytest.approx(reg.params_[entry["group"]], rel=1e-12)
    # One exponent for every curve, close to the truth the data were drawn at.
    (alpha,) = {entry["params"]["alpha"] for entry in document["groups"]}
    assert alpha == pytest.approx(TRUE_ALPHA, abs=0.03)
    X_test, y_test = curves(curves_csv, "test")
    assert document["pooled_test_r2"] == pytest.approx(reg.score(X_test, y_test), rel=1e-12)
    # The standard errors and intervals are the grouped fit's: one shared uncertainty.
    document = run_json(capsys, [*argv, "--shared", "alpha", "--interval", "0.9"])
    for entry in document["groups"]:
        label = entry["group"]
        assert entry["params_std"] == pytest.approx(reg.params_std_[label], rel=1e-9)
        rows = X_test[:, 0] == label
        low, high = reg.predict_interval(X_test[rows], coverage=0.9, kind="observation")
        inside = np.mean((low <= y_test[rows]) & (y_test[rows] <= high))
        assert entry["interval"]["test_coverage"] == pytest.approx(inside)
    assert len({entry["params_std"]["alpha"] for entry in document["groups"]}) == 1
    # The table marks the shared parameter once, in its row's label.
    assert main([*argv, "--shared", "alpha"]) == 0
    out = capsys.readouterr().out
    assert out.count("(shared)") == 1
    (line,) = [row for row in out.splitlines() if row.startswith("alpha")]
    assert line.startswith("alpha (shared)")


@pytest.mark.parametrize("group", [[], ["--group", "curve"]])
def test_fixed_equals_the_python_fit_with_fixed(capsys, curves_csv, group):
    argv = [*BASE, str(curves_csv), "--split-column", "split", *group, "--fixed", "E=1.5"]
    document = run_json(capsys, argv)
    X, y = curves(curves_csv)
    X = X if group else X[:, 1:].astype(float)
    options = dict(group=0) if group else {}
    reg = ScalingLawRegressor("power_law", fixed={"E": 1.5}, n_starts=1, random_state=0, **options)
    reg.fit(X, y)
    assert document["fixed"] == {"E": 1.5}
    for entry in document["groups"]:
        expected = reg.params_[entry["group"]] if group else reg.params_
        assert entry["params"] == pytest.approx(expected, rel=1e-12)
        assert entry["params"]["E"] == 1.5
    assert main([*argv, "--interval", "0.9"]) == 0
    out = capsys.readouterr().out
    (line,) = [row for row in out.splitlines() if row.startswith("E ")]
    assert line.startswith("E (fixed)") and "±" not in line  # held, not estimated


@pytest.mark.parametrize(
    "argv, fragments",
    [
        (["--law", "double-descent", "--shared", "b0"], ["--shared", "registry"]),
        (["--law", "log-power", "--fixed", "a=1"], ["--fixed", "registry"]),
        (["--law", "power-law", "--shared", "alpha"], ["--shared", "--group"]),
        (["--law", "power-law", "--shared", "gamma"], ["--shared gamma", "E, A, alpha"]),
        (["--law", "power-law", "--fixed", "gamma=1"], ["--fixed gamma", "E, A, alpha"]),
        (["--law", "power-law", "--fixed", "E"], ["--fixed", "NAME=VALUE"]),
    ],
)
def test_shared_and_fixed_errors_are_one_line(capsys, curves_csv, argv, fragments):
    full = ["fit", str(curves_csv), "--target", "loss", "--features", "x", *argv]
    err = one_line_error(capsys, full)
    for fragment in fragments:
        assert fragment in err, err


def test_seed_laws_keep_one_fit_per_group(capsys, tmp_path):
    """The seed estimators have no group: each group is its own fit, as before."""
    from sklearn_scaling import DoubleDescentRegressor
    from sklearn_scaling.datasets import make_double_descent

    rows = []
    for k, label in enumerate(("a", "b")):
        X, y = make_double_descent(40, random_state=k)
        rows += [[label, x, t] for x, t in zip(X[:, 0], y, strict=True)]
    path = write_csv(tmp_path / "dd.csv", ["task", "log_flops", "score"], rows)
    argv = ["fit", "--law", "double-descent", str(path), "--target", "score", "--group", "task"]
    document = run_json(capsys, [*argv, *FAST])
    for entry in document["groups"]:
        own = np.array([[r[1]] for r in rows if r[0] == entry["group"]])
        y = np.array([r[2] for r in rows if r[0] == entry["group"]])
        reg = DoubleDescentRegressor(n_starts=1, random_state=0).fit(own, y)
        assert entry["params"] == pytest.approx(reg.params_, rel=1e-10)


# ------------------------------------------------------------------------ one reader

GOOD = [["1e8", "1e10", "3.1"], ["2e8", "2e10", "2.9"], ["4e8", "4e10", "2.7"]]


@pytest.mark.parametrize(
    "content, fragment",
    [
        (
            [["N", "D", "loss"], *GOOD, ["1e9", "abc", "2.5"]],
            "line 5, column 'D': expected a number",
        ),
        ([["N", "D", "loss"], *GOOD, ["1e9", "", "2.5"]], "an empty field"),
        ([["N", "D", "loss"], *GOOD, ["1e9", "nan", "2.5"]], "a finite number"),
        ([["N", "D", "loss"], *GOOD, ["1e9", "2.5"]], "line 5: expected 3 fields"),
        ([["N", "D", "y"], *GOOD], "no column 'loss'"),
        ([["N;D;loss"], ["1;2;3"]], "semicolons"),
        ([["N", "D", "loss"]], "no data rows"),
        ("", "empty"),
        (b"N,D,loss\n\xff,1,2\n", "UTF-8"),
    ],
)
def test_fit_and_plan_read_through_one_reader(capsys, tmp_path, content, fragment):
    path = tmp_path / "runs.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content)
    else:
        write_csv(path, content[0], content[1:])
    fit = one_line_error(capsys, ["fit", "--law", "chinchilla", str(path), "--target", "loss"])
    plan = one_line_error(capsys, ["plan", str(path), "--target", "loss", "--budget", "1e22"])
    assert fragment in fit and str(path) in fit
    # The same words after the program's name.
    assert fit.split("error: ", 1)[1] == plan.split("error: ", 1)[1]


def test_loaders_and_fit_give_the_same_message(capsys, tmp_path):
    header = ["group", "model", "log_flops", "brier_score", "split"]
    path = write_csv(tmp_path / "eq.csv", header, [["a", "m", "0.5", "-0.3", "train"]] * 2)
    with open(path, "a") as handle:
        handle.write("a,m,big,-0.1,train\n")
    with pytest.raises(ValueError) as info:
        load_easy_question(path)
    argv = ["fit", "--law", "double-descent", str(path), "--target", "brier_score"]
    err = one_line_error(capsys, argv)
    assert err.split("error: ", 1)[1].strip() == str(info.value)


def test_an_option_without_a_word_form_is_none():
    # Every parameter the CLI cannot spell as a word has its own documented form.
    unexpressed = set()
    for _, estimator, name in parameters():
        constraints = estimator._parameter_constraints[name]
        if not (
            any(isinstance(c, StrOptions | Interval) for c in constraints)
            or {"boolean", "random_state", Integral} & set(constraints)
        ):
            unexpressed.add(name)
    assert unexpressed <= set(cli.OWN_FORMS)
    actions = fit_actions()
    for name in set(cli.OWN_FORMS) - {"law", "group"}:
        assert isinstance(actions[name], argparse.Action)
