"""Many curves in one fit: speed, memory and what a shared exponent buys.

1. Speed: 1,000 independent ``power_law`` curves of 20 points fitted as one family
   (``ScalingLawRegressor(group=...)``) against a Python loop of single-curve fits of
   the same estimator, interleaved and repeated (median CPU time, ``time.process_time``),
   with each curve's objective compared (the family must reach the same or a lower
   objective on every curve). Then 42 ``rectified`` fine-tuning-style curves with a
   shared exponent.
2. Memory: peak resident memory of a fit of 1,000 / 10,000 / 100,000 curves of 10
   points, each in a fresh process, against the rows held (linear in rows means a
   constant MiB per 1,000 rows beyond the interpreter).
3. Statistics (synthetic families with a known shared exponent): the shared estimate's
   error against the mean of the per-curve fits, and the coverage of its 90% interval,
   on ``--n-sets`` data sets: a power law across 50 short curves, and Chinchilla across
   5 data sets (``alpha`` and ``beta`` shared).

Run from the repository root::

    python benchmarks/bench_groups.py            # everything, records BENCHMARKS.md
    python benchmarks/bench_groups.py --quick    # small sizes, prints only
"""

import argparse
import json
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from _common import format_table, machine_info, write_section

from sklearn_scaling import ScalingLawRegressor
from sklearn_scaling._fitting._engine import single_threaded_blas
from sklearn_scaling.datasets import make_chinchilla, make_rectified


def power_law_family(n_curves, n_points, *, seed, exponent=None, noise=0.01, decades=3.0):
    """Power-law curves ``E + A x**-alpha``: own ``E`` and ``A``, own or shared ``alpha``."""
    rng = np.random.default_rng(seed)
    x = np.tile(np.logspace(1, 1 + decades, n_points), n_curves)
    codes = np.repeat(np.arange(n_curves), n_points)
    offset = rng.uniform(0.5, 2.0, n_curves)
    amplitude = np.exp(rng.uniform(np.log(1.0), np.log(30.0), n_curves))
    alpha = rng.uniform(0.2, 0.6, n_curves) if exponent is None else np.full(n_curves, exponent)
    y = offset[codes] + amplitude[codes] * x ** -alpha[codes]
    y = y * np.exp(rng.normal(0.0, noise, y.size))
    return np.column_stack([codes, x]), y


def _quiet(function, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args)


@single_threaded_blas
def speed_power_law(n_curves, n_points, repeats):
    X, y = power_law_family(n_curves, n_points, seed=0)
    family = ScalingLawRegressor("power_law", group=0)
    single = ScalingLawRegressor("power_law")
    family_times, loop_times = [], []
    singles = None
    for repeat in range(repeats):
        start = time.process_time()
        fitted = _quiet(family.fit, X, y)
        family_times.append(time.process_time() - start)
        if repeat == 0:
            # The loop once in full (minutes), interleaved with the family's repeats.
            start = time.process_time()
            singles = [
                _quiet(single.fit, X[X[:, 0] == g, 1:], y[X[:, 0] == g]).cost_
                for g in range(n_curves)
            ]
            loop_times.append(time.process_time() - start)
    # Each curve's own objective at the family's parameters, against its own fit's.
    own = np.array([fitted._curve_costs[g] for g in range(n_curves)])
    singles = np.array(singles)
    excess = (own - singles) / singles
    return {
        "family_s": float(np.median(family_times)),
        "loop_s": float(np.median(loop_times)),
        "worst_excess": float(excess.max()),
        "lower_by_1e-6": int(np.sum(excess < -1e-6)),
        "n_curves": n_curves,
    }


@single_threaded_blas
def speed_rectified(repeats):
    """42 fine-tuning-style curves of 15 points with one exponent ``beta``."""
    rng = np.random.default_rng(1)
    parts, labels = [], []
    for g in range(42):
        params = {"B": rng.uniform(5, 50), "E": rng.uniform(0.5, 2.0), "D_l": rng.uniform(10, 1e3)}
        X, y = make_rectified(
            n_samples=15, params={**params, "beta": 0.5}, noise=0.01, random_state=g
        )
        parts.append((X[:, 0], y))
        labels.append(np.full(len(y), g))
    X = np.column_stack([np.concatenate(labels), np.concatenate([p[0] for p in parts])])
    y = np.concatenate([p[1] for p in parts])
    reg = ScalingLawRegressor("rectified", group=0, shared=["beta"], target_space="log")
    times = []
    for _ in range(repeats):
        start = time.process_time()
        fitted = _quiet(reg.fit, X, y)
        times.append(time.process_time() - start)
    return {
        "seconds": float(np.median(times)),
        "beta": float(fitted.coef_[0, 3]),
        "beta_std": float(np.sqrt(fitted.coef_cov_[0, 3, 3])),
    }


_MEMORY_CHILD = """
import json, resource, sys, time, warnings
sys.path.insert(0, "benchmarks")
from bench_groups import power_law_family
from sklearn_scaling import ScalingLawRegressor
n_curves = int(sys.argv[1])
X, y = power_law_family(n_curves, 10, seed=3)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.process_time()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    ScalingLawRegressor("power_law", group=0).fit(X, y)
seconds = time.process_time() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"data_mib": before, "peak_mib": peak, "seconds": seconds}))
"""


def memory(sizes):
    rows = []
    for n_curves in sizes:
        out = subprocess.run(
            [sys.executable, "-c", _MEMORY_CHILD, str(n_curves)],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append((n_curves, n_curves * 10, result))
    return rows


def shared_power_law(n_sets, n_curves=50):
    """50 curves of 8 points over 1.5 decades, one exponent 0.3 (log space, squared)."""
    tied_err, free_err, covered = [], [], []
    for seed in range(n_sets):
        X, y = power_law_family(n_curves, 8, seed=100 + seed, exponent=0.3, noise=0.02, decades=1.5)
        options = {"group": 0, "target_space": "log", "loss": "squared"}
        tied = _quiet(ScalingLawRegressor("power_law", shared=["alpha"], **options).fit, X, y)
        free = _quiet(ScalingLawRegressor("power_law", **options).fit, X, y)
        tied_err.append(tied.coef_[0, 2] - 0.3)
        free_err.append(np.mean(free.coef_[:, 2]) - 0.3)
        covered.append(abs(tied.coef_[0, 2] - 0.3) <= 1.645 * np.sqrt(tied.coef_cov_[0, 2, 2]))
    return _summary(tied_err, free_err, covered)


def shared_chinchilla(n_sets, n_data_sets=5):
    """Chinchilla across 5 data sets: own E, A, B; alpha and beta shared."""
    truth = {"alpha": 0.34, "beta": 0.28}
    tied_err, free_err, covered = [], [], []
    for seed in range(n_sets):
        rng = np.random.default_rng(1000 + seed)
        parts = []
        for d in range(n_data_sets):
            params = {
                "E": rng.uniform(1.5, 2.0),
                "A": rng.uniform(300, 500),
                "B": rng.uniform(300, 500),
                **truth,
            }
            X, y = make_chinchilla(
                n_samples=40, params=params, noise=0.01, random_state=10 * seed + d
            )
            parts.append((np.full(len(y), d), X, y))
        X = np.column_stack(
            [np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])]
        )
        y = np.concatenate([p[2] for p in parts])
        options = {"group": 0, "target_space": "log", "loss": "squared"}
        tied = _quiet(
            ScalingLawRegressor("chinchilla", shared=["alpha", "beta"], **options).fit, X, y
        )
        free = _quiet(ScalingLawRegressor("chinchilla", **options).fit, X, y)
        tied_err.append(tied.coef_[0, 3] - truth["alpha"])
        free_err.append(np.mean(free.coef_[:, 3]) - truth["alpha"])
        half = 1.645 * np.sqrt(tied.coef_cov_[0, 3, 3])
        covered.append(abs(tied.coef_[0, 3] - truth["alpha"]) <= half)
    return _summary(tied_err, free_err, covered)


def _summary(tied_err, free_err, covered):
    return {
        "tied_rmse": float(np.sqrt(np.mean(np.square(tied_err)))),
        "free_rmse": float(np.sqrt(np.mean(np.square(free_err)))),
        "coverage": float(np.mean(covered)),
        "n_sets": len(covered),
    }


PARTS = ("speed", "rectified", "memory", "power", "chinchilla")

#: The last run's figures, so one part can be rerun alone.
RESULTS = Path(__file__).resolve().parent / "results" / "bench_groups.json"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes; do not record")
    parser.add_argument("--n-sets", type=int, default=200, help="data sets per statistic")
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[1000, 10000, 100000],
        help="curves in each memory measurement",
    )
    parser.add_argument(
        "--parts",
        nargs="+",
        choices=PARTS,
        default=list(PARTS),
        help="parts to run; the others are read from the last run's results file",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    n_sets = 10 if quick else args.n_sets
    sizes = [1000, 10000] if quick else args.sizes
    results = {} if quick or not RESULTS.exists() else json.loads(RESULTS.read_text())
    runs = {
        "speed": lambda: speed_power_law(100 if quick else 1000, 20, repeats=1 if quick else 3),
        "rectified": lambda: speed_rectified(repeats=1 if quick else 3),
        "memory": lambda: memory(sizes),
        "power": lambda: shared_power_law(n_sets),
        "chinchilla": lambda: shared_chinchilla(n_sets),
    }
    for part in args.parts:
        results[part] = runs[part]()
        print(f"{part}: {results[part]}", flush=True)
        if not quick:
            RESULTS.write_text(json.dumps(results, indent=1))
    speed, rectified, mem = results["speed"], results["rectified"], results["memory"]
    power, chinchilla = results["power"], results["chinchilla"]

    ratio = speed["loop_s"] / speed["family_s"]
    lines = [
        "Many curves in one fit (`benchmarks/bench_groups.py`): CPU time "
        "(`time.process_time`, one BLAS thread), medians of interleaved repeats.",
        "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in machine_info().items()),
        "",
        "### Speed",
        "",
        format_table(
            ["case", "family fit (s)", "loop of single fits (s)", "ratio", "target"],
            [
                (
                    f"{speed['n_curves']} power_law curves x 20 points",
                    f"{speed['family_s']:.2f}",
                    f"{speed['loop_s']:.1f}",
                    f"{ratio:.1f}x",
                    "<= 5 s, >= 20x",
                ),
                (
                    "42 rectified curves, shared beta",
                    f"{rectified['seconds']:.2f}",
                    "",
                    "",
                    "<= 2 s",
                ),
            ],
        ),
        "",
        f"Objective per curve, family vs the curve's own fit: worst relative excess "
        f"{speed['worst_excess']:.1e}; {speed['lower_by_1e-6']} of {speed['n_curves']} "
        "curves end lower by more than 1e-6 relative (the single fit stalls there).",
        f"Shared beta of the 42 rectified curves: {rectified['beta']:.4f} +- "
        f"{rectified['beta_std']:.4f} (truth 0.5).",
        "",
        "### Memory (a fresh process per size, 10 points per curve)",
        "",
        format_table(
            ["curves", "rows", "before fit (MiB)", "peak (MiB)", "fit (s)"],
            [
                (
                    n,
                    rows,
                    f"{r['data_mib']:.0f}",
                    f"{r['peak_mib']:.0f}",
                    f"{r['seconds']:.1f}",
                )
                for n, rows, r in mem
            ],
        ),
        "",
        "### A shared exponent: error and 90% interval coverage",
        "",
        format_table(
            ["family", "data sets", "shared RMSE", "mean of per-curve RMSE", "coverage"],
            [
                (
                    "power_law, 50 curves x 8 points, alpha=0.3",
                    power["n_sets"],
                    f"{power['tied_rmse']:.4f}",
                    f"{power['free_rmse']:.4f}",
                    f"{power['coverage']:.0%}",
                ),
                (
                    "chinchilla, 5 data sets x 40 runs, alpha=0.34",
                    chinchilla["n_sets"],
                    f"{chinchilla['tied_rmse']:.4f}",
                    f"{chinchilla['free_rmse']:.4f}",
                    f"{chinchilla['coverage']:.0%}",
                ),
            ],
        ),
    ]
    body = "\n".join(lines)
    print(body)
    if not quick:
        write_section("bench_groups", "## Many curves in one fit\n\n" + body)


if __name__ == "__main__":
    main()
