"""Diagnostic: where seed 000's fits leave its own parameter box, and what that buys.

Run from anywhere::

    python benchmarks/diagnose_seed000_box.py    # ~30 s, mostly seed 000's fits

Seed 000 searches within a box on its raw parameters (amplitudes, widths and
separation in (-8, 8)), then ends with an unbounded Powell step. ``DoubleDescentRegressor``
keeps that box throughout. For each ``easy_question`` group this script reports, on
seed 000's own training objective (lower is better, as a ratio to the seed's value):

* which raw parameters of the seed's final fit lie outside its box;
* our default fit (in the box);
* the seed's fit clipped into the box and refined there;
* our fit after one more local least-squares polish with the box removed (the analogue
  of the seed's last step);
* our whole multi-start search with the box removed;

and, for all of them, the training R^2 per group and the pooled test R^2. It answers
whether a lower objective than the seed's is reachable, and whether it predicts the
test rows better. Written to the ``diagnose_seed000_box`` section of ``BENCHMARKS.md``.
"""

import argparse
import dataclasses
import warnings

import numpy as np
from _common import (
    REPO_ROOT,
    format_table,
    load_reference,
    machine_info,
    pooled_r2,
    project_seed000,
    r2,
    refine_double_descent,
    seed000_objective,
    shared_dir,
    write_section,
)

from sklearn_scaling import DoubleDescentRegressor
from sklearn_scaling._fitting._double_descent import candidate_starts, double_descent_problem
from sklearn_scaling.datasets import load_easy_question
from sklearn_scaling.laws import DOUBLE_DESCENT_PARAMS, double_descent

SECTION = "diagnose_seed000_box"
SEED_RAW_BOX = 8.0  # seed 000's bounds on A_up_raw, A_dn_raw, s_raw and k_raw
BOXED = ("A_up_raw", "A_dn_raw", "s_raw", "k_raw")
FITS = ("seed", "ours", "projected", "polished", "unboxed")


def alternative_fits(x, y, ours, seed):
    """Fits of the default objective that the estimator does not make, for comparison.

    * ``projected``: the seed's fit clipped into the box, then refined in the box
      (``_common.project_seed000``, which the tests compare our fit with);
    * ``polished``: our fit refined once more without the raw box (like the seed's Powell);
    * ``unboxed``: the estimator's whole multi-start search, without the raw box.
    """
    problem = double_descent_problem(x, y, np.ones_like(y))
    unboxed = dataclasses.replace(problem, lower=np.full(6, -np.inf), upper=np.full(6, np.inf))
    starts = candidate_starts(
        x, y, problem.data_weight, (-np.inf, np.inf), np.random.default_rng(0)
    )
    return {
        "projected": project_seed000(x, y, seed),
        "polished": refine_double_descent(unboxed, ours[None, :]),
        "unboxed": refine_double_descent(unboxed, starts, n_refine=2),
    }


def outside_box(params):
    names = [
        f"{name}={value:.3g}"
        for name, value in zip(DOUBLE_DESCENT_PARAMS, params, strict=True)
        if name in BOXED and abs(value) > SEED_RAW_BOX
    ]
    return ", ".join(names) or "-"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", metavar="DIR", help="folder with data/ and reference/")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    shared = shared_dir(args.shared)
    seed000 = load_reference(shared / "reference" / "seed_double_descent.py")
    data = load_easy_question(shared / "data" / "easy_question.csv")
    groups = sorted(np.unique(data.group))

    rows = []
    pooled = {key: [] for key in FITS}
    test_y = []
    for group in groups:
        train = (data.group == group) & (data.split == "train")
        test = (data.group == group) & (data.split == "test")
        x, y = data.X[train, 0], data.y[train]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the seed's optimisers warn freely
            seed = np.asarray(seed000.fit_scaling_law(data.X[train], y), dtype=float)
        ours = DoubleDescentRegressor(random_state=0).fit(data.X[train], y).coef_
        fits = {"seed": seed, "ours": ours, **alternative_fits(x, y, ours, seed)}
        seed_objective = seed000_objective(x, y, seed)
        row = [group, str(int(train.sum())), outside_box(seed)]
        row += [f"{seed000_objective(x, y, fits[k]) / seed_objective:.4f}" for k in FITS[1:]]
        row += [f"{r2(y, double_descent(x, fits[k])):.3f}" for k in FITS]
        rows.append(row)
        test_y.append(data.y[test])
        for key, params in fits.items():
            pooled[key].append(double_descent(data.X[test, 0], params))
        print(f"  {group}: done", flush=True)

    headers = ["group", "n_train", "seed's raw parameters outside its (-8, 8) box"]
    headers += [f"obj ratio {key}/seed" for key in FITS[1:]]
    headers += [f"train R² {key}" for key in FITS]
    test_r2 = {key: pooled_r2(test_y, preds) for key, preds in pooled.items()}
    info = machine_info()
    body = "\n".join(
        [
            "## Seed 000 outside its own box (`benchmarks/diagnose_seed000_box.py`)",
            "",
            "Command: `python benchmarks/diagnose_seed000_box.py`. Machine: "
            + ", ".join(f"{key} {value}" for key, value in info.items()),
            "",
            "Objective ratios are seed 000's own training objective at each fit divided by "
            'its value at the seed\'s fit (below 1: better than the seed). "ours" is '
            '`DoubleDescentRegressor()`; "projected" the seed\'s fit clipped into the box '
            'and refined there; "polished" ours refined once more with the raw box removed, '
            "as the seed's last (Powell) step does; \"unboxed\" the estimator's whole "
            "multi-start search with the raw box removed.",
            "",
            format_table(headers, rows),
            "",
            "Pooled test R²: "
            + ", ".join(f"{key} {value:.3f}" for key, value in test_r2.items())
            + ".",
        ]
    )
    print(body)
    if not args.no_write:
        print(f"written to {write_section(SECTION, body, REPO_ROOT / 'BENCHMARKS.md')}")


if __name__ == "__main__":
    main()
