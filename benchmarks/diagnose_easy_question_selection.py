"""Diagnostic: can any choice made on easy_question's train rows reach pooled test R^2 0.5?

Run from anywhere::

    python benchmarks/diagnose_easy_question_selection.py    # ~1 min on 2 cores

``bench_extrapolation.py`` chooses the double-descent law's options by
``ExtrapolationSplit`` CV on the ``train`` rows and scores the ``test`` rows once. This
script looks behind that choice. Unlike the benchmark it *does* score every candidate on
the test rows, so it selects nothing; it measures:

* for every setting of the wide grid (shape x alpha x loss), used for all groups: its
  pooled CV error on the train rows and its pooled test R^2, ranked by CV error;
* two ceilings no train-only selection can pass: the best single setting and the best
  setting per group, both picked by **test** error;
* per group, the rank correlation between CV error and test error over the settings
  (a selection by CV can only help where it is positive);
* per group, how the test rows compare with the train rows: the share of test scores
  above the best train score, i.e. a recovery the train rows never show.
* the fits that lie below or above every train target of their group, which the
  estimator warns about.

Written to the ``diagnose_easy_question_selection`` section of ``BENCHMARKS.md``.
"""

import argparse
import warnings

import numpy as np
from _common import format_table, machine_info, pooled_r2, shared_dir, write_section
from bench_extrapolation import extrapolation_error, law_settings
from joblib import Parallel, delayed
from scipy.stats import spearmanr

from sklearn_scaling import DoubleDescentRegressor
from sklearn_scaling.datasets import load_easy_question

SECTION = "diagnose_easy_question_selection"
TARGET = 0.5


def _describe(setting):
    return "{shape}, alpha={alpha:g}, {loss}".format(**setting)


def _score_setting(setting, groups):
    """Per group: CV squared error on the train rows, test predictions, and whether the
    fit on all train rows lies below or above every train target (it then warns)."""
    cv_error, test_pred, off_target = [], [], []
    with warnings.catch_warnings():
        # ConvergenceWarnings of grid points are expected; off-target fits are counted.
        warnings.simplefilter("ignore")
        for X, y, X_test in groups:
            cv_error.append(extrapolation_error(X, y, setting))
            law = DoubleDescentRegressor(random_state=0, **setting).fit(X, y)
            test_pred.append(law.predict(X_test))
            fitted = law.predict(X)
            off = fitted.max() < y.min() or fitted.min() > y.max()
            off_target.append((fitted.min(), fitted.max(), y.min(), y.max()) if off else None)
    return cv_error, test_pred, off_target


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=None, help="folder holding data/ (default ../shared)")
    parser.add_argument("--n-jobs", type=int, default=-1, help="joblib workers over settings")
    args = parser.parse_args(argv)
    data = load_easy_question(shared_dir(args.shared) / "data" / "easy_question.csv")

    names = list(np.unique(data.group))
    train = [(data.group == g) & (data.split == "train") for g in names]
    test = [(data.group == g) & (data.split == "test") for g in names]
    groups = [(data.X[tr], data.y[tr], data.X[te]) for tr, te in zip(train, test, strict=True)]
    y_test = [data.y[te] for te in test]

    settings = law_settings(wide=True)
    scored = Parallel(n_jobs=args.n_jobs)(delayed(_score_setting)(s, groups) for s in settings)
    cv_error = np.array([errors for errors, _, _ in scored])  # (settings, groups)
    preds = [p for _, p, _ in scored]
    off_rows = [
        [
            names[j],
            _describe(settings[i]),
            f"{off[0]:.3f} .. {off[1]:.3f}",
            f"{off[2]:.3f} .. {off[3]:.3f}",
        ]
        for i, (_, _, offs) in enumerate(scored)
        for j, off in enumerate(offs)
        if off is not None
    ]
    test_error = np.array(
        [[float(np.sum((p - y) ** 2)) for p, y in zip(row, y_test, strict=True)] for row in preds]
    )

    def pooled(choice):
        """Pooled test R^2 when group j uses setting choice[j]."""
        return pooled_r2(y_test, [preds[i][j] for j, i in enumerate(choice)])

    n_groups = len(names)
    uniform = np.array([pooled([i] * n_groups) for i in range(len(settings))])
    cv_best = int(np.argmin(cv_error.sum(axis=1)))
    test_best = int(np.argmax(uniform))
    per_group_cv = cv_error.argmin(axis=0)
    per_group_oracle = test_error.argmin(axis=0)

    summary_rows = [
        [
            "one setting for all groups, least pooled CV error (train rows only)",
            _describe(settings[cv_best]),
            f"{uniform[cv_best]:.3f}",
        ],
        [
            "one setting per group, least CV error (train rows only)",
            "see per-group table",
            f"{pooled(per_group_cv):.3f}",
        ],
        [
            "ceiling: one setting for all groups, best on TEST rows",
            _describe(settings[test_best]),
            f"{uniform[test_best]:.3f}",
        ],
        [
            "ceiling: one setting per group, best on TEST rows",
            "see per-group table",
            f"{pooled(per_group_oracle):.3f}",
        ],
        [
            f"settings (of {len(settings)}) whose all-group test R^2 >= {TARGET}",
            ", ".join(_describe(settings[i]) for i in np.flatnonzero(uniform >= TARGET)) or "none",
            "-",
        ],
    ]
    summary = format_table(["selection", "setting", "pooled test R^2"], summary_rows, align="llr")

    order = np.argsort(cv_error.sum(axis=1), kind="stable")
    ranking = format_table(
        ["CV rank", "setting (all groups)", "pooled CV SSE", "pooled test R^2"],
        [
            [
                str(rank + 1),
                _describe(settings[i]),
                f"{cv_error[i].sum():.3f}",
                f"{uniform[i]:.3f}",
            ]
            for rank, i in enumerate(order)
        ],
    )

    group_rows = []
    for j, name in enumerate(names):
        y_train = data.y[train[j]]
        rho = spearmanr(cv_error[:, j], test_error[:, j]).statistic
        above = float(np.mean(y_test[j] > y_train.max()))
        group_rows.append(
            [
                name,
                str(int(train[j].sum())),
                str(int(test[j].sum())),
                f"{y_train.max():.3f}",
                f"{y_test[j].max():.3f}",
                f"{above:.0%}",
                f"{rho:+.2f}",
                f"{test_error[per_group_cv[j], j]:.3f}",
                f"{test_error[per_group_oracle[j], j]:.3f}",
                _describe(settings[per_group_oracle[j]]),
            ]
        )
    group_table = format_table(
        [
            "group",
            "n_train",
            "n_test",
            "best train score",
            "best test score",
            "test rows above best train",
            "Spearman(CV, test error)",
            "test SSE, CV choice",
            "test SSE, best",
            "best setting on test",
        ],
        group_rows,
    )

    body = "\n\n".join(
        [
            "## Can a train-only choice reach easy_question's target? "
            "(`benchmarks/diagnose_easy_question_selection.py`)",
            f"Every setting of `bench_extrapolation.py --wide-grid` ({len(settings)}), each "
            "used for all nine groups, scored both ways: ExtrapolationSplit(3) CV error on the "
            "train rows and pooled R^2 on the test rows. This diagnostic looks at the test "
            "rows for every setting and so selects nothing; the rows marked ceiling are what "
            "a selection would reach if it could see the test rows.",
            "Machine: " + ", ".join(f"{k} {v}" for k, v in machine_info().items()),
            summary,
            "Per group (Spearman over the settings; a CV selection helps only where it is "
            "positive):",
            group_table,
            "All settings, ranked by pooled CV error:",
            ranking,
            "Fits on all train rows of a group that lie below or above every train target "
            "of that group (the estimator warns about these):",
            format_table(["group", "setting", "fitted on train rows", "train targets"], off_rows)
            if off_rows
            else "none",
        ]
    )
    print(body)
    write_section(SECTION, body)


if __name__ == "__main__":
    main()
