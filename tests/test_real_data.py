"""Fits on the two real data sets in ../shared, measured against the seed fitters.

The data (and seed 000's reference fitter) live beside the project, never in it; the
tests skip when they are absent. Only the ``train`` rows are fitted, as the benchmark
does; the comparisons are on the training fit, which is what the fitters optimise.
"""

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import r2_score

from sklearn_scaling import DoubleDescentRegressor, LogPowerHyperparamRegressor
from sklearn_scaling._fit_double_descent import double_descent_problem
from sklearn_scaling.datasets import load_easy_question, load_lr_bsz

SHARED = Path(__file__).resolve().parents[2] / "shared"
DATA = SHARED / "data"
SEED_000 = SHARED / "reference" / "seed_double_descent.py"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not DATA.is_dir(), reason=f"real data sets not found at {DATA}"),
]

# Training R^2 of seed 001's fitter on the lr_bsz train rows (../shared/README.md).
SEED_001_TRAIN_R2 = 0.833

# Groups where our fit falls more than 0.02 R^2 short of seed 000's. Seed 000 finishes
# with an unbounded Powell polish that leaves its own (-8, 8) box on the raw parameters
# (e.g. k_raw ~ 1500 on hellaswag: a near-step with width ~0.03); our fit keeps the box
# (_fit_double_descent._RAW_BOUND) and its starts are no narrower than ~0.1 in log10
# compute, so it cannot reach that optimum. Our objective there is within 3% of seed
# 000's (test_easy_question_objective_close_to_seed); benchmarks/diagnose_seed000_box.py
# measures, per group, where the seed leaves its box and what leaving it would change.
BELOW_SEED = {
    "analogical_similarity": "seed 000's unbounded Powell polish reaches a lower objective "
    "at k_raw ~ 144, outside the (-8, 8) box our fit keeps",
    "hellaswag": "seed 000's unbounded Powell polish reaches a near-step (k_raw ~ 1500), "
    "outside the (-8, 8) box our fit keeps",
}


def _easy_question():
    return load_easy_question(DATA / "easy_question.csv")


def _groups():
    if not (DATA / "easy_question.csv").is_file():
        return []
    return sorted(set(_easy_question().group))


def _group_params(strict_known_failures):
    params = []
    for group in _groups():
        marks = ()
        if strict_known_failures and group in BELOW_SEED:
            marks = pytest.mark.xfail(strict=True, reason=BELOW_SEED[group])
        params.append(pytest.param(group, marks=marks))
    return params


def _load_seed_000():
    if not SEED_000.is_file():
        pytest.skip(f"seed 000's reference fitter not found at {SEED_000}")
    spec = importlib.util.spec_from_file_location("seed_double_descent", SEED_000)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def easy_fits():
    """Per group: training rows, all rows and our fit."""
    data = _easy_question()
    fits = {}
    for group in sorted(set(data.group)):
        rows = data.group == group
        train = rows & (data.split == "train")
        X, y = data.X[train], data.y[train]
        fits[group] = {
            "X": X,
            "y": y,
            "X_all": data.X[rows],
            "ours": DoubleDescentRegressor(random_state=0).fit(X, y),
        }
    return fits


@pytest.fixture(scope="module")
def seed_fits(easy_fits):
    """Per group: seed 000's parameters and training predictions (~30 s in all)."""
    seed = _load_seed_000()
    fits = {}
    for group, fit in easy_fits.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the seed's optimisers warn freely
            params = np.asarray(seed.fit_scaling_law(fit["X"], fit["y"]), dtype=float)
        fits[group] = {"params": params, "pred": seed.scaling_law_func(fit["X"], params)}
    return fits


# ------------------------------------------------------------------------------ lr_bsz


@pytest.mark.parametrize(
    "optimum, size_terms",
    [("fixed", "log_power"), ("fixed", "power"), ("scaling", "log_power"), ("scaling", "power")],
)
def test_lr_bsz_training_fit_beats_seed_001(optimum, size_terms):
    data = load_lr_bsz(DATA / "lr_bsz.csv")
    train = data.split == "train"
    est = LogPowerHyperparamRegressor(optimum=optimum, size_terms=size_terms, random_state=0)
    est.fit(data.X[train], data.y[train])
    assert np.all(np.isfinite(est.coef_))
    assert np.all(np.isfinite(est.predict(data.X)))  # train and test rows
    assert est.score(data.X[train], data.y[train]) >= SEED_001_TRAIN_R2


# ----------------------------------------------------------------------- easy_question


@pytest.mark.parametrize("group", _group_params(strict_known_failures=False))
def test_easy_question_predictions_are_finite(easy_fits, group):
    fit = easy_fits[group]
    assert np.all(np.isfinite(fit["ours"].coef_))
    assert np.all(np.isfinite(fit["ours"].predict(fit["X_all"])))  # train and test rows
    wide = np.linspace(fit["X_all"].min() - 2.0, fit["X_all"].max() + 2.0, 200)[:, None]
    assert np.all(np.isfinite(fit["ours"].predict(wide)))


@pytest.mark.parametrize("group", _group_params(strict_known_failures=False))
def test_easy_question_objective_close_to_seed(easy_fits, seed_fits, group):
    # Seed 000's objective (the estimator's default) at both parameter vectors; the
    # seed's final parameters carry its own b0, so the cost is the seed's objective.
    fit = easy_fits[group]
    x, y = fit["X"][:, 0], fit["y"]
    weights = np.ones_like(y)
    problem = double_descent_problem(x, y, weights)
    ours = problem.cost(fit["ours"].coef_)
    assert ours == pytest.approx(fit["ours"].cost_, rel=1e-9)
    assert ours <= 1.1 * problem.cost(seed_fits[group]["params"])


@pytest.mark.parametrize("group", _group_params(strict_known_failures=True))
def test_easy_question_training_r2_close_to_seed(easy_fits, seed_fits, group):
    fit = easy_fits[group]
    ours = fit["ours"].score(fit["X"], fit["y"])
    seed = r2_score(fit["y"], seed_fits[group]["pred"])
    assert ours >= seed - 0.02


@pytest.mark.xfail(
    strict=True,
    reason="seed 000 leaves its parameter box on hellaswag and analogical_similarity "
    "(see BELOW_SEED); pooled training R^2 0.926 vs the seed's 0.929",
)
def test_easy_question_pooled_training_r2_at_least_seed(easy_fits, seed_fits):
    groups = sorted(easy_fits)
    y = np.concatenate([easy_fits[group]["y"] for group in groups])
    ours = np.concatenate(
        [easy_fits[group]["ours"].predict(easy_fits[group]["X"]) for group in groups]
    )
    seed = np.concatenate([seed_fits[group]["pred"] for group in groups])
    assert r2_score(y, ours) >= r2_score(y, seed)
