"""Model selection by extrapolation on the real data: every choice made on train rows only.

For each task, a ``GridSearchCV`` with :class:`~sklearn_scaling.model_selection.
ExtrapolationSplit` (every validation fold at a larger scale than its training rows)
chooses the law and its fitting options on the ``train`` rows; the chosen estimator,
refitted on all train rows, then scores the ``test`` rows once. Nothing is tuned on
the test rows.

- easy_question: one search per benchmark group along log10 compute, over the
  double-descent law's shape (bump or dip), prior strength and loss; the score is R^2
  over all groups' test rows pooled. A second row lets the search also pick a constant
  or a straight line instead of the law, to show what that does.
- lr_bsz: one search along training compute ``6 N D`` over the log-power laws
  (fixed or scaling optimum, log-power or power size terms, ridge strength) and a
  degree-2 polynomial of log features with RidgeCV as a competing law.

Run ``python benchmarks/bench_extrapolation.py``; it prints the tables and writes its
section of ``BENCHMARKS.md``.
"""

import argparse
import itertools
import time
import warnings

import numpy as np
from _common import format_table, machine_info, pooled_r2, r2, shared_dir, write_section
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import LinearRegression, RidgeCV
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, PolynomialFeatures, StandardScaler

from sklearn_scaling import DoubleDescentRegressor, LogPowerHyperparamRegressor
from sklearn_scaling._fitting._losses import LOSSES
from sklearn_scaling.datasets import load_easy_question, load_lr_bsz
from sklearn_scaling.model_selection import ExtrapolationSplit

SCORING = "neg_mean_squared_error"


def training_compute(X):
    """Training compute ``6 N D`` of lr_bsz rows: the scale folds are ordered by."""
    return 6.0 * X[:, 2] * X[:, 3]


def law_grid(wide=False):
    if wide:
        # The estimator's whole option space for these choices: every loss it offers and
        # the prior strength two decades around the default.
        return {
            "law": [DoubleDescentRegressor(random_state=0)],
            "law__shape": ["bump", "dip"],
            "law__alpha": [0.1, 0.3, 1.0, 3.0, 10.0],
            "law__loss": sorted(LOSSES),
        }
    return {
        "law": [DoubleDescentRegressor(random_state=0)],
        "law__shape": ["bump", "dip"],
        "law__alpha": [0.3, 1.0, 3.0],
        "law__loss": ["huber", "soft_l1"],
    }


def law_settings(wide=False):
    """The double-descent part of :func:`law_grid` as a list of keyword dicts."""
    grid = law_grid(wide)
    values = (grid["law__shape"], grid["law__alpha"], grid["law__loss"])
    return [
        dict(zip(("shape", "alpha", "loss"), combo, strict=True))
        for combo in itertools.product(*values)
    ]


def extrapolation_error(X, y, setting):
    """Squared error summed over the ExtrapolationSplit(3) folds of one group's rows."""
    squared_error = 0.0
    for fit_rows, check_rows in ExtrapolationSplit(n_splits=3, scale=0).split(X):
        law = DoubleDescentRegressor(random_state=0, **setting).fit(X[fit_rows], y[fit_rows])
        squared_error += float(np.sum((law.predict(X[check_rows]) - y[check_rows]) ** 2))
    return squared_error


def easy_question_search(data, with_baselines, wide=False):
    """One extrapolation search per group; returns pooled test R^2, time and choices."""
    grid = [law_grid(wide)]
    if with_baselines:
        grid += [{"law": [DummyRegressor()]}, {"law": [LinearRegression()]}]
    choices, tests, preds = [], [], []
    start = time.perf_counter()
    for group in np.unique(data.group):
        train = (data.group == group) & (data.split == "train")
        test = (data.group == group) & (data.split == "test")
        search = GridSearchCV(
            Pipeline([("law", DummyRegressor())]),
            grid,
            cv=ExtrapolationSplit(n_splits=3, scale=0),
            scoring=SCORING,
        )
        search.fit(data.X[train], data.y[train])
        tests.append(data.y[test])
        preds.append(search.predict(data.X[test]))
        law = search.best_params_["law"]
        if isinstance(law, DoubleDescentRegressor):
            choice = "{law__shape}, alpha={law__alpha:g}, {law__loss}".format(**search.best_params_)
        else:
            choice = type(law).__name__
        choices.append((group, int(train.sum()), int(test.sum()), choice))
    return pooled_r2(tests, preds), time.perf_counter() - start, choices


def easy_question_pooled_search(data, wide=False):
    """One setting for every group, chosen by the extrapolation error pooled over groups.

    Nine searches on 19 to 54 rows each are noisy; the benchmark's score pools the
    groups' test rows, so the selection pools their validation errors the same way:
    the setting with the least squared error summed over every group's
    ExtrapolationSplit folds wins, then fits each group on all its train rows.
    """
    settings = law_settings(wide)
    start = time.perf_counter()
    errors = []
    for setting in settings:
        squared_error = 0.0
        for group in np.unique(data.group):
            train = (data.group == group) & (data.split == "train")
            squared_error += extrapolation_error(data.X[train], data.y[train], setting)
        errors.append(squared_error)
    best = settings[int(np.argmin(errors))]
    elapsed = time.perf_counter() - start
    return easy_question_fixed(data, **best), elapsed, best


def easy_question_fixed(data, **params):
    """Pooled test R^2 of one fixed law for every group (no search)."""
    tests, preds = [], []
    for group in np.unique(data.group):
        train = (data.group == group) & (data.split == "train")
        test = (data.group == group) & (data.split == "test")
        law = DoubleDescentRegressor(random_state=0, **params).fit(data.X[train], data.y[train])
        tests.append(data.y[test])
        preds.append(law.predict(data.X[test]))
    return pooled_r2(tests, preds)


def lr_bsz_search(data):
    train, test = data.split == "train", data.split == "test"
    polynomial = make_pipeline(
        FunctionTransformer(np.log),
        PolynomialFeatures(2),
        StandardScaler(),
        RidgeCV(alphas=np.logspace(-4, 3, 30)),
    )
    grid = [
        {
            "law": [LogPowerHyperparamRegressor(global_search="never", random_state=0)],
            "law__optimum": ["fixed", "scaling"],
            "law__size_terms": ["log_power", "power"],
            "law__alpha": [0.003, 0.03, 0.3],
        },
        {
            "law": [LogPowerHyperparamRegressor(global_search="never", random_state=0)],
            "law__optimum": ["scaling"],
            "law__skew": [True],
            "law__size_terms": ["log_power", "power"],
            "law__alpha": [0.003, 0.03, 0.3],
        },
        {"law": [polynomial]},
    ]
    search = GridSearchCV(
        Pipeline([("law", DummyRegressor())]),
        grid,
        cv=ExtrapolationSplit(n_splits=4, scale=training_compute),
        scoring=SCORING,
    )
    start = time.perf_counter()
    search.fit(data.X[train], data.y[train])
    elapsed = time.perf_counter() - start
    best = search.best_estimator_.named_steps["law"]
    test_r2 = r2(data.y[test], search.predict(data.X[test]))
    train_r2 = r2(data.y[train], search.predict(data.X[train]))
    ranking = sorted(
        zip(search.cv_results_["mean_test_score"], search.cv_results_["params"], strict=True),
        key=lambda item: -item[0],
    )
    return search, best, train_r2, test_r2, elapsed, ranking


def _describe(params):
    law = params["law"]
    if isinstance(law, LogPowerHyperparamRegressor):
        template = (
            "log-power: optimum={law__optimum}, size_terms={law__size_terms}, alpha={law__alpha:g}"
        )
        return template.format(**params) + (", skew" if params.get("law__skew") else "")
    return "degree-2 polynomial of log features + RidgeCV"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=None, help="folder holding data/ (default ../shared)")
    parser.add_argument(
        "--wide-grid",
        action="store_true",
        help="search easy_question over every loss and alpha in 0.1..10 (its own section)",
    )
    args = parser.parse_args(argv)
    data_dir = shared_dir(args.shared) / "data"
    warnings.simplefilter("ignore")  # ConvergenceWarnings of grid points are expected

    easy = load_easy_question(data_dir / "easy_question.csv")
    seed_like = easy_question_fixed(easy)
    dip_everywhere = easy_question_fixed(easy, shape="dip")
    wide = args.wide_grid
    pooled, pooled_time, pooled_choice = easy_question_pooled_search(easy, wide)
    searched, searched_time, choices = easy_question_search(easy, with_baselines=False, wide=wide)
    with_baselines, baseline_time, baseline_choices = easy_question_search(
        easy, with_baselines=True, wide=wide
    )
    easy_rows = [
        ["DoubleDescentRegressor defaults (seed law, bump)", "-", f"{seed_like:.3f}", "-"],
        ["shape='dip' for every group, no search", "-", f"{dip_everywhere:.3f}", "-"],
        [
            "one setting for all groups, pooled CV error: "
            + "{shape}, alpha={alpha:g}, {loss}".format(**pooled_choice),
            "ExtrapolationSplit(3) per group",
            f"{pooled:.3f}",
            f"{pooled_time:.1f}",
        ],
        [
            "search per group: shape x alpha x loss",
            "ExtrapolationSplit(3)",
            f"{searched:.3f}",
            f"{searched_time:.1f}",
        ],
        [
            "same search + constant and line baselines",
            "ExtrapolationSplit(3)",
            f"{with_baselines:.3f}",
            f"{baseline_time:.1f}",
        ],
    ]
    easy_table = format_table(["method", "cv", "pooled test R^2", "search s"], easy_rows)
    choice_table = format_table(
        ["group", "n_train", "n_test", "chosen (law only)", "chosen (with baselines)"],
        [[*row, other[3]] for row, other in zip(choices, baseline_choices, strict=True)],
    )

    lr = load_lr_bsz(data_dir / "lr_bsz.csv")
    search, best, train_r2, test_r2, lr_time, ranking = lr_bsz_search(lr)
    lr_rows = [[_describe(p), f"{-score:.5f}"] for score, p in ranking[:6]]
    lr_table = format_table(["candidate (best 6 by CV)", "CV mean MSE"], lr_rows)
    summary = [
        ["chosen", _describe(search.best_params_)],
        ["train R^2", f"{train_r2:.3f}"],
        ["test R^2", f"{test_r2:.3f}"],
        ["search time (s)", f"{lr_time:.1f}"],
    ]
    if isinstance(best, LogPowerHyperparamRegressor) and best.optimum == "scaling":
        p = best.params_
        summary += [
            ["lr_opt ~ N^lr_N D^lr_D", f"lr_N = {p['lr_N']:.3f}, lr_D = {p['lr_D']:.3f}"],
            ["bsz_opt ~ N^bsz_N D^bsz_D", f"bsz_N = {p['bsz_N']:.3f}, bsz_D = {p['bsz_D']:.3f}"],
        ]
    lr_summary = format_table(["lr_bsz", "value"], summary, align="ll")

    targets = [
        ("easy_question pooled test R^2 >= 0.5 (pooled-CV selection)", pooled >= 0.5),
        ("lr_bsz test R^2 >= 0.92", test_r2 >= 0.92),
        ("each search under 60 s", max(pooled_time, searched_time, baseline_time, lr_time) < 60),
    ]
    target_lines = "\n".join(f"- {'PASS' if ok else 'FAIL'}: {text}" for text, ok in targets)
    info = machine_info()
    body = "\n\n".join(
        [
            "## Extrapolation-aware model selection (`benchmarks/bench_extrapolation.py"
            + (" --wide-grid`): easy_question over every loss and alpha 0.1..10" if wide else "`)"),
            "Every option chosen by `GridSearchCV` with `ExtrapolationSplit` on the `train` "
            "rows only; the refitted choice scores the `test` rows once.",
            "Machine: " + ", ".join(f"{k} {v}" for k, v in info.items()),
            "### easy_question (one law per group, scale = log10 compute)",
            easy_table,
            choice_table,
            "### lr_bsz (scale = training compute 6 N D)",
            lr_summary,
            lr_table,
            "### Targets",
            target_lines,
        ]
    )
    print(body)
    write_section("bench_extrapolation_wide" if args.wide_grid else "bench_extrapolation", body)


if __name__ == "__main__":
    main()
