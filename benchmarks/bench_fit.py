"""Fit benchmark: the seed reference fitters against our estimators, on the same rows.

Run from anywhere::

    python benchmarks/bench_fit.py                   # measures everything (~11 minutes)
    python benchmarks/bench_fit.py --reuse-seed-001  # reuses the recorded seed 001 fit (~5)
    python benchmarks/bench_fit.py --reuse-seed-001 --write-seed-000-cache

Two tasks, both read from ``../shared`` beside the repository (``--shared DIR``):

* ``easy_question``: seed 000's ``fit_scaling_law`` and ``DoubleDescentRegressor``,
  fitted per ``group`` on the ``train`` rows, scored by R^2 over every group's ``test``
  rows pooled, and compared on seed 000's own training objective, with the seed's fit
  as it is and projected into its (-8, 8) box and refined there (``_common.project_seed000``).
* ``lr_bsz``: seed 001's ``fit_scaling_law`` and ``LogPowerHyperparamRegressor``
  (default, and ``optimum='scaling'``), fitted on the non-diverged ``train`` rows and
  scored on the non-diverged ``test`` rows, and compared on seed 001's own objective.

Our estimators run with default options except ``random_state`` (``--random-state``,
default 0, so that repeats are identical fits and the run is reproducible).

Times are CPU time of this process (``time.process_time``, all threads), which other
work on a shared machine disturbs less than wall time; every method runs with one BLAS
thread (``threadpoolctl``), as idle OpenBLAS threads spin and would be counted. On
easy_question, seed 000 and ours are fitted alternately, group by group, ``--repeats``
times each (default 5), and the medians are compared. Seed 001 takes about five
minutes, so it is fitted once; its time and parameters are saved to
``benchmarks/results/seed001.json`` so that ``--reuse-seed-001`` can skip it later
(ours: medians of ``--repeats`` fits).
``--write-seed-000-cache`` writes seed 000's per-group fits (parameters, objective,
median CPU time) to ``benchmarks/results/seed000.json``, which the tests read.

Memory: peak RSS for lr_bsz, and for easy_question the peak memory of one fit traced with
``tracemalloc`` (the seed's and ours), plus ours on synthetic data of up to 100,000 rows.

The tables are printed and written to the ``bench_fit`` section of ``BENCHMARKS.md``,
followed by one PASS/FAIL line per target. Nothing is tuned here: the package's
defaults are measured as they are.
"""

import argparse
import json
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
from _common import (
    REPO_ROOT,
    SEED000_CACHE,
    SEED000_OBJECTIVE_RTOL,
    fit_seed000_groups,
    format_table,
    load_reference,
    machine_info,
    peak_memory_mib,
    pooled_r2,
    project_seed000,
    r2,
    seed000_objective,
    seed001_objective,
    sha256,
    shared_dir,
    write_section,
    write_seed000_cache,
)
from threadpoolctl import threadpool_limits

from sklearn_scaling import DoubleDescentRegressor, LogPowerHyperparamRegressor
from sklearn_scaling._fitting._log_power import FORMS
from sklearn_scaling.datasets import load_easy_question, load_lr_bsz, make_double_descent
from sklearn_scaling.laws import double_descent

SECTION = "bench_fit"
SEED001_CACHE = Path(__file__).resolve().parent / "results" / "seed001.json"

# Targets read from the tables.
EASY_SPEEDUP = 100.0  # CPU time, medians of interleaved repeats, all nine groups
EASY_SEED_TEST_R2 = 0.238  # shared/README.md, seed 000 fitter
# Synthetic sizes at which the peak memory of one double-descent fit is reported.
MEMORY_ROWS = (1_000, 10_000, 100_000)
LR_MAX_SECONDS = 1.0  # CPU time of our default lr_bsz fit, median of the repeats
# Targets retired (reported, not targets): lr_bsz train R^2 >= 0.88 and test R^2 >= 0.60
# at default options; easy_question pooled test R^2 >= 0.5 (bench_extrapolation.py).

# Linear coefficients of the seed-001 law, which the seed bounds but its law never clips.
_FREE_LINEAR = {name: (-np.inf, np.inf) for name in ("a", "b", "c", "e", "interaction")}
# Our lr_bsz fits: the default, the scale-dependent optimum, and the seed law with the
# seed's bounds widened (to show what the train R^2 target needs).
LR_VARIANTS = {
    "fixed": {},
    "scaling": {"optimum": "scaling"},
    "free linear": {"bounds": _FREE_LINEAR},
    "free linear, gamma <= 12": {"bounds": {**_FREE_LINEAR, "gamma": (0.05, 12.0)}},
}
LR_LABELS = {
    "fixed": "ours, default (`optimum='fixed'`)",
    "scaling": "ours, `optimum='scaling'`",
    "free linear": "ours, seed law, linear coefficients unbounded",
    "free linear, gamma <= 12": "ours, seed law, linear coefficients unbounded, gamma <= 12",
}


def log(message):
    print(message, flush=True)


def cpu_timed(fit):
    """Run ``fit()`` and return its result and the CPU time it took, in seconds."""
    start = time.process_time()
    result = fit()
    return result, time.process_time() - start


def fit_ours(make, X, y, repeats):
    """Fit a fresh estimator ``repeats`` times; the last one, all CPU times, and the
    warnings its last fit raised (category and message up to its first colon)."""
    times = []
    estimator = None
    warned = []
    for _ in range(repeats):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            estimator, seconds = cpu_timed(lambda: make().fit(X, y))
        warned = sorted({f"{w.category.__name__}: {str(w.message).split(':')[0]}" for w in caught})
        times.append(seconds)
    return estimator, times, warned


def fit_seed(fitter, X, y):
    """One seed fit; its parameters, wall time and CPU time."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wall = time.perf_counter()
        params, cpu = cpu_timed(lambda: np.asarray(fitter(X, y), dtype=float))
        return params, time.perf_counter() - wall, cpu


def ratio(value):
    return f"{value:.0f}x" if value >= 10 else f"{value:.1f}x"


def passfail(ok):
    return "PASS" if ok else "FAIL"


# ------------------------------------------------------------------------ easy_question


def traced_peak_mib(function, *args):
    """Peak memory Python allocates (NumPy included) while ``function(*args)`` runs."""
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            function(*args)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def memory_note(seed000, data, groups, make):
    """Peak memory of one fit: the seed's and ours per group, and ours on many more rows."""
    seed_peak, our_peak = 0.0, 0.0
    for group in groups:
        rows = (data.split == "train") & (data.group == group)
        X, y = data.X[rows], data.y[rows]
        seed_peak = max(seed_peak, traced_peak_mib(seed000.fit_scaling_law, X, y))
        our_peak = max(our_peak, traced_peak_mib(make().fit, X, y))
    large = []
    for n_rows in MEMORY_ROWS:
        X, y = make_double_descent(n_samples=n_rows, random_state=0)
        large.append(f"{traced_peak_mib(make().fit, X, y):.1f} MiB at {n_rows:,} rows")
    return (
        f"Peak memory of one fit (tracemalloc, largest over groups): seed 000 "
        f"{seed_peak:.2f} MiB, ours {our_peak:.2f} MiB. Ours on synthetic data "
        f"(`make_double_descent`): {', '.join(large)}."
    )


def bench_easy_question(shared, seed000, repeats, random_state, write_cache):
    csv = shared / "data" / "easy_question.csv"
    data = load_easy_question(csv)
    groups = sorted(np.unique(data.group))
    train, test = data.split == "train", data.split == "test"

    def make():
        return DoubleDescentRegressor(random_state=random_state)

    # Timing: seed 000 and ours alternate, group by group, in every repeat.
    seed_times = {group: [] for group in groups}
    our_times = {group: [] for group in groups}
    seed_fits, our_fits, warned = {}, {}, {}
    for repeat in range(repeats):
        for group in groups:
            tr = train & (data.group == group)
            X, y = data.X[tr], data.y[tr]
            fit = fit_seed000_groups(seed000, data, groups=[group])[group]
            seed_times[group].append(fit["fit_cpu_s"])
            if group not in seed_fits:
                seed_fits[group] = fit
            elif fit["params"] != seed_fits[group]["params"]:
                sys.exit(f"error: seed 000 is not deterministic on {group}")
            ours, times, categories = fit_ours(make, X, y, 1)
            our_times[group].extend(times)
            our_fits[group] = ours
            if categories:
                warned[group] = categories
        log(f"  easy_question: repeat {repeat + 1} of {repeats} done")

    rows = []
    per_group = []
    test_y, test_seed, test_ours = [], [], []
    train_y, train_seed, train_projected, train_ours = [], [], [], []
    for group in groups:
        tr, te = train & (data.group == group), test & (data.group == group)
        X, y = data.X[tr], data.y[tr]
        seed_params = np.asarray(seed_fits[group]["params"], dtype=float)
        projected = project_seed000(X, y, seed_params)
        ours = our_fits[group]
        seed_time = float(np.median(seed_times[group]))
        our_time = float(np.median(our_times[group]))
        seed_fits[group]["fit_cpu_s"] = seed_time
        pred_seed_tr = seed000.scaling_law_func(X, seed_params)
        pred_projected_tr = double_descent(X[:, 0], projected)
        pred_ours_tr = ours.predict(X)
        obj_seed = seed000_objective(X, y, seed_params)
        obj_projected = seed000_objective(X, y, projected)
        obj_ours = seed000_objective(X, y, ours.coef_)
        train_y.append(y)
        train_seed.append(pred_seed_tr)
        train_projected.append(pred_projected_tr)
        train_ours.append(pred_ours_tr)
        test_y.append(data.y[te])
        test_seed.append(seed000.scaling_law_func(data.X[te], seed_params))
        test_ours.append(ours.predict(data.X[te]))
        per_group.append(
            {
                "group": group,
                "n_train": int(tr.sum()),
                "obj_projected": obj_projected,
                "obj_ours": obj_ours,
                "ours_cost": float(ours.cost_),
            }
        )
        rows.append(
            [
                group,
                int(tr.sum()),
                f"{seed_time:.2f}",
                f"{our_time:.3f}",
                ratio(seed_time / our_time),
                f"{r2(y, pred_seed_tr):.3f}",
                f"{r2(y, pred_projected_tr):.3f}",
                f"{r2(y, pred_ours_tr):.3f}",
                f"{obj_seed:.6g}",
                f"{obj_projected:.6g}",
                f"{obj_ours:.6g}",
                f"{obj_ours / obj_projected - 1:+.1e}",
                "-",
                "-",
            ]
        )
        log(
            f"  easy_question {group}: seed {seed_time:.2f} s, ours {our_time:.3f} s CPU, "
            f"objective ours/projected - 1 = {obj_ours / obj_projected - 1:+.1e}"
        )

    seed_total = float(np.median(np.sum([seed_times[g] for g in groups], axis=0)))
    our_total = float(np.median(np.sum([our_times[g] for g in groups], axis=0)))
    test_r2_seed = pooled_r2(test_y, test_seed)
    test_r2_ours = pooled_r2(test_y, test_ours)
    worst = max(g["obj_ours"] / g["obj_projected"] - 1 for g in per_group)
    rows.append(
        [
            "**total / pooled**",
            sum(g["n_train"] for g in per_group),
            f"{seed_total:.2f}",
            f"{our_total:.3f}",
            ratio(seed_total / our_total),
            f"{pooled_r2(train_y, train_seed):.3f}",
            f"{pooled_r2(train_y, train_projected):.3f}",
            f"{pooled_r2(train_y, train_ours):.3f}",
            "-",
            "-",
            "-",
            f"max {worst:+.1e}",
            f"{test_r2_seed:.3f}",
            f"{test_r2_ours:.3f}",
        ]
    )
    headers = [
        "group",
        "n_train",
        "seed CPU (s)",
        "ours CPU (s)",
        "ratio seed/ours",
        "train R² seed",
        "train R² projected",
        "train R² ours",
        "seed obj @ seed",
        "seed obj @ projected",
        "seed obj @ ours",
        "ours/projected - 1",
        "test R² seed",
        "test R² ours",
    ]
    table = format_table(headers, rows)

    speedup = seed_total / our_total
    failing = [
        g["group"]
        for g in per_group
        if g["obj_ours"] > (1.0 + SEED000_OBJECTIVE_RTOL) * g["obj_projected"]
    ]
    checks = [
        (
            speedup >= EASY_SPEEDUP,
            f"easy_question: ours >= {EASY_SPEEDUP:.0f}x faster than seed 000 in total CPU "
            f"time, medians of {repeats} interleaved repeats (measured {speedup:.0f}x: "
            f"{seed_total:.2f} s vs {our_total:.3f} s)",
        ),
        (
            test_r2_ours >= EASY_SEED_TEST_R2,
            f"easy_question: pooled test R² >= seed's {EASY_SEED_TEST_R2} "
            f"(measured ours {test_r2_ours:.3f}, seed in this run {test_r2_seed:.3f})",
        ),
        (
            not failing,
            f"easy_question: seed-000 objective at ours <= (1 + {SEED000_OBJECTIVE_RTOL:g}) x "
            f"at the projected seed fit in every group (worst ours/projected - 1 = {worst:+.1e}"
            + (f"; failing: {', '.join(failing)})" if failing else ")"),
        ),
    ]
    notes = [memory_note(seed000, data, groups, make)]
    if warned:
        notes.append(
            "DoubleDescentRegressor warned on: "
            + "; ".join(f"{group} ({', '.join(cats)})" for group, cats in sorted(warned.items()))
            + "."
        )
    # Cross-check: our reported cost_ is meant to be the same objective.
    gaps = [abs(g["ours_cost"] - g["obj_ours"]) / g["obj_ours"] for g in per_group]
    notes.append(
        f"Largest relative gap between `DoubleDescentRegressor.cost_` and "
        f"`seed000_objective` at the same parameters: {max(gaps):.2e}."
    )
    notes.append(f"Seed 000 gave identical parameters in all {repeats} repeats of every group.")
    if write_cache:
        path = write_seed000_cache(
            seed_fits, csv, shared / "reference" / "seed_double_descent.py", SEED000_CACHE
        )
        log(f"  easy_question: seed 000's fits written to {path}")
    return table, checks, notes


# ------------------------------------------------------------------------------- lr_bsz


def run_seed001(seed001, X, y, data_hash):
    log("  lr_bsz: fitting seed 001 (about five minutes) ...")
    params, seconds, cpu_seconds = fit_seed(seed001.fit_scaling_law, X, y)
    record = {
        "fit_time_s": seconds,
        "fit_cpu_s": cpu_seconds,
        "params": params.tolist(),
        "peak_rss_mib": peak_memory_mib(),
        "n_train": int(len(y)),
        "lr_bsz_csv_sha256": data_hash,
        "machine": machine_info(),
    }
    SEED001_CACHE.parent.mkdir(parents=True, exist_ok=True)
    SEED001_CACHE.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    log(f"  lr_bsz: seed 001 took {seconds:.1f} s ({cpu_seconds:.1f} s CPU); saved")
    return record, False


def reuse_seed001(data_hash, n_train):
    if not SEED001_CACHE.is_file():
        sys.exit(f"error: --reuse-seed-001 needs {SEED001_CACHE}; run once without the flag first.")
    record = json.loads(SEED001_CACHE.read_text(encoding="utf-8"))
    if record.get("lr_bsz_csv_sha256") != data_hash or record.get("n_train") != n_train:
        sys.exit(
            f"error: {SEED001_CACHE} was recorded on a different lr_bsz.csv; "
            "run without --reuse-seed-001 to measure seed 001 again."
        )
    log(f"  lr_bsz: reusing seed 001 from {SEED001_CACHE} ({record['machine']['date']})")
    return record, True


def bench_lr_bsz(shared, seed001, repeats, random_state, reuse):
    csv = shared / "data" / "lr_bsz.csv"
    data = load_lr_bsz(csv)  # drops diverged runs
    train, test = data.split == "train", data.split == "test"
    X, y, X_test, y_test = data.X[train], data.y[train], data.X[test], data.y[test]
    log(f"  lr_bsz: {len(y)} train rows, {len(y_test)} test rows (diverged runs dropped)")

    # Ours first, so that their peak-memory readings do not include seed 001's.
    results = {}
    for variant, options in LR_VARIANTS.items():

        def make(options=options):
            return LogPowerHyperparamRegressor(random_state=random_state, **options)

        est, times, categories = fit_ours(make, X, y, repeats)
        results[variant] = (est, float(np.median(times)), peak_memory_mib(), categories)
        log(f"  lr_bsz: ours {variant}: median {np.median(times):.3f} s CPU")

    data_hash = sha256(csv)
    if reuse:
        record, reused = reuse_seed001(data_hash, len(y))
    else:
        record, reused = run_seed001(seed001, X, y, data_hash)
    seed_params = np.asarray(record["params"], dtype=float)
    # Records made before CPU time was measured hold the wall time of the fit only.
    seed_cpu = "fit_cpu_s" in record
    seed_time = float(record["fit_cpu_s"] if seed_cpu else record["fit_time_s"])
    law = seed001.scaling_law_func
    seed_objective = seed001_objective(X, y, seed_params, law)

    rows = [
        [
            "seed 001 `fit_scaling_law`" + (" (reused)" if reused else ""),
            f"{seed_time:.1f}" + ("" if seed_cpu else " (wall)"),
            "1x",
            f"{r2(y, law(X, seed_params)):.3f}",
            f"{r2(y_test, law(X_test, seed_params)):.3f}",
            f"{seed_objective:.5f}",
            "-",
            f"{record['peak_rss_mib']:.0f}",
        ]
    ]
    measured = {}
    for variant, (est, seconds, peak, _) in results.items():
        label = LR_LABELS[variant]
        train_r2, test_r2 = est.score(X, y), est.score(X_test, y_test)
        # The seed's objective applies to the seed's law within the seed's bounds only.
        objective = seed001_objective(X, y, est.coef_, law) if variant == "fixed" else None
        rows.append(
            [
                label,
                f"{seconds:.3f}",
                ratio(seed_time / seconds),
                f"{train_r2:.3f}",
                f"{test_r2:.3f}",
                "-" if objective is None else f"{objective:.5f}",
                "-" if objective is None else ("met" if objective <= seed_objective else "not met"),
                f"{peak:.0f}",
            ]
        )
        measured[variant] = (seconds, objective)
    headers = [
        "method",
        "fit CPU (s)",
        "ratio seed/ours",
        "train R² (reported)",
        "test R² (reported)",
        "seed-001 objective",
        "target: objective <= seed's",
        "peak RSS (MiB)",
    ]
    table = format_table(headers, rows)

    seconds, objective = measured["fixed"]
    checks = [
        (
            seconds <= LR_MAX_SECONDS,
            f"lr_bsz: ours (default) fit <= {LR_MAX_SECONDS:g} s CPU, median of {repeats} "
            f"(measured {seconds:.3f} s)",
        ),
        (
            objective <= seed_objective,
            f"lr_bsz: seed 001's objective at ours (default) <= at seed 001's fit "
            f"(measured {objective:.5f} vs {seed_objective:.5f})",
        ),
    ]
    notes = []
    if reused:
        notes.append(
            f"Seed 001's time, parameters and peak memory were reused from "
            f"`benchmarks/results/seed001.json`, recorded {record['machine']['date']} on "
            f"{record['machine']['machine']}"
            + (
                "."
                if seed_cpu
                else "; that record holds the wall time of its one fit (`time.perf_counter`), "
                "not CPU time, so the ratio compares the seed's wall time with our CPU time."
            )
        )
    notes.append(
        "Retired targets: train R² >= 0.88 and test R² >= 0.60 at default options; both "
        "are reported above, not targets. The target is seed 001's own objective."
    )
    seed_bounds = FORMS[("fixed", "log_power", False)].bounds
    fitted = results["fixed"][0].params_
    at_bound = [
        f"`{name}` = {fitted[name]:.4g}"
        for name, (low, high) in seed_bounds.items()
        if np.isclose(fitted[name], low, rtol=1e-6) or np.isclose(fitted[name], high, rtol=1e-6)
    ]
    notes.append(
        "Seed 001's bounds (our default): "
        + ", ".join(f"`{name}` in ({low:g}, {high:g})" for name, (low, high) in seed_bounds.items())
        + "; its law itself also clips `gamma` to at most 2. Our default fit ends at a bound "
        + "in: "
        + (", ".join(at_bound) or "none")
        + ". The last two rows free the linear coefficients, then also let `gamma` reach 12: "
        "the law outside the seed's domain."
    )
    warned = {variant: res[3] for variant, res in results.items() if res[3]}
    if warned:
        notes.append(
            "LogPowerHyperparamRegressor warned for: "
            + "; ".join(
                f"{LR_LABELS[variant]} ({', '.join(cats)})" for variant, cats in warned.items()
            )
            + "."
        )
    return table, checks, notes


# --------------------------------------------------------------------------------- main


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--shared",
        metavar="DIR",
        help="folder with data/ and reference/ (default: ../shared beside the repository)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=5,
        help="timed fits of each method (seed 001 excepted), >= 3 (default 5)",
    )
    parser.add_argument(
        "--random-state", type=int, default=0, help="random_state of our estimators (default 0)"
    )
    parser.add_argument(
        "--reuse-seed-001",
        action="store_true",
        help=f"reuse seed 001's recorded time and parameters from {SEED001_CACHE.name}",
    )
    parser.add_argument(
        "--write-seed-000-cache",
        action="store_true",
        help=f"write seed 000's per-group fits to {SEED000_CACHE.name} (read by the tests)",
    )
    parser.add_argument(
        "--output",
        metavar="FILE",
        default=str(REPO_ROOT / "BENCHMARKS.md"),
        help="Markdown file whose bench_fit section is written (default: BENCHMARKS.md)",
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    if args.repeats < 3:
        parser.error("--repeats must be at least 3")
    return args


def main(argv=None):
    args = parse_args(argv)
    # One BLAS thread for every method: process_time counts all threads, and OpenBLAS's
    # idle threads spin, which inflates the CPU time of small fits by up to ~2x here.
    with threadpool_limits(limits=1, user_api="blas"):
        run(args)


def run(args):
    shared = shared_dir(args.shared)
    info = machine_info()
    seed000 = load_reference(shared / "reference" / "seed_double_descent.py")
    seed001 = load_reference(shared / "reference" / "seed_log_power.py")

    log(f"bench_fit: shared data in {shared}")
    lr_table, lr_checks, lr_notes = bench_lr_bsz(
        shared, seed001, args.repeats, args.random_state, args.reuse_seed_001
    )
    easy_table, easy_checks, easy_notes = bench_easy_question(
        shared, seed000, args.repeats, args.random_state, args.write_seed_000_cache
    )
    checks = easy_checks + lr_checks

    machine = "\n".join(f"- {key}: {value}" for key, value in info.items())
    command = "python benchmarks/bench_fit.py" + (
        " --reuse-seed-001" if args.reuse_seed_001 else ""
    )
    if args.repeats != 5:
        command += f" --repeats {args.repeats}"
    verdicts = "\n".join(f"- {passfail(ok)}: {text}" for ok, text in checks)
    easy_notes_md = "".join(f"- {note}\n" for note in easy_notes)
    lr_notes_md = "".join(f"- {note}\n" for note in lr_notes)
    body = f"""
## Fitting: seed fitters vs. our estimators (`benchmarks/bench_fit.py`)

Command: `{command}` (repeats: {args.repeats}, `random_state={args.random_state}`;
every other option of our estimators at its default).

All times are CPU time of the benchmark process (`time.process_time`, every thread
counted), not wall time: on a machine shared with other work it is the steadier measure.
Every method runs with one BLAS thread (`threadpoolctl`): OpenBLAS's idle threads spin,
and with them free the CPU time of these small fits is inflated, ours and the seed's
alike, by up to about 2x. (Seed 001's time, if reused, was recorded as wall time
before this.)

{machine}

### easy_question: seed 000 vs. `DoubleDescentRegressor`

One law per `group`, fitted on its `train` rows. Seed 000 and ours are fitted
alternately, group by group, {args.repeats} times each; times are per-group medians, and
the total is the median of the {args.repeats} per-repeat totals (the speed target, 100x,
is on that ratio of totals). "seed obj" is seed 000's own training objective
(density-weighted Huber with delta = 1.4826 MAD plus its five priors, `b0` taken from
the parameter vector) evaluated at each method's parameters; lower is better.
"projected" is the seed's fit clipped into its own (-8, 8) box on the raw parameters,
which its final unbounded Powell step may leave and our fit keeps, and refined there
(`_common.project_seed000`); the target is our objective at most that one's, within a
relative {SEED000_OBJECTIVE_RTOL:g} (`_common.SEED000_OBJECTIVE_RTOL` says how that was
set). Train R² is reported, not a target. Test R² is over all groups' `test` rows pooled
(a group alone has too few test rows).

{easy_table}

{easy_notes_md}
### lr_bsz: seed 001 vs. `LogPowerHyperparamRegressor`

Fitted on `split == train`, `diverged == 0`; scored on `split == test`, `diverged == 0`.
Seed 001 is one run (about five minutes, so it is recorded in
`benchmarks/results/seed001.json` and reused); ours are medians of {args.repeats} runs.
"seed-001 objective" is seed 001's normalised MSE plus `0.003 * sum(params[1:7]**2)`,
evaluated with seed 001's own `scaling_law_func` (which clips); it does not apply to the
`'scaling'` law. The target is that objective at our default fit at most its value at
the seed's fit; train and test R² are reported, not targets. Peak RSS is
the process's `ru_maxrss` read after each method's fits; it is a running maximum, so
ours run first and the seed's reading also covers everything before it.

{lr_table}

{lr_notes_md}
### Targets

{verdicts}

Retired targets and decisions recorded with them:

- easy_question pooled test R² >= 0.5 (`bench_extrapolation.py`) is retired: no choice
  made on the train rows alone reaches it (`diagnose_easy_question_selection.py`: the
  settings that pass it rank low by CV error). That benchmark is kept with the bar
  "beat the per-group constant": 0.376 for its pooled-CV choice vs 0.262 for the
  per-group training mean.
- lr_bsz: the law that `ExtrapolationSplit` chooses depends on the number of folds:
  with 4 or 5 folds the chosen law scores test R² 0.942, with 2 or 3 folds 0.877.
- lr_bsz train R² >= 0.88 and test R² >= 0.60 at default options are retired; the
  target is seed 001's own objective (above).
"""
    print()
    print(
        f"Machine: {info['machine']}; Python {info['python']}, numpy {info['numpy']}, "
        f"scipy {info['scipy']}, scikit-learn {info['scikit-learn']}; {info['date']}"
    )
    print("\neasy_question (seed 000 vs DoubleDescentRegressor)\n")
    print(easy_table)
    for note in easy_notes:
        print(f"  note: {note}")
    print("\nlr_bsz (seed 001 vs LogPowerHyperparamRegressor)\n")
    print(lr_table)
    for note in lr_notes:
        print(f"  note: {note}")
    print()
    for ok, text in checks:
        print(f"{passfail(ok)}: {text}")
    if not args.no_write:
        path = write_section(SECTION, body, args.output)
        print(f"\nwrote the {SECTION!r} section of {path}")


if __name__ == "__main__":
    main()
