"""The command line's ``--plot``: what it writes, and matplotlib's cache kept out of HOME.

Issue 18, item 12: ``--plot DIR/`` wrote ``DIR/.png``, ``--plot out`` wrote
``out.png``, and with HOME not writable matplotlib printed a warning about its
cache on every run.
"""

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sklearn_scaling.cli import main
from sklearn_scaling.datasets import make_power_law

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def power_csv(tmp_path):
    X, y = make_power_law(n_samples=30, random_state=0)
    path = tmp_path / "runs.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["x", "loss"])
        writer.writerows(zip(X[:, 0], y, strict=True))
    return path


def _argv(data):
    return ["fit", "--law", "power_law", str(data), "--target", "loss", "--features", "x"]


def _written(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


@pytest.mark.parametrize(
    "name, message",
    [
        ("plots/", "names a directory; name the image file, e.g. "),
        ("plots", "names a directory; name the image file, e.g. "),
        ("out", "needs a suffix that names its format, e.g. "),
        ("", "--plot needs the name of the image file"),
    ],
    ids=["dir-slash", "existing-dir", "no-suffix", "empty"],
)
def test_plot_to_a_directory_or_without_a_format_is_rejected_before_fitting(
    capsys, tmp_path, monkeypatch, power_csv, name, message
):
    pytest.importorskip("matplotlib")
    (tmp_path / "plots").mkdir()
    monkeypatch.chdir(tmp_path)
    before = _written(tmp_path)
    assert main([*_argv(power_csv), "--plot", name]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing fitted
    assert message in captured.err and len(captured.err.strip().splitlines()) == 1
    assert _written(tmp_path) == before  # nothing written either


def test_plot_writes_exactly_the_file_named(tmp_path, monkeypatch, power_csv):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    assert main([*_argv(power_csv), "--plot", "fit.svg"]) == 0
    assert _written(tmp_path) == ["fit.svg", "runs.csv"]


def test_plot_with_home_not_writable_keeps_matplotlib_quiet_and_out_of_home(tmp_path, power_csv):
    pytest.importorskip("matplotlib")
    # A HOME below a regular file can be neither written nor made, even by root.
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MPL", "XDG_"))}
    env.update(HOME=str(blocker / "home"), PYTHONPATH=str(ROOT))
    out = tmp_path / "fit.png"
    run = subprocess.run(
        [sys.executable, "-m", "sklearn_scaling", *_argv(power_csv), "--plot", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "matplotlib" not in run.stderr.lower() and "MPLCONFIGDIR" not in run.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
