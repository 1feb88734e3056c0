"""Fits on the two real data sets in ../shared, measured against the seed fitters.

The data (and the seeds' reference fitters) live beside the project, never in it; the
tests skip when they are absent. Only the ``train`` rows are fitted, as the benchmark
does; the comparisons are on the training objective, which is what the fitters optimise.
Training R^2 is printed (``pytest -s``) and tabulated by ``benchmarks/bench_fit.py``,
not asserted.

The seeds' own fits are slow (seed 000: ~20 s for the nine easy_question groups; seed
001: ~5 minutes), so they are read from the caches in ``benchmarks/results/``
(``seed000.json``, ``seed001.json``), which ``benchmarks/bench_fit.py`` writes. Each
cache records the SHA-256 of the files it was made from, and one group of seed 000 is
refitted here so that the cache cannot go stale unnoticed.
"""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from sklearn_scaling import DoubleDescentRegressor, LogPowerHyperparamRegressor
from sklearn_scaling.datasets import load_easy_question, load_lr_bsz
from sklearn_scaling.laws import double_descent

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DATA = SHARED / "data"
SEED_000 = SHARED / "reference" / "seed_double_descent.py"
SEED_001 = SHARED / "reference" / "seed_log_power.py"
SEED_001_CACHE = REPO / "benchmarks" / "results" / "seed001.json"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not DATA.is_dir(), reason=f"real data sets not found at {DATA}"),
]


def _load_module(name, path):
    if not path.is_file():
        pytest.skip(f"{path} not found")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _benchmark_helpers():
    # benchmarks/_common.py holds the seeds' objectives, the projection of seed 000's
    # fit into its box and the seed 000 cache, shared with the benchmark scripts.
    return _load_module("benchmark_common", REPO / "benchmarks" / "_common.py")


def _easy_question():
    return load_easy_question(DATA / "easy_question.csv")


def _groups():
    if not (DATA / "easy_question.csv").is_file():
        return []
    return sorted(set(_easy_question().group))


@pytest.fixture(scope="module")
def helpers():
    return _benchmark_helpers()


@pytest.fixture(scope="module")
def seed_000_cache(helpers):
    if not SEED_000.is_file():
        pytest.skip(f"seed 000's reference fitter not found at {SEED_000}")
    return helpers.read_seed000_cache(DATA / "easy_question.csv", SEED_000)


@pytest.fixture(scope="module")
def easy_fits(helpers, seed_000_cache):
    """Per group: training rows, all rows, our fit, the seed's and the projected seed fit."""
    data = _easy_question()
    fits = {}
    for group in sorted(set(data.group)):
        rows = data.group == group
        train = rows & (data.split == "train")
        X, y = data.X[train], data.y[train]
        seed = np.asarray(seed_000_cache["groups"][group]["params"], dtype=float)
        fits[group] = {
            "X": X,
            "y": y,
            "X_all": data.X[rows],
            "ours": DoubleDescentRegressor(random_state=0).fit(X, y),
            "seed": seed,
            "projected": helpers.project_seed000(X, y, seed),
        }
    return fits


# ------------------------------------------------------------------------------ lr_bsz


@pytest.mark.parametrize(
    "optimum, size_terms",
    [("fixed", "log_power"), ("fixed", "power"), ("scaling", "log_power"), ("scaling", "power")],
)
def test_lr_bsz_fits_are_finite(optimum, size_terms):
    data = load_lr_bsz(DATA / "lr_bsz.csv")
    train = data.split == "train"
    est = LogPowerHyperparamRegressor(optimum=optimum, size_terms=size_terms, random_state=0)
    est.fit(data.X[train], data.y[train])
    assert np.all(np.isfinite(est.coef_))
    assert np.all(np.isfinite(est.predict(data.X)))  # train and test rows
    print(f"lr_bsz {optimum}/{size_terms}: train R^2 {est.score(data.X[train], data.y[train]):.3f}")


def test_lr_bsz_objective_at_most_seed_001(helpers):
    # Seed 001's own objective (with its own clipping law) at our default fit, which is
    # the seed's law, against its value at the seed's recorded fit.
    seed001 = _load_module("seed_log_power", SEED_001)
    record = json.loads(SEED_001_CACHE.read_text(encoding="utf-8"))
    assert record["lr_bsz_csv_sha256"] == helpers.sha256(DATA / "lr_bsz.csv"), (
        "benchmarks/results/seed001.json is stale: rerun benchmarks/bench_fit.py"
    )
    data = load_lr_bsz(DATA / "lr_bsz.csv")
    train = data.split == "train"
    X, y = data.X[train], data.y[train]
    assert record["n_train"] == len(y)
    est = LogPowerHyperparamRegressor(random_state=0).fit(X, y)
    law = seed001.scaling_law_func
    ours = helpers.seed001_objective(X, y, est.coef_, law)
    seed = helpers.seed001_objective(X, y, record["params"], law)
    print(
        f"lr_bsz seed-001 objective: ours {ours:.5f}, seed {seed:.5f}; train R^2 ours "
        f"{est.score(X, y):.3f}, seed {helpers.r2(y, law(X, np.asarray(record['params']))):.3f}"
    )
    assert ours <= seed


def test_lr_bsz_default_fit_says_it_ends_on_its_bounds():
    # Seed 001's bounds hold the default fit on the real sweep at a = 4.5, beta = 2.5 and
    # gamma = 2: the fit must say so, naming them and the option that widens them.
    data = load_lr_bsz(DATA / "lr_bsz.csv")
    train = data.split == "train"
    with pytest.warns(UserWarning, match=r"ends on a bound of a, beta, gamma.*bounds="):
        est = LogPowerHyperparamRegressor(random_state=0).fit(data.X[train], data.y[train])
    assert est.at_bounds_ == ("a", "beta", "gamma")
    assert np.isnan([est.params_std_[name] for name in est.at_bounds_]).all()


# ----------------------------------------------------------------------- easy_question


def test_seed_000_cache_matches_the_reference_fitter(helpers, seed_000_cache):
    # Refit the seed on its fastest group (~1 s) and compare with the cache; the cache's
    # hashes of the data and of the seed program are checked when it is read.
    groups = seed_000_cache["groups"]
    assert sorted(groups) == _groups()
    group = min(groups, key=lambda name: groups[name]["fit_cpu_s"])
    seed000 = _load_module("seed_double_descent", SEED_000)
    data = _easy_question()
    live = helpers.fit_seed000_groups(seed000, data, groups=[group])[group]
    cached = groups[group]
    assert live["n_train"] == cached["n_train"]
    # The seed is deterministic (its own generator, seed 123), but BLAS and libm differ
    # between machines, and its objective has flat directions (an amplitude whose raw
    # parameter is far below 0, A_up_raw -14.60 on one machine and -14.90 on another):
    # compare what the data identify, the curve on the training rows and the objective,
    # not the parameters. Moving that amplitude by 0.3 changes the curve by 5e-7 of the
    # targets' range and the objective by 5e-7 (relative); a stale cache or another
    # refit changes them by 1e-2 and 2e-3 or more.
    rows = (data.group == group) & (data.split == "train")
    X, y = data.X[rows], data.y[rows]
    assert len(y) == cached["n_train"]
    curve = {
        key: double_descent(X[:, 0], np.asarray(fit["params"], dtype=float))
        for key, fit in (("live", live), ("cached", cached))
    }
    np.testing.assert_allclose(curve["live"], curve["cached"], rtol=0, atol=1e-4 * np.ptp(y))
    assert live["objective"] == pytest.approx(cached["objective"], rel=1e-5)


@pytest.mark.parametrize("group", _groups())
def test_easy_question_predictions_are_finite(easy_fits, group):
    fit = easy_fits[group]
    assert np.all(np.isfinite(fit["ours"].coef_))
    assert np.all(np.isfinite(fit["ours"].predict(fit["X_all"])))  # train and test rows
    wide = np.linspace(fit["X_all"].min() - 2.0, fit["X_all"].max() + 2.0, 200)[:, None]
    assert np.all(np.isfinite(fit["ours"].predict(wide)))


@pytest.mark.parametrize("group", _groups())
def test_easy_question_objective_at_most_projected_seed(helpers, easy_fits, group):
    # Seed 000's own objective (the estimator's default). The seed's final Powell step
    # may leave its (-8, 8) box on the raw parameters, which our fit keeps; the seed fit
    # we must match is its fit clipped into the box and refined there.
    fit = easy_fits[group]
    X, y = fit["X"], fit["y"]
    ours = helpers.seed000_objective(X, y, fit["ours"].coef_)
    assert ours == pytest.approx(fit["ours"].cost_, rel=1e-9)
    projected = helpers.seed000_objective(X, y, fit["projected"])
    r2 = {key: helpers.r2(y, double_descent(X[:, 0], fit[key])) for key in ("seed", "projected")}
    r2["ours"] = fit["ours"].score(X, y)
    print(
        f"{group}: seed-000 objective ours {ours:.6g}, projected seed {projected:.6g} "
        f"(ours / projected - 1 = {ours / projected - 1:+.1e}); train R^2 "
        + ", ".join(f"{key} {value:.3f}" for key, value in r2.items())
    )
    # The slack, and the measurements it is set from: _common.SEED000_OBJECTIVE_RTOL.
    assert ours <= projected * (1.0 + helpers.SEED000_OBJECTIVE_RTOL)
