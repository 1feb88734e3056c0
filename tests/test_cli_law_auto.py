"""``sklearn-scaling fit --law auto``: the law search from the command line."""

import json

import numpy as np
import pytest

from sklearn_scaling.cli import main


@pytest.fixture
def curve_csv(tmp_path):
    x = np.logspace(2, 4, 10)
    y = 1.5 + 40.0 * x**-0.4
    split = ["train"] * 7 + ["test"] * 3
    lines = ["x,loss,split"] + [f"{a},{b},{c}" for a, b, c in zip(x, y, split, strict=True)]
    path = tmp_path / "curve.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _run(capsys, *argv):
    status = main(["fit", "--law", "auto", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_law_auto_prints_the_table_of_laws_and_the_choice(curve_csv, capsys):
    status, out, err = _run(
        capsys, str(curve_csv), "--target", "loss", "--features", "x",
        "--split-column", "split", "--random-state", "0", "--interval", "0.9",
    )  # fmt: skip
    assert status == 0, err
    assert "| law | rank | mean score |" in out
    # 7 training rows, the latest default fold trains on 6: the broken power law (6
    # parameters) cannot be compared with a row to spare, and says so.
    assert "| power_law |" in out and "| rectified |" in out
    assert "broken_power_law' has 6 free parameters" in err
    chosen = next(line for line in out.splitlines() if line.startswith("chosen: "))
    assert chosen.split(": ")[1] in ("power_law", "rectified")
    assert "test RMSLE:" in out and "inside the 90% interval" in out


def test_law_auto_json(curve_csv, capsys):
    status, out, _ = _run(
        capsys, str(curve_csv), "--target", "loss", "--features", "x",
        "--split-column", "split", "--random-state", "0", "--json",
    )  # fmt: skip
    assert status == 0
    document = json.loads(out)
    assert document["chosen"] in document["cv_results"]["law"]
    assert set(document["cv_results"]) >= {"law", "fold", "n_train", "n_test", "score"}


def test_law_auto_needs_features_and_refuses_one_law_options(curve_csv, capsys):
    status, _, err = _run(capsys, str(curve_csv), "--target", "loss")
    assert status == 2 and "--law auto needs --features" in err
    status, _, err = _run(
        capsys, str(curve_csv), "--target", "loss", "--features", "x", "--n-starts", "2"
    )
    assert status == 2 and "--n-starts" in err
