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

from sklearn_scaling import DoubleDescentRegressor, LogPowerHyperparamRegressor, __version__, cli
from sklearn_scaling.cli import main
from sklearn_scaling.datasets import make_double_descent, make_lr_bsz_sweep

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
        assert captured.err.count("\n") == 1 and "dd.csv" in captured.err


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
    (line,) = captured.err.splitlines()
    assert line.startswith("sklearn-scaling: warning:") and "did not converge" in line
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
    # Fitted values stand next to the true ones the synthetic data were drawn from.
    assert result.stdout.count("fitted         true") == 2
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
