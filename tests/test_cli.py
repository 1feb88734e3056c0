"""Tests of the ``sklearn-scaling`` command line, mostly through ``main(argv)`` in-process."""

import csv
import io
import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import r2_score

from sklearn_scaling import (
    DoubleDescentRegressor,
    LogPowerHyperparamRegressor,
    ScalingLawRegressor,
    __version__,
    cli,
)
from sklearn_scaling.cli import main
from sklearn_scaling.datasets import make_chinchilla, make_double_descent, make_lr_bsz_sweep
from sklearn_scaling.laws import Law, available_laws, get_law, register_law, unregister_law

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
GROUPS = ("small", "medium", "large")
DD_PARAMS = ("b0", "A_up", "A_dn", "c1", "c2", "s_left", "s_right")
LP_FEATURES = ("lr", "bsz", "data_size", "non_embedding_param_size")
# One start keeps each fit well under a second; a seed makes it reproducible.
FAST = ["--n-starts", "1", "--random-state", "0"]


def write_csv(path, header, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def dd_csv(tmp_path):
    """Three groups of U-shaped data; compute >= 2 is 'test', and a few 'holdout' rows
    hold text that must be ignored."""
    rows = []
    for k, group in enumerate(GROUPS):
        X, y = make_double_descent(40, noise=0.02, random_state=k)
        for x, target in zip(X[:, 0], y, strict=True):
            rows.append([group, f"model-{len(rows)}", x, target, "train" if x < 2 else "test"])
        rows.append([group, "broken", "n/a", "n/a", "holdout"])
    return write_csv(tmp_path / "dd.csv", ["group", "model", "log_flops", "score", "split"], rows)


@pytest.fixture
def lp_csv(tmp_path):
    """A learning-rate sweep with the default column names, a split and diverged runs."""
    X, y = make_lr_bsz_sweep(120, random_state=0)
    rng = np.random.default_rng(0)
    split = np.where(rng.random(len(y)) < 0.8, "train", "test")
    rows = [[*x, target, 0, s] for x, target, s in zip(X, y, split, strict=True)]
    rows += [[0.05, 64, 1e10, 1e8, 9.5, 1, "train"], [0.05, 64, 2e10, 1e8, 8.0, 1.0, "test"]]
    header = [*LP_FEATURES, "lm_loss", "diverged", "split"]
    return write_csv(tmp_path / "lp.csv", header, rows)


def read_rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def run_json(capsys, argv):
    assert main([*argv, "--json"]) == 0
    out = capsys.readouterr().out
    return json.loads(out)


def assert_one_line_error(capsys, argv, *fragments):
    status = main(argv)
    captured = capsys.readouterr()
    assert status == 2
    assert captured.out == ""
    err = captured.err
    assert "Traceback" not in err
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("sklearn-scaling")
    for fragment in fragments:
        assert fragment in err, err
    return err


# ------------------------------------------------------------------------------- fit


def test_table_lists_groups_parameters_and_pooled_r2(capsys, dd_csv):
    argv = ["fit", "--law", "double-descent", str(dd_csv), "--target", "score"]
    assert main([*argv, "--group", "group", "--split-column", "split", *FAST]) == 0
    out = capsys.readouterr().out
    assert "DoubleDescentRegressor" in out
    for name in (*GROUPS, *DD_PARAMS, "train R^2", "test R^2", "converged"):
        assert name in out
    assert "pooled test R^2 over 3 groups" in out
    # Aligned: every row of the table block has the same label column width.
    table = out.split("\n\n")[1].splitlines()
    assert len({line.index(line.split()[1]) for line in table if line.startswith("n_")}) == 1


def test_json_matches_direct_fit(capsys, dd_csv):
    document = run_json(
        capsys,
        ["fit", "--law", "double-descent", str(dd_csv), "--target", "score", "--group", "group"]
        + ["--split-column", "split", *FAST],
    )
    assert [entry["group"] for entry in document["groups"]] == list(GROUPS)
    rows = read_rows(dd_csv)
    y_tests, predictions = [], []
    for entry in document["groups"]:
        mine = [r for r in rows if r["group"] == entry["group"]]
        train = [r for r in mine if r["split"] == "train"]
        test = [r for r in mine if r["split"] == "test"]
        X = np.array([[float(r["log_flops"])] for r in train])
        y = np.array([float(r["score"]) for r in train])
        X_test = np.array([[float(r["log_flops"])] for r in test])
        y_test = np.array([float(r["score"]) for r in test])
        reg = DoubleDescentRegressor(n_starts=1, random_state=0).fit(X, y)
        assert entry["n_train"] == len(y) and entry["n_test"] == len(y_test)
        assert entry["train_r2"] == pytest.approx(reg.score(X, y), rel=1e-10)
        assert entry["test_r2"] == pytest.approx(reg.score(X_test, y_test), rel=1e-10)
        assert entry["params"] == pytest.approx(reg.params_, rel=1e-10)
        assert entry["converged"] is bool(reg.converged_)
        y_tests.append(y_test)
        predictions.append(reg.predict(X_test))
    pooled = r2_score(np.concatenate(y_tests), np.concatenate(predictions))
    assert document["pooled_test_r2"] == pytest.approx(pooled, rel=1e-10)
    assert document["options"] == {"n_starts": 1, "random_state": 0}


def test_log_power_default_features_split_and_exclude(capsys, lp_csv):
    document = run_json(
        capsys,
        ["fit", "--law", "log-power", str(lp_csv), "--target", "lm_loss"]
        + ["--split-column", "split", "--exclude", "diverged=1", *FAST],
    )
    assert document["features"] == list(LP_FEATURES)
    (entry,) = document["groups"]
    assert entry["group"] is None
    # '1' and '1.0' both count as diverged=1.
    rows = [r for r in read_rows(lp_csv) if float(r["diverged"]) != 1]
    train = [r for r in rows if r["split"] == "train"]
    test = [r for r in rows if r["split"] == "test"]
    X = np.array([[float(r[name]) for name in LP_FEATURES] for r in train])
    y = np.array([float(r["lm_loss"]) for r in train])
    X_test = np.array([[float(r[name]) for name in LP_FEATURES] for r in test])
    y_test = np.array([float(r["lm_loss"]) for r in test])
    reg = LogPowerHyperparamRegressor(n_starts=1, random_state=0).fit(X, y)
    assert (entry["n_train"], entry["n_test"]) == (len(y), len(y_test))
    assert entry["train_r2"] == pytest.approx(reg.score(X, y), rel=1e-10)
    assert entry["test_r2"] == pytest.approx(reg.score(X_test, y_test), rel=1e-10)
    assert entry["params"] == pytest.approx(reg.params_, rel=1e-10)
    assert document["pooled_test_r2"] == pytest.approx(entry["test_r2"])


def test_without_split_every_row_is_train(capsys, tmp_path):
    X, y = make_double_descent(50, random_state=0)
    path = write_csv(tmp_path / "plain.csv", ["x", "y"], np.column_stack([X[:, 0], y]))
    argv = ["fit", "--law", "double-descent", str(path), "--target", "y", "--features", "x"]
    document = run_json(capsys, [*argv, *FAST])
    (entry,) = document["groups"]
    assert (entry["n_train"], entry["n_test"], entry["test_r2"]) == (50, 0, None)
    assert document["pooled_test_r2"] is None
    assert main([*argv, *FAST]) == 0
    out = capsys.readouterr().out
    assert "(all)" in out and "pooled" not in out


def test_fitting_option_changes_the_fit(capsys, dd_csv):
    argv = ["fit", "--law", "double-descent", str(dd_csv), "--target", "score", *FAST]
    argv += ["--split-column", "split"]
    default = run_json(capsys, argv)["groups"][0]
    cauchy = run_json(capsys, [*argv, "--loss", "cauchy"])["groups"][0]
    assert cauchy["params"] != default["params"]
    rows = [r for r in read_rows(dd_csv) if r["split"] == "train"]
    X = np.array([[float(r["log_flops"])] for r in rows])
    y = np.array([float(r["score"]) for r in rows])
    reg = DoubleDescentRegressor(loss="cauchy", n_starts=1, random_state=0).fit(X, y)
    assert cauchy["train_r2"] == pytest.approx(reg.score(X, y), rel=1e-10)


def build(argv):
    return cli._build_estimator(cli._build_parser().parse_args(argv))


@pytest.mark.parametrize(
    "law, options, expected",
    [
        (
            "double-descent",
            ["--loss", "cauchy", "--f-scale", "0.05", "--alpha", "0.5", "--n-starts", "3"]
            + ["--max-nfev", "50", "--n-jobs", "2", "--random-state", "7", "--tol", "1e-8"]
            + ["--shape", "dip"],
            dict(
                loss="cauchy",
                f_scale=0.05,
                alpha=0.5,
                n_starts=3,
                max_nfev=50,
                n_jobs=2,
                random_state=7,
                tol=1e-8,
                shape="dip",
            ),
        ),
        (
            "double-descent",
            ["--no-density-weighting", "--amplitude-penalty", "1e-3", "--order-penalty", "0"]
            + ["--separation-penalty", "2", "--range-penalty", "3", "--tail-penalty", "4"]
            + ["--b0-bounds", "-6", "0.5", "--f-scale", "mad", "--prior-units", "f_scale"],
            dict(
                density_weighting=False,
                amplitude_penalty=1e-3,
                order_penalty=0.0,
                separation_penalty=2.0,
                range_penalty=3.0,
                tail_penalty=4.0,
                b0_bounds=(-6.0, 0.5),
                f_scale="mad",
                prior_units="f_scale",
            ),
        ),
        (
            "log-power",
            ["--optimum", "scaling", "--global-search", "never", "--prediction-bounds"]
            + ["1.5", "4.5", "--bound", "a", "1", "5", "--size-terms", "power", "--skew"],
            dict(
                optimum="scaling",
                global_search="never",
                prediction_bounds=(1.5, 4.5),
                bounds={"a": (1.0, 5.0)},
                size_terms="power",
                skew=True,
            ),
        ),
    ],
)
def test_options_reach_the_estimator(law, options, expected):
    estimator = build(["fit", "--law", law, "data.csv", "--target", "y", *options])
    params = estimator.get_params()
    assert {name: params[name] for name in expected} == expected
    # Options not given keep the estimator's defaults.
    defaults = type(estimator)().get_params()
    assert {k: v for k, v in params.items() if k not in expected} == {
        k: v for k, v in defaults.items() if k not in expected
    }


@pytest.mark.parametrize(
    "law, option",
    [
        ("log-power", ["--amplitude-penalty", "1"]),
        ("log-power", ["--no-density-weighting"]),
        ("log-power", ["--b0-bounds", "-1", "0"]),
        ("double-descent", ["--optimum", "scaling"]),
        ("double-descent", ["--prediction-bounds", "1", "2"]),
        ("double-descent", ["--global-search", "never"]),
        ("double-descent", ["--skew"]),
        ("log-power", ["--shape", "dip"]),
        ("log-power", ["--prior-units", "f_scale"]),
    ],
)
def test_option_of_the_other_law_is_an_error(capsys, dd_csv, law, option):
    argv = ["fit", "--law", law, str(dd_csv), "--target", "score", *option]
    assert_one_line_error(capsys, argv, option[0], "only")


@pytest.mark.parametrize(
    "option",
    [
        ["--n-starts", "0"],
        ["--f-scale", "wide"],
        ["--alpha", "-1"],
        ["--loss", "l1"],
        ["--b0-bounds", "1", "0"],
        ["--exclude", "diverged"],
        ["--n-jobs", "0"],
        ["--tol", "0"],
        ["--shape", "peak"],
        ["--prior-units", "mad"],
    ],
)
def test_bad_option_value_is_a_one_line_error(capsys, dd_csv, option):
    argv = ["fit", "--law", "double-descent", str(dd_csv), "--target", "score", *option]
    assert_one_line_error(capsys, argv, option[0])


def test_help_returns_zero_and_documents_features(capsys):
    assert main(["fit", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--features" in out and "non_embedding_param_size" in out and "log_flops" in out


def test_version(capsys):
    assert main(["--version"]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"sklearn-scaling {__version__}\n" and captured.err == ""


@pytest.mark.parametrize(
    "order",
    [
        # DATA after --features, whose list of columns took it until 0.1.0.
        ["fit", "--law", "double-descent", "--features", "log_flops", "DATA", "--target", "score"],
        ["fit", "--law", "double-descent", "--target", "score", "--features", "log_flops", "DATA"],
        # Options before the subcommand.
        ["--law", "double-descent", "--target", "score", "fit", "DATA"],
        ["--law", "double-descent", "fit", "--features", "log_flops", "DATA", "--target", "score"],
    ],
)
def test_options_before_data_or_before_the_subcommand(capsys, dd_csv, order):
    split = ["--split-column", "split", *FAST]
    expected = run_json(
        capsys, ["fit", str(dd_csv), "--law", "double-descent", "--target", "score", *split]
    )
    argv = [str(dd_csv) if token == "DATA" else token for token in order]
    assert run_json(capsys, [*argv, *split]) == expected


@pytest.mark.parametrize(
    "argv, fragments",
    [
        # Too many words for the law to be columns and DATA: say where DATA goes.
        (["--features", "lr", "bsz", "lp.csv"], ["DATA", "put DATA before --features"]),
        (["--features", "a", "b", "c", "d", "e", "lp.csv"], ["put DATA before --features"]),
        ([], ["required: DATA"]),
    ],
)
def test_missing_data_says_where_it_goes(capsys, argv, fragments):
    base = ["fit", "--law", "log-power", "--target", "lm_loss"]
    assert_one_line_error(capsys, [*base, *argv], *fragments)


@pytest.mark.parametrize(
    "options, expected",
    [
        (["--b0-bounds", "-inf", "inf"], {"b0_bounds": (-math.inf, math.inf)}),
        (["--b0-bounds", "-1e3", "-1e-1"], {"b0_bounds": (-1000.0, -0.1)}),
        (["--b0-bounds", "-.5", "-Infinity"], None),  # parsed, then LOW >= HIGH
    ],
)
def test_negative_numbers_are_values(options, expected):
    argv = ["fit", "--law", "double-descent", "data.csv", "--target", "y", *options]
    if expected is None:
        with pytest.raises(cli.CommandError, match="LOW must be below HIGH"):
            build(argv)
        return
    params = build(argv).get_params()
    assert {name: params[name] for name in expected} == expected


def test_negative_numbers_are_values_of_log_power_options():
    argv = ["fit", "--law", "log-power", "data.csv", "--target", "y"]
    argv += ["--prediction-bounds", "-inf", "4.5", "--bound", "a", "-inf", "-1e-3"]
    params = build(argv).get_params()
    assert params["prediction_bounds"] == (-math.inf, 4.5)
    assert params["bounds"] == {"a": (-math.inf, -1e-3)}


def test_infinite_b0_bounds_fit(capsys, dd_csv):
    argv = ["fit", "--law", "double-descent", str(dd_csv), "--target", "score", *FAST]
    document = run_json(capsys, [*argv, "--split-column", "split", "--b0-bounds", "-inf", "inf"])
    assert document["options"]["b0_bounds"] == [None, None]  # JSON has no infinity
    assert math.isfinite(document["groups"][0]["params"]["b0"])


# ----------------------------------------------------------------------------- errors

LP_HEADER = [*LP_FEATURES, "lm_loss"]
LP_ROW = ["0.002", "256", "2e10", "2e8", "2.5"]


@pytest.mark.parametrize(
    "name, content, argv, fragments",
    [
        ("empty.csv", "", [], ["empty.csv", "empty"]),
        ("blank.csv", "\n\n", [], ["blank.csv", "empty"]),
        ("header.csv", ",".join(LP_HEADER) + "\n", [], ["header.csv", "no data rows"]),
        (
            "text.csv",
            [LP_HEADER, LP_ROW, LP_ROW, ["abc", *LP_ROW[1:]]],
            [],
            ["text.csv, line 4, column 'lr': expected a number, got 'abc'"],
        ),
        (
            "nan.csv",
            [LP_HEADER, LP_ROW, [*LP_ROW[:4], "nan"]],
            [],
            ["nan.csv, line 3, column 'lm_loss'", "finite"],
        ),
        (
            "blankfield.csv",
            [LP_HEADER, LP_ROW, [*LP_ROW[:2], "", *LP_ROW[3:]]],
            [],
            ["blankfield.csv, line 3, column 'data_size'", "empty field"],
        ),
        (
            "ragged.csv",
            [LP_HEADER, LP_ROW, LP_ROW[:3]],
            [],
            ["ragged.csv, line 3", "expected 5 fields"],
        ),
        ("nocol.csv", [LP_HEADER, LP_ROW], ["--group", "task"], ["nocol.csv", "'task'"]),
        (
            "negative.csv",
            [
                LP_HEADER,
                *[[f"{0.001 * k}", *LP_ROW[1:]] for k in range(1, 14)],
                ["-0.1", *LP_ROW[1:]],
            ],
            [],
            ["negative.csv, line 15, column 'lr'"],
        ),
        (
            "features.csv",
            [LP_HEADER, LP_ROW],
            ["--features", "lr", "bsz"],
            ["needs 4 feature column(s)", "lr bsz"],
        ),
        (
            "notrain.csv",
            [[*LP_HEADER, "split"], [*LP_ROW, "test"], [*LP_ROW, "other"]],
            ["--split-column", "split"],
            ["notrain.csv", "'train'"],
        ),
        (
            "dup.csv",
            [[*LP_HEADER, "lr"], [*LP_ROW, "1"]],
            [],
            ["dup.csv", "'lr'", "more than once"],
        ),
    ],
)
def test_data_errors_are_one_line(capsys, tmp_path, name, content, argv, fragments):
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content)
    else:
        write_csv(path, content[0], content[1:])
    base = ["fit", "--law", "log-power", str(path), "--target", "lm_loss", *FAST]
    assert_one_line_error(capsys, [*base, *argv], *fragments)


def test_missing_file_and_directory(capsys, tmp_path):
    missing = tmp_path / "missing.csv"
    argv = ["fit", "--law", "double-descent", str(missing), "--target", "score"]
    assert_one_line_error(capsys, argv, "missing.csv", "no such file")
    argv = ["fit", "--law", "double-descent", str(tmp_path), "--target", "score"]
    assert_one_line_error(capsys, argv, str(tmp_path), "directory")


def test_not_utf8(capsys, tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"a,b\n\xff\xfe,\x80\n")
    argv = ["fit", "--law", "double-descent", str(path), "--target", "b", "--features", "a"]
    assert_one_line_error(capsys, argv, "binary.csv", "UTF-8")


def test_default_features_missing_says_so(capsys, lp_csv):
    argv = ["fit", "--law", "double-descent", str(lp_csv), "--target", "lm_loss"]
    assert_one_line_error(capsys, argv, "'log_flops'", "--features")


def test_group_without_train_rows(capsys, dd_csv):
    rows = read_rows(dd_csv)
    for row in rows:
        if row["group"] == "medium" and row["split"] == "train":
            row["split"] = "test"
    path = write_csv(dd_csv, list(rows[0]), [list(r.values()) for r in rows])
    argv = ["fit", "--law", "double-descent", str(path), "--target", "score"]
    argv += ["--group", "group", "--split-column", "split", *FAST]
    assert_one_line_error(capsys, argv, "group 'medium'", "'train'")


def test_law_error_too_few_rows_names_the_group(capsys, tmp_path):
    rows = [["a", x, -0.1 * x] for x in range(10)] + [["b", 1.0, -0.2], ["b", 2.0, -0.3]]
    path = write_csv(tmp_path / "few.csv", ["task", "x", "y"], rows)
    argv = ["fit", "--law", "double-descent", str(path), "--target", "y", "--features", "x"]
    assert_one_line_error(capsys, [*argv, "--group", "task", *FAST], "few.csv, group 'b'")


@pytest.mark.parametrize("delimiter, name", [(";", "semicolon"), ("\t", "tab")])
@pytest.mark.parametrize("features", [[], ["--features", "log_flops"]])
def test_other_delimiter_gets_a_hint(capsys, tmp_path, delimiter, name, features):
    path = tmp_path / "semi.csv"
    X, y = make_double_descent(20, random_state=0)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(["log_flops", "score", "split"])
        writer.writerows([[x, t, "train"] for x, t in zip(X[:, 0], y, strict=True)])
    argv = ["fit", "--law", "double-descent", str(path), "--target", "score", *features]
    err = assert_one_line_error(capsys, argv, "semi.csv", f"{name}s", "comma-separated")
    # Not the hint about default features, which would send the user the wrong way.
    assert "name yours with --features" not in err


def test_comma_file_missing_column_has_no_delimiter_hint(capsys, dd_csv):
    argv = ["fit", "--law", "double-descent", str(dd_csv), "--target", "nope"]
    err = assert_one_line_error(capsys, argv, "no column 'nope'")
    assert "comma-separated" not in err


def test_fit_overflow_is_one_line(capsys, dd_csv):
    # A huge loss scale overflowed the robust loss with a traceback in 0.1.0. The
    # estimator may learn to take it; the command line must never show a traceback.
    argv = ["fit", "--law", "double-descent", str(dd_csv), "--target", "score"]
    argv += ["--split-column", "split", "--f-scale", "1e300", *FAST]
    status = main(argv)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    if status != 0:
        assert status == 2 and captured.out == ""
        assert captured.err.startswith("sklearn-scaling: error: ")
        # Refused by the estimator's declared range of f_scale, or by the fit.
        assert captured.err.count("\n") == 1
        assert "dd.csv" in captured.err or "--f-scale 1e+300" in captured.err


@pytest.mark.parametrize(
    "error",
    [
        OverflowError(34, "Numerical result out of range"),
        FloatingPointError("overflow encountered in exp"),
        np.linalg.LinAlgError("Singular matrix"),
        ValueError("bad\nvalue"),
    ],
)
@pytest.mark.parametrize("law", ["double-descent", "log-power"])
def test_fit_errors_are_one_line(monkeypatch, capsys, dd_csv, lp_csv, law, error):
    def fail(self, X, y, sample_weight=None):
        raise error

    estimator = cli.LAWS[law].estimator
    monkeypatch.setattr(estimator, "fit", fail)
    path, target = (dd_csv, "score") if law == "double-descent" else (lp_csv, "lm_loss")
    argv = ["fit", "--law", law, str(path), "--target", target, "--split-column", "split", *FAST]
    fragments = [path.name, *str(error).split()[:1]]
    if not isinstance(error, ValueError):
        fragments.append(type(error).__name__)
    assert_one_line_error(capsys, argv, *fragments)


def test_usage_error_is_one_line(capsys):
    assert_one_line_error(capsys, ["fit", "--law", "double-descent"], "required", "--help")
    assert_one_line_error(capsys, ["fitt"], "invalid choice")


def test_warnings_are_one_line_per_message(capsys, dd_csv):
    argv = ["fit", "--law", "double-descent", str(dd_csv), "--target", "score"]
    argv += ["--group", "group", "--split-column", "split", "--max-nfev", "1", *FAST]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "warnings.warn" not in captured.err
    # One line per message: a one-evaluation fit may also be worse than a constant.
    lines = captured.err.splitlines()
    assert all(line.startswith("sklearn-scaling: warning:") for line in lines)
    (line,) = [line for line in lines if "did not converge" in line]
    assert "groups 'small', 'medium', 'large'" in line
    assert "no" in captured.out.split("converged")[1].splitlines()[0]


# --------------------------------------------------------------------------- diverged


def test_diverged_rows_kept_get_a_note(capsys, lp_csv):
    argv = ["fit", "--law", "log-power", str(lp_csv), "--target", "lm_loss", *FAST]
    assert main([*argv, "--split-column", "split"]) == 0
    captured = capsys.readouterr()
    notes = [line for line in captured.err.splitlines() if ": note: " in line]
    # Two rows (one train, one test; '1' and '1.0') are marked diverged in the fixture.
    n_train = sum(row["split"] == "train" for row in read_rows(lp_csv))
    assert notes == [
        f"sklearn-scaling: note: {lp_csv}: 1 of the {n_train} train rows and 1 of the "
        f"{122 - n_train} test rows are marked diverged in column 'diverged' and are used "
        "like the others; add --exclude diverged=1 to drop them"
    ]
    assert ": note: " not in captured.out
    # The suggested option is the cure.
    assert main([*argv, "--split-column", "split", "--exclude", "diverged=1"]) == 0
    assert ": note: " not in capsys.readouterr().err


def test_diverged_note_only_for_diverged_rows(capsys, tmp_path):
    X, y = make_lr_bsz_sweep(60, random_state=1)
    argv = ["fit", "--law", "log-power", "--target", "lm_loss", *FAST]
    without = write_csv(tmp_path / "plain.csv", [*LP_FEATURES, "lm_loss"], np.column_stack([X, y]))
    assert main([*argv, str(without)]) == 0
    assert ": note: " not in capsys.readouterr().err
    # A 'diverged' column that marks no used row needs no note either.
    rows = [[*x, t, "0" if k < 55 else "true"] for k, (x, t) in enumerate(zip(X, y, strict=True))]
    marked = write_csv(tmp_path / "marked.csv", [*LP_FEATURES, "lm_loss", "Diverged"], rows)
    assert main([*argv, str(marked), "--exclude", "Diverged=true"]) == 0
    assert ": note: " not in capsys.readouterr().err
    assert main([*argv, str(marked)]) == 0
    err = capsys.readouterr().err
    assert "5 of the 60 train rows are marked diverged" in err
    assert "--exclude Diverged=true" in err


# --------------------------------------------------------------------------- progress


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_enabled_only_on_a_terminal():
    assert cli._progress_enabled(FakeTerminal())
    assert not cli._progress_enabled(io.StringIO())
    assert not cli._progress_enabled(object())
    closed = io.StringIO()
    closed.close()  # isatty() of a closed stream raises ValueError
    assert not cli._progress_enabled(closed)


def test_progress_shown_on_a_terminal(monkeypatch, capsys, dd_csv):
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    argv = ["fit", "--law", "double-descent", str(dd_csv), "--target", "score"]
    assert main([*argv, "--group", "group", "--split-column", "split", *FAST]) == 0
    shown = terminal.getvalue()
    for k, group in enumerate(GROUPS, start=1):
        assert f"\rfitting group {k}/3 ({group})..." in shown
    # The status line is erased before the results, and never needs a newline.
    assert shown.endswith("\r") and "\n" not in shown
    assert "medium" in capsys.readouterr().out


def test_progress_without_groups(monkeypatch, dd_csv):
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    argv = ["fit", "--law", "double-descent", str(dd_csv), "--target", "score"]
    assert main([*argv, "--split-column", "split", *FAST]) == 0
    n_train = sum(row["split"] == "train" for row in read_rows(dd_csv))
    assert f"\rfitting {n_train} rows..." in terminal.getvalue()


def test_progress_quiet_when_not_a_terminal(capsys, dd_csv):
    argv = ["fit", "--law", "double-descent", str(dd_csv), "--target", "score"]
    assert main([*argv, "--group", "group", "--split-column", "split", *FAST]) == 0
    assert capsys.readouterr().err == ""


# ------------------------------------------------------------------------------- plot


def test_plot_one_panel_per_group(capsys, tmp_path, dd_csv):
    pytest.importorskip("matplotlib")
    pytest.importorskip("sklearn_scaling.plotting")
    out = tmp_path / "fit.png"
    argv = ["fit", "--law", "double-descent", str(dd_csv), "--target", "score"]
    argv += ["--group", "group", "--split-column", "split", *FAST]
    assert main([*argv, "--plot", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "pooled" in capsys.readouterr().out


def test_plot_log_power(tmp_path, lp_csv):
    pytest.importorskip("matplotlib")
    pytest.importorskip("sklearn_scaling.plotting")
    out = tmp_path / "lp.png"
    argv = ["fit", "--law", "log-power", str(lp_csv), "--target", "lm_loss", *FAST]
    assert main([*argv, "--exclude", "diverged=1", "--plot", str(out)]) == 0
    assert out.stat().st_size > 0


def test_plot_without_matplotlib_is_one_line(monkeypatch, capsys, tmp_path, dd_csv):
    # A None entry in sys.modules makes the import fail as if matplotlib were absent.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.backend_bases", None)
    argv = ["fit", "--law", "double-descent", str(dd_csv), "--target", "score"]
    assert_one_line_error(capsys, [*argv, "--plot", str(tmp_path / "x.png")], "matplotlib")


def test_plot_bad_destination(capsys, tmp_path, dd_csv):
    pytest.importorskip("matplotlib")
    argv = ["fit", "--law", "double-descent", str(dd_csv), "--target", "score", "--plot"]
    assert_one_line_error(capsys, [*argv, str(tmp_path / "no" / "x.png")], "no such directory")
    assert_one_line_error(capsys, [*argv, str(tmp_path / "x.nope")], ".nope")


# ------------------------------------------------------------------ registry laws

CH_PARAMS = ("E", "A", "B", "alpha", "beta")
HAS_INTERVALS = callable(getattr(ScalingLawRegressor, "predict_interval", None))


@pytest.fixture
def ch_csv(tmp_path):
    """Chinchilla runs with the law's own feature names (N, D), two groups and a split
    along compute."""
    X, y = make_chinchilla(120, random_state=0)
    split = np.where(6 * X[:, 0] * X[:, 1] < 1e21, "train", "test")
    rows = [
        ["ab"[k % 2], n, d, target, s]
        for k, ((n, d), target, s) in enumerate(zip(X, y, split, strict=True))
    ]
    return write_csv(tmp_path / "ch.csv", ["group", "N", "D", "loss", "split"], rows)


def ch_rows(path, part="train", group=None):
    rows = [r for r in read_rows(path) if r["split"] == part]
    rows = [r for r in rows if group is None or r["group"] == group]
    X = np.array([[float(r["N"]), float(r["D"])] for r in rows])
    return X, np.array([float(r["loss"]) for r in rows])


def _offset_power(X, E, A, alpha):
    return E + A * X[:, 0] ** -alpha


@pytest.fixture
def user_law():
    """A law registered by 'a user's module' for one test, and removed after it."""
    name = "test_cli_offset-power"
    assert name not in available_laws()
    law = register_law(
        Law(
            name,
            _offset_power,
            features=("steps",),
            bounds={"E": (0.0, math.inf), "A": (0.0, math.inf), "alpha": (0.0, 2.0)},
            linear=("E", "A"),
            domain={"steps": "positive"},
            formula="L = E + A * steps**-alpha",
            reference="the tests of the command line",
            description="A law that only this test knows.",
        )
    )
    yield law
    unregister_law(name)


def test_laws_lists_every_registered_law(capsys):
    assert main(["laws"]) == 0
    out = capsys.readouterr().out
    blocks = {block.split(":")[0]: block for block in out.strip().split("\n\n")}
    assert list(blocks) == list(available_laws())
    for name, block in blocks.items():
        law = get_law(name)
        assert f"  features    {', '.join(law.features)}" in block
        flat = " ".join(block.split())  # long formulas and references are wrapped
        assert f"formula {' '.join(law.formula.split())}" in flat
        assert f"reference {' '.join(law.reference.split())}" in flat
    # The seed laws name the estimators that fit fits them with.
    assert "--law double-descent: DoubleDescentRegressor" in blocks["double_descent"]
    assert "--law log-power: LogPowerHyperparamRegressor" in blocks["log_power"]
    assert "ScalingLawRegressor(law='chinchilla')" in blocks["chinchilla"]


def test_laws_json_and_n_features(capsys):
    document = run_json(capsys, ["laws", "--n-features", "2"])
    assert [entry["name"] for entry in document["laws"]] == list(available_laws(n_features=2))
    (entry,) = [e for e in document["laws"] if e["name"] == "chinchilla"]
    law = get_law("chinchilla")
    assert entry["features"] == list(law.features)
    assert entry["parameters"] == list(law.parameters)
    assert (entry["formula"], entry["reference"]) == (law.formula, law.reference)


def test_a_law_registered_later_is_listed_and_fitted(capsys, tmp_path, user_law):
    assert main(["laws"]) == 0
    out = capsys.readouterr().out
    assert "test_cli_offset-power: A law that only this test knows." in out
    assert "L = E + A * steps**-alpha" in out and "the tests of the command line" in out
    steps = np.geomspace(10, 1e5, 40)
    y = 1.5 + 3.0 * steps**-0.5 * (1 + 0.01 * np.random.default_rng(0).standard_normal(40))
    path = write_csv(tmp_path / "user.csv", ["step", "loss"], np.column_stack([steps, y]))
    # '_' for '-', and a CSV column for the law's feature.
    argv = ["fit", "--law", "test_cli_offset_power", str(path), "--target", "loss"]
    document = run_json(capsys, [*argv, "--features", "step", *FAST])
    assert document["law"] == "test_cli_offset-power"
    assert document["estimator"] == "ScalingLawRegressor"
    (entry,) = document["groups"]
    reg = ScalingLawRegressor(user_law.name, n_starts=1, random_state=0).fit(steps[:, None], y)
    assert entry["params"] == pytest.approx(reg.params_, rel=1e-10)
    assert entry["params"]["alpha"] == pytest.approx(0.5, abs=0.05)


def ch_grouped(path, part="train"):
    """The rows of ``part`` as a grouped fit reads them: the group label first."""
    rows = [r for r in read_rows(path) if r["split"] == part]
    X = np.array([[r["group"], float(r["N"]), float(r["D"])] for r in rows], dtype=object)
    return X, np.array([float(r["loss"]) for r in rows])


def test_registry_law_json_matches_direct_fit(capsys, ch_csv):
    argv = ["fit", "--law", "chinchilla", str(ch_csv), "--target", "loss"]
    argv += ["--group", "group", "--split-column", "split", *FAST]
    document = run_json(capsys, argv)  # the default features are the law's: N, D
    assert (document["law"], document["estimator"]) == ("chinchilla", "ScalingLawRegressor")
    assert document["features"] == ["N", "D"]
    assert [entry["group"] for entry in document["groups"]] == ["a", "b"]
    # Every group in one grouped fit, as in Python.
    X, y = ch_grouped(ch_csv)
    reg = ScalingLawRegressor("chinchilla", group=0, n_starts=1, random_state=0).fit(X, y)
    X_test, y_test = ch_grouped(ch_csv, "test")
    for entry in document["groups"]:
        label = entry["group"]
        train, test = X[:, 0] == label, X_test[:, 0] == label
        assert (entry["n_train"], entry["n_test"]) == (train.sum(), test.sum())
        assert list(entry["params"]) == list(CH_PARAMS)
        assert entry["params"] == pytest.approx(reg.params_[label], rel=1e-10)
        assert entry["train_r2"] == pytest.approx(reg.score(X[train], y[train]), rel=1e-10)
        assert entry["test_r2"] == pytest.approx(reg.score(X_test[test], y_test[test]), rel=1e-10)
        assert entry["at_bounds"] == list(reg.at_bounds_[label])
        # Independent curves: the group's own fit finds the same law.
        X_own, y_own = ch_rows(ch_csv, "train", label)
        own = ScalingLawRegressor("chinchilla", n_starts=1, random_state=0).fit(X_own, y_own)
        assert entry["params"] == pytest.approx(own.params_, rel=1e-3)
    pooled = r2_score(y_test, reg.predict(X_test))
    assert document["pooled_test_r2"] == pytest.approx(pooled, rel=1e-10)
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("ScalingLawRegressor(law='chinchilla') on ")
    assert all(name in out for name in (*CH_PARAMS, "test R^2", "pooled test R^2"))


@pytest.mark.parametrize(
    "features", [["--features", "N,D"], ["--features", "N", "D"], ["--features", "N,", "D"]]
)
def test_features_by_comma_or_space_and_data_after_them(capsys, ch_csv, features):
    base = ["fit", "--law", "chinchilla", "--target", "loss", "--split-column", "split", *FAST]
    expected = run_json(capsys, [*base, str(ch_csv)])
    assert run_json(capsys, [*base, str(ch_csv), *features]) == expected
    # DATA written right after the columns is read as DATA.
    assert run_json(capsys, [*base, *features, str(ch_csv)]) == expected


@pytest.mark.parametrize(
    "law, features",
    [("chinchilla", ["N"]), ("chinchilla", ["N,D,loss"]), ("data-constrained", ["N,D"])],
)
def test_feature_count_error_names_the_law_features(capsys, ch_csv, law, features):
    argv = ["fit", "--law", law, str(ch_csv), "--target", "loss", "--features", *features]
    n, names = (2, "N, D") if law == "chinchilla" else (3, "N, D, U")
    assert_one_line_error(capsys, argv, f"needs {n} feature column(s)", names)


@pytest.mark.parametrize(
    "spelling, estimator, law",
    [
        ("data-constrained", ScalingLawRegressor, "data_constrained"),
        ("data_constrained", ScalingLawRegressor, "data_constrained"),
        ("broken-power-law", ScalingLawRegressor, "broken_power_law"),
        ("double_descent", DoubleDescentRegressor, None),
        ("log_power", LogPowerHyperparamRegressor, None),
    ],
)
def test_law_names_with_dash_or_underscore(spelling, estimator, law):
    built = build(["fit", "--law", spelling, "data.csv", "--target", "y"])
    assert type(built) is estimator
    if law is not None:
        assert built.get_params()["law"] == law


def test_every_registered_law_is_a_law_of_fit():
    seeds = {"double_descent": "double-descent", "log_power": "log-power"}
    for name in available_laws():
        law = cli.LAWS[name]
        assert law.name == seeds.get(name, name)
        if name not in seeds:
            assert law.estimator is ScalingLawRegressor
            assert law.default_features == get_law(name).features


def test_generic_options_reach_scaling_law_regressor():
    argv = ["fit", "--law", "power-law", "data.csv", "--target", "y"]
    argv += ["--loss", "cauchy", "--f-scale", "0.05", "--target-space", "log", "--alpha", "0.5"]
    argv += ["--n-starts", "3", "--bound", "alpha", "0", "1", "--bound", "E", "-inf", "2"]
    argv += ["--max-nfev", "50", "--tol", "1e-6", "--n-jobs", "2", "--random-state", "7"]
    expected = dict(
        law="power_law",
        loss="cauchy",
        f_scale=0.05,
        quantile=0.5,
        target_space="log",
        alpha=0.5,
        n_starts=3,
        bounds={"alpha": (0.0, 1.0), "E": (-math.inf, 2.0)},
        max_nfev=50,
        tol=1e-6,
        n_jobs=2,
        random_state=7,
        # One curve per fit: the CLI's --group fits each group on its own.
        group=None,
        shared=None,
        fixed=None,
    )
    assert build(argv).get_params() == expected


@pytest.mark.parametrize(
    "law, option, fragments",
    [
        ("chinchilla", ["--shape", "dip"], ["--shape", "double-descent only"]),
        ("chinchilla", ["--optimum", "scaling"], ["--optimum", "log-power only"]),
        ("double-descent", ["--target-space", "log"], ["--target-space", "registry"]),
        ("double-descent", ["--bound", "b0", "0", "1"], ["--bound", "log-power and"]),
        ("chinchilla", ["--f-scale", "mad"], ["--f-scale mad", "f_scale must be a float"]),
        ("chinchilla", ["--bound", "gamma", "0", "1"], ["'gamma'", "E, A, B, alpha, beta"]),
        ("chinchilla", ["--bound", "alpha", "1", "0"], ["--bound alpha", "LOW must be below"]),
        ("chinchilla", ["--target-space", "cubic"], ["--target-space"]),
        ("chinchilla", ["--interval", "90"], ["--interval", "between 0 and 1"]),
        ("chinchilla", ["--interval", "0"], ["--interval", "between 0 and 1"]),
        ("hestness", [], ["unknown law 'hestness'", "chinchilla", "double-descent"]),
    ],
)
def test_registry_law_option_errors(capsys, ch_csv, law, option, fragments):
    argv = ["fit", "--law", law, str(ch_csv), "--target", "loss", *option]
    assert_one_line_error(capsys, argv, *fragments)


def test_registry_law_domain_error_names_line_and_column(capsys, tmp_path):
    X, y = make_chinchilla(20, random_state=0)
    X[7, 1] = -1.0
    path = write_csv(tmp_path / "neg.csv", ["N", "D", "loss"], np.column_stack([X, y]))
    argv = ["fit", "--law", "chinchilla", str(path), "--target", "loss", *FAST]
    assert_one_line_error(capsys, argv, "neg.csv, line 9, column 'D'", "> 0")


def test_parameters_on_a_bound_are_marked(capsys, ch_csv):
    argv = ["fit", "--law", "chinchilla", str(ch_csv), "--target", "loss", *FAST]
    argv += ["--split-column", "split", "--bound", "alpha", "0", "0.3"]
    (entry,) = run_json(capsys, argv)["groups"]
    assert entry["at_bounds"] == ["alpha"] and entry["params"]["alpha"] == pytest.approx(0.3)
    assert main(argv) == 0
    captured = capsys.readouterr()
    (alpha,) = [line for line in captured.out.splitlines() if line.startswith("alpha")]
    assert alpha.rstrip().endswith("0.3*")
    (beta,) = [line for line in captured.out.splitlines() if line.startswith("beta ")]
    assert "*" not in beta
    assert "* ends on a bound" in captured.out
    assert "sklearn-scaling: warning:" in captured.err and "'alpha'" in captured.err


def test_seed_law_json_has_at_bounds(capsys, dd_csv):
    argv = ["fit", "--law", "double-descent", str(dd_csv), "--target", "score", *FAST]
    (entry,) = run_json(capsys, [*argv, "--split-column", "split"])["groups"]
    rows = [r for r in read_rows(dd_csv) if r["split"] == "train"]
    X = np.array([[float(r["log_flops"])] for r in rows])
    y = np.array([float(r["score"]) for r in rows])
    reg = DoubleDescentRegressor(n_starts=1, random_state=0).fit(X, y)
    assert entry["at_bounds"] == list(cli._at_bounds(reg))
    assert set(entry["at_bounds"]) <= set(DD_PARAMS)


# -------------------------------------------------------------------------- intervals


@pytest.mark.skipif(not HAS_INTERVALS, reason="ScalingLawRegressor has no predict_interval")
def test_interval_against_scaling_law_regressor(capsys, ch_csv):
    argv = ["fit", "--law", "chinchilla", str(ch_csv), "--target", "loss", *FAST]
    argv += ["--split-column", "split", "--interval", "0.9"]
    document = run_json(capsys, argv)
    (entry,) = document["groups"]
    X, y = ch_rows(ch_csv, "train")
    X_test, y_test = ch_rows(ch_csv, "test")
    reg = ScalingLawRegressor("chinchilla", n_starts=1, random_state=0).fit(X, y)
    assert entry["params_std"] == pytest.approx(reg.params_std_, rel=1e-10)
    interval = entry["interval"]
    assert interval["coverage"] == 0.9
    for part, (rows_X, rows_y) in {"train": (X, y), "test": (X_test, y_test)}.items():
        low, high = reg.predict_interval(rows_X, coverage=0.9, kind="observation")
        inside = np.mean((low <= rows_y) & (rows_y <= high))
        assert interval[f"{part}_coverage"] == pytest.approx(inside)
    low, high = reg.predict_interval(np.vstack([X, X_test]), coverage=0.9, kind="law")
    assert interval["median_law_width"] == pytest.approx(np.median(high - low))
    assert document["pooled_test_coverage"] == pytest.approx(interval["test_coverage"])
    # The text: each parameter with its standard error, coverage rows, R^2 rows kept.
    assert main(argv) == 0
    out = capsys.readouterr().out
    for name in CH_PARAMS:
        (line,) = [row for row in out.splitlines() if row.split()[:1] == [name]]
        assert f"± {cli._format_std(reg.params_std_[name])}" in line
    for label in ("train R^2", "test R^2", "train in 90%", "test in 90%", "90% law width"):
        assert label in out


def test_interval_wiring(monkeypatch, capsys, ch_csv):
    """The command's side of --interval, against a stand-in for the estimator's API."""
    calls = []
    fit = ScalingLawRegressor.fit

    def fit_with_std(self, X, y, sample_weight=None):
        fit(self, X, y, sample_weight)
        self.params_std_ = {name: 0.25 for name in self.params_}
        self.params_std_.update(E=math.inf, A=math.nan)
        return self

    def predict_interval(self, X, coverage=0.9, kind="law"):
        calls.append((len(X), coverage, kind))
        center = self.predict(X)
        # Every observed target lies inside the (huge) observation interval of the
        # train rows; none inside that of the test rows, whose width is 0.
        half = 1.0 if kind == "law" else (1e9 if len(X) > 40 else 0.0)
        return center - half, center + half

    monkeypatch.setattr(ScalingLawRegressor, "fit", fit_with_std)
    monkeypatch.setattr(ScalingLawRegressor, "predict_interval", predict_interval, raising=False)
    argv = ["fit", "--law", "chinchilla", str(ch_csv), "--target", "loss", *FAST]
    argv += ["--split-column", "split", "--interval", "0.8"]
    document = run_json(capsys, argv)
    (entry,) = document["groups"]
    n_train, n_test = entry["n_train"], entry["n_test"]
    assert n_train > 40 >= n_test > 0
    assert sorted(calls) == sorted(
        (n, 0.8, kind) for n in (n_train, n_test) for kind in ("law", "observation")
    )
    # JSON has no inf or nan: both are null, and 'unidentified'/'at_bounds' say which.
    assert entry["params_std"] == {"E": None, "A": None, "B": 0.25, "alpha": 0.25, "beta": 0.25}
    assert entry["unidentified"] == ["E"]
    assert entry["interval"] == {
        "coverage": 0.8,
        "train_coverage": 1.0,
        "test_coverage": 0.0,
        "median_law_width": 2.0,
        "median_observation_width": 2e9,
    }
    assert document["interval"] == 0.8 and document["pooled_test_coverage"] == 0.0
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "± inf" in out and "± nan" in out and "± 0.25" in out
    assert "train in 80%" in out and "the data do not identify" in out


def test_interval_pooled_over_groups(monkeypatch, capsys, ch_csv):
    def predict_interval(self, X, coverage=0.9, kind="law"):
        center = self.predict(X)
        return center - 1e9, center + 1e9

    if not HAS_INTERVALS:
        fit = ScalingLawRegressor.fit

        def fit_with_std(self, X, y, sample_weight=None):
            fit(self, X, y, sample_weight)
            self.params_std_ = dict.fromkeys(self.params_, 0.1)
            return self

        monkeypatch.setattr(ScalingLawRegressor, "fit", fit_with_std)
    monkeypatch.setattr(ScalingLawRegressor, "predict_interval", predict_interval, raising=False)
    argv = ["fit", "--law", "chinchilla", str(ch_csv), "--target", "loss", "--group", "group"]
    argv += ["--split-column", "split", "--interval", "0.9", *FAST]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "pooled fraction of the test rows inside their 90% observation interval: 1.000" in out


def test_interval_unavailable_is_one_line(monkeypatch, capsys, dd_csv, ch_csv):
    # An estimator class without predict_interval: refused before any fit.
    monkeypatch.setattr(ScalingLawRegressor, "predict_interval", None, raising=False)
    argv = ["fit", "--law", "chinchilla", str(ch_csv), "--target", "loss", "--interval", "0.9"]
    assert_one_line_error(capsys, argv, "--interval", "ScalingLawRegressor", "no intervals yet")
    # A fitted estimator without params_std_ (a seed estimator half way there).
    fit = DoubleDescentRegressor.fit

    def fit_without_std(self, X, y, sample_weight=None):
        fit(self, X, y, sample_weight)
        self.__dict__.pop("params_std_", None)
        return self

    monkeypatch.setattr(DoubleDescentRegressor, "fit", fit_without_std)
    monkeypatch.setattr(
        DoubleDescentRegressor, "predict_interval", lambda self, X, **kw: (X, X), raising=False
    )
    argv = ["fit", "--law", "double-descent", str(dd_csv), "--target", "score", *FAST]
    argv += ["--split-column", "split", "--interval", "0.9"]
    assert_one_line_error(capsys, argv, "DoubleDescentRegressor", "no intervals yet")


# ------------------------------------------------------------------------- real data


@pytest.mark.slow
@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data is absent")
def test_easy_question(capsys):
    document = run_json(
        capsys,
        ["fit", "--law", "double-descent", str(SHARED_DATA / "easy_question.csv")]
        + ["--target", "brier_score", "--group", "group", "--split-column", "split"]
        + ["--random-state", "0"],
    )
    assert len(document["groups"]) == 9
    assert sum(entry["n_train"] for entry in document["groups"]) == 389
    for entry in document["groups"]:
        assert math.isfinite(entry["train_r2"]) and math.isfinite(entry["test_r2"])
    assert math.isfinite(document["pooled_test_r2"])


# ------------------------------------------------------------------------ subprocess


def test_python_m_demo():
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_scaling", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "DoubleDescentRegressor on 150 runs" in result.stdout
    assert "LogPowerHyperparamRegressor on 400 runs" in result.stdout
    assert "ScalingLawRegressor(law='chinchilla') on 240 runs" in result.stdout
    # Fitted values stand next to the true ones the synthetic data were drawn from.
    assert result.stdout.count("fitted         true") == 3
    # Warnings of the fits are one line each, not Python's form with a source line.
    assert "Traceback" not in result.stderr and ".fit(X, y)" not in result.stderr
    gap = re.search(r"largest gap to the true curve over the data: ([0-9.]+)", result.stdout)
    assert gap is not None, result.stdout
    assert float(gap[1]) < 0.02  # the noise level of the demo's data


def test_console_script_error_exit_status(tmp_path):
    script = shutil.which("sklearn-scaling")
    if script is None:
        pytest.skip("the sklearn-scaling console script is not on PATH")
    missing = str(tmp_path / "missing.csv")
    result = subprocess.run(
        [script, "fit", "--law", "log-power", missing, "--target", "lm_loss"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == f"sklearn-scaling: error: {missing}: no such file\n"
