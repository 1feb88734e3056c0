"""Speed against reliability of the double-descent fit's defaults, on random synthetic laws.

Run from anywhere::

    python benchmarks/bench_starts.py              # 400 laws, ~3 minutes
    python benchmarks/bench_starts.py --laws 80    # a quicker look

``DoubleDescentRegressor`` refines the best ``n_starts`` of ~200 ranked candidate starts
to a tolerance ``tol``. Fewer refinements or a looser tolerance make a fit faster; this
script measures what they cost. For each of ``--laws`` laws drawn at random (raw
parameters uniform in a box that covers bumps of many positions, widths and heights,
and near-monotone curves; 15 to 80 rows; noise 0.005 to 0.05; outliers in half of them)
it fits every setting below and compares the cost reached with that of a reference fit refining 8
starts at ``tol=1e-6``. A setting "misses" a law when its cost is more than 0.1% above
the reference's. Times are the total over all laws (one run). Written to the
``bench_starts`` section of ``BENCHMARKS.md``. Needs no data from ``../shared``.
"""

import argparse
import time
import warnings

import numpy as np
from _common import REPO_ROOT, format_table, machine_info, write_section

from sklearn_scaling import DoubleDescentRegressor
from sklearn_scaling.datasets import make_double_descent

SECTION = "bench_starts"
REFERENCE = {"n_starts": 8, "tol": 1e-6}
SETTINGS = {
    "default (n_starts=2, tol=1e-6)": {},
    "n_starts=1": {"n_starts": 1},
    "tol=1e-5": {"tol": 1e-5},
    "n_starts=4": {"n_starts": 4},
}
MISS = 1e-3  # relative cost excess that counts as a miss


def random_laws(n_laws, seed=1):
    """``(X, y)`` of ``n_laws`` random double-descent laws with noise and outliers."""
    rng = np.random.default_rng(seed)
    low = np.array([-1.0, -3.0, -3.0, -0.5, -3.0, -2.0])
    high = np.array([0.0, 0.5, 0.5, 2.5, 0.0, 3.0])
    for index in range(n_laws):
        yield make_double_descent(
            n_samples=int(rng.integers(15, 81)),
            params=rng.uniform(low, high),
            noise=float(rng.uniform(0.005, 0.05)),
            outlier_fraction=float(rng.choice([0.0, 0.1])),
            random_state=index,
        )


def timed_cost(options, X, y):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a fit that stops early warns; its cost still counts
        cost = DoubleDescentRegressor(random_state=0, **options).fit(X, y).cost_
    return cost, time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--laws", type=int, default=400, help="random laws (default 400)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)

    excess = {name: [] for name in SETTINGS}
    seconds = dict.fromkeys(SETTINGS, 0.0)
    for X, y in random_laws(args.laws):
        reference, _ = timed_cost(REFERENCE, X, y)
        for name, options in SETTINGS.items():
            cost, elapsed = timed_cost(options, X, y)
            excess[name].append(cost / reference - 1.0)
            seconds[name] += elapsed

    rows = []
    for name in SETTINGS:
        values = np.array(excess[name])
        rows.append(
            [
                name,
                f"{seconds[name]:.2f}",
                f"{seconds[name] / seconds[next(iter(SETTINGS))]:.2f}",
                f"{int(np.sum(values > MISS))} / {len(values)}",
                f"{values.max():.2e}",
            ]
        )
    headers = [
        "setting",
        "total fit time (s)",
        "time / default",
        f"laws missed (cost > {MISS:g} above 8 starts)",
        "worst relative cost excess",
    ]
    info = machine_info()
    body = "\n".join(
        [
            "## Starts and tolerance of the double-descent fit (`benchmarks/bench_starts.py`)",
            "",
            f"Command: `python benchmarks/bench_starts.py --laws {args.laws}`. Machine: "
            + ", ".join(f"{key} {value}" for key, value in info.items()),
            "",
            f"{args.laws} random synthetic laws; reference: `n_starts=8, tol=1e-6`.",
            "",
            format_table(headers, rows),
        ]
    )
    print(body)
    if not args.no_write:
        print(f"written to {write_section(SECTION, body, REPO_ROOT / 'BENCHMARKS.md')}")


if __name__ == "__main__":
    main()
