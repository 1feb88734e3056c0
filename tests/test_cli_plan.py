"""``sklearn-scaling plan``: the compute-optimal run at budgets given on the command line."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from sklearn_scaling import ScalingLawRegressor
from sklearn_scaling.cli import main
from sklearn_scaling.datasets import make_chinchilla

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="module")
def runs_csv(tmp_path_factory):
    X, y = make_chinchilla(n_samples=120, random_state=0)
    path = tmp_path_factory.mktemp("plan") / "runs.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["params", "tokens", "loss"])
        writer.writerows(np.column_stack([X, y]).tolist())
    return path, X, y


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_plan_json_matches_the_closed_form(capsys, runs_csv):
    path, X, y = runs_csv
    status, out, _ = run(
        capsys,
        "plan",
        str(path),
        "--target",
        "loss",
        "--features",
        "params,tokens",
        "--budget",
        "1e21",
        "1e23",
        "--interval",
        "0.9",
        "--random-state",
        "0",
        "--json",
    )
    assert status == 0
    document = json.loads(out)
    reg = ScalingLawRegressor("chinchilla", target_space="log", random_state=0).fit(X, y)
    n_opt, d_opt = reg.compute_optimal([1e21, 1e23])
    rows = document["allocations"]
    assert [r["budget"] for r in rows] == [1e21, 1e23]
    np.testing.assert_allclose([r["N"] for r in rows], n_opt, rtol=1e-6)
    np.testing.assert_allclose([r["D"] for r in rows], d_opt, rtol=1e-6)
    assert all(r["N_low"] < r["N"] < r["N_high"] for r in rows)
    assert all(r["at_constraint"] == [] for r in rows)


def test_plan_text_marks_a_bound(capsys, runs_csv):
    path, *_ = runs_csv
    status, out, err = run(
        capsys,
        "plan",
        str(path),
        "--target",
        "loss",
        "--features",
        "params,tokens",
        "--budget",
        "1e21",
        "1e24",
        "--max",
        "N=2e10",
    )
    assert status == 0
    lines = out.strip().splitlines()
    assert lines[2].split() == ["budget", "N", "D", "loss"]
    assert "*" not in lines[3] and "2e+10*" in lines[4]
    assert "on a bound" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--law", "power-law"], "size feature and a data feature"),
        (["--law", "nope"], "unknown law"),
        (["--budget", "1"], "below the cheapest"),
        (["--features", "params"], "needs 2 feature column"),
        (["--max", "U=1e9"], "has features"),
        (["--min", "N=1e12", "--max", "N=1e11"], "nothing feasible"),
    ],
)
def test_plan_errors_are_one_line(capsys, runs_csv, argv, message):
    path, *_ = runs_csv
    base = ["plan", str(path), "--target", "loss", "--features", "params,tokens"]
    if "--budget" not in argv:
        base += ["--budget", "1e22"]
    if argv[0] == "--features":
        base = ["plan", str(path), "--target", "loss", "--budget", "1e22"]
    status, _, err = run(capsys, *base, *argv)
    assert status == 2
    assert message in err and len(err.strip().splitlines()) == 1


@pytest.mark.skipif(
    not (SHARED_DATA / "data_constrained.csv").is_file(), reason="shared data absent"
)
def test_plan_data_constrained_unique_token_limit(capsys):
    status, out, _ = run(
        capsys,
        "plan",
        str(SHARED_DATA / "data_constrained.csv"),
        "--law",
        "data-constrained",
        "--target",
        "loss",
        # The source names the token columns the other way round (see the loader).
        "--features",
        "params,unique_tokens,tokens",
        "--max",
        "U=1e10",
        "--budget",
        "1e23",
        "--random-state",
        "0",
        "--json",
    )
    assert status == 0
    (row,) = json.loads(out)["allocations"]
    assert row["U"] <= 1e10 * (1 + 1e-12) and row["D"] > row["U"]
    np.testing.assert_allclose(6 * row["N"] * row["D"], 1e23, rtol=1e-9)
