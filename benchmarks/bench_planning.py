"""Planning benchmark: is the compute-optimal allocation's interval right, and do the runs
that ``suggest_runs`` picks pay?

Run from anywhere::

    python benchmarks/bench_planning.py                      # as recorded: ~6 minutes CPU
    python benchmarks/bench_planning.py --n-datasets 20 --n-designs 10 --no-write  # a look
    python benchmarks/bench_planning.py --parts c     # part (c) alone, the rest kept

Four parts:

* **(a) Coverage on synthetic Chinchilla families.** ``--n-datasets`` data sets
  (``make_chinchilla``, 240 runs, 1% noise on log loss, ``random_state`` 0, 1, ...); each is
  fitted by Hoffmann et al.'s approach 3 (``ScalingLawRegressor("chinchilla",
  target_space="log")``), and the 90% interval of the compute-optimal ``N`` at 100x the
  largest compute of the data (``optimal_allocation(..., return_interval=True)``: the
  delta method, and a ``BootstrapRegressor`` of 100 case resamples) is checked against the
  true ``N_opt``. Next to it, approach 2 (``fit_isoflop``) and approach 3 on IsoFLOP grids
  with the same noise: 9 budgets over the same compute range, each a sweep of model sizes
  around the true optimum -- "centred" (9 sizes over +-1 decade) and "coarse,
  off-centre" (5 sizes over +-1 decade, centred 0.5 decades above the optimum) -- with
  the error of the exponent ``a`` of ``N_opt ~ C**a`` and of ``N_opt`` at 100x.
* **(b) The data-constrained runs** (``/work/shared/data/data_constrained.csv``, all 182
  runs): the data-constrained law fitted on log loss, and the optimal allocation at 10x
  the largest training compute under limits on the unique tokens, with 90% intervals
  (delta method and a 100-resample bootstrap).
* **(c) Design.** On synthetic Chinchilla families: a first fit on 40 runs of small
  compute, then 8 more runs chosen among a grid of 48 candidates (8 sizes x 6 budgets up
  to 10x the first runs' compute: fixed size ranges, or IsoFLOP profiles around the
  first fit's optimum) either by ``suggest_runs`` (target: log N_opt at 100x the largest
  candidate's compute, within the even design's total compute, or with no compute
  limit) or spread evenly over the grid. The outcomes of the designs are simulated
  from the true law, the law refitted on the 48 runs, and the measured 90% interval of
  N_opt compared; ``--n-designs`` repetitions, medians.
* **(d) Speed.** ``optimal_allocation`` over 1,000 budgets: CPU time, median of 5 runs.

Tables are printed and written to the ``bench_planning`` section of ``BENCHMARKS.md``.
"""

import argparse
import re
import sys
import time
import warnings

import numpy as np
from _common import REPO_ROOT, format_table, machine_info, write_section

from sklearn_scaling import ScalingLawRegressor
from sklearn_scaling.datasets import (
    LAW_DEFAULT_PARAMS,
    load_data_constrained,
    make_chinchilla,
)
from sklearn_scaling.laws import chinchilla, chinchilla_compute_optimal
from sklearn_scaling.planning import (
    fit_isoflop,
    optimal_allocation,
    score_design,
    suggest_runs,
)
from sklearn_scaling.uncertainty import BootstrapRegressor

SECTION = "bench_planning"
COVERAGE = 0.9
NOISE = 0.01
COMPUTE_RANGE = (6e18, 3e21)
TRUTH = LAW_DEFAULT_PARAMS["chinchilla"]
PARAMS = ("E", "A", "B", "alpha", "beta")


def log(message):
    print(message, file=sys.stderr, flush=True)


def true_n_opt(compute):
    return chinchilla_compute_optimal(TRUTH, compute)[0]


def true_exponent():
    return TRUTH["beta"] / (TRUTH["alpha"] + TRUTH["beta"])


def approach3():
    return ScalingLawRegressor("chinchilla", target_space="log")


def exponent_and_std(reg):
    """``a = beta / (alpha + beta)`` of a Chinchilla fit and its delta-method std."""
    alpha, beta = reg.params_["alpha"], reg.params_["beta"]
    grad = np.zeros(len(PARAMS))
    grad[3] = -beta / (alpha + beta) ** 2
    grad[4] = alpha / (alpha + beta) ** 2
    return beta / (alpha + beta), float(reg._covariance.std_of(grad[None])[0])


def isoflop_grid(rng, points, offset):
    budgets = np.logspace(np.log10(COMPUTE_RANGE[0]), np.log10(COMPUTE_RANGE[1]), 9)
    centres = true_n_opt(budgets) * 10**offset
    N = (centres[:, None] * np.logspace(-1.0, 1.0, points)).ravel()
    X = np.column_stack([N, np.repeat(budgets, points) / (6 * N)])
    y = chinchilla(X, *(TRUTH[p] for p in PARAMS)) * np.exp(NOISE * rng.standard_normal(len(N)))
    return X, y


def part_a(n_datasets, n_resamples):
    target = 100 * COMPUTE_RANGE[1]
    n_true = true_n_opt(target)
    rows = {k: [] for k in ("delta", "bootstrap")}
    grid_rows = {"centred": [], "coarse, off-centre": []}
    start = time.process_time()
    for seed in range(n_datasets):
        X, y = make_chinchilla(240, noise=NOISE, compute_range=COMPUTE_RANGE, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reg = approach3().fit(X, y)
            budget = 100 * float(np.max(6 * X[:, 0] * X[:, 1]))
            n_true = true_n_opt(budget)
            plan = optimal_allocation(reg, budget, return_interval=True, coverage=COVERAGE)
            rows["delta"].append((plan.N_low[0], plan.N[0], plan.N_high[0], n_true))
            if n_resamples:
                boot = BootstrapRegressor(approach3(), n_resamples=n_resamples, random_state=seed)
                boot.fit(X, y)
                plan = optimal_allocation(boot, budget, return_interval=True, coverage=COVERAGE)
                rows["bootstrap"].append((plan.N_low[0], plan.N[0], plan.N_high[0], n_true))
            rng = np.random.default_rng(seed)
            for name, points, offset in (("centred", 9, 0.0), ("coarse, off-centre", 5, 0.5)):
                Xg, yg = isoflop_grid(rng, points, offset)
                iso = fit_isoflop(Xg, yg, coverage=COVERAGE)
                fit3 = approach3().fit(Xg, yg)
                a3, a3_std = exponent_and_std(fit3)
                n2 = iso.predict(target)[0]
                n3 = fit3.compute_optimal(target)[0]
                grid_rows[name].append((iso.a, *iso.a_interval, a3, a3_std, n2, n3))
        if (seed + 1) % 20 == 0:
            log(f"(a) {seed + 1}/{n_datasets} data sets, {time.process_time() - start:.0f} s CPU")
    return rows, grid_rows, time.process_time() - start


def table_a(rows, grid_rows, n_datasets, n_resamples):
    lines = []
    for method, values in rows.items():
        if not values:
            continue
        v = np.array(values)
        low, mid, high, truth = v.T
        covered = np.mean((low <= truth) & (truth <= high))
        lines.append(
            [
                "approach 3 (parametric)",
                "delta" if method == "delta" else f"bootstrap cases ({n_resamples})",
                f"{100 * covered:.1f}%",
                f"{np.median(np.log10(high / low)):.3f}",
                f"{np.mean(np.log10(mid / truth)):+.4f}",
                f"{np.sqrt(np.mean(np.log10(mid / truth) ** 2)):.4f}",
            ]
        )
    coverage_table = format_table(
        [
            "approach",
            "interval",
            "90% interval of N_opt covers truth",
            "median width (decades)",
            "mean error (decades)",
            "RMS error (decades)",
        ],
        lines,
        align="llrrrr",
    )
    a_true = true_exponent()
    n_true = true_n_opt(100 * COMPUTE_RANGE[1])
    lines = []
    for name, values in grid_rows.items():
        v = np.array(values)
        a2, a2_low, a2_high, a3, a3_std, n2, n3 = v.T
        from sklearn_scaling._intervals import interval_quantile

        q = interval_quantile(COVERAGE, np.inf)
        lines.append(
            [
                name,
                "approach 2 (IsoFLOP parabolas)",
                f"{np.mean(a2 - a_true):+.4f}",
                f"{np.sqrt(np.mean((a2 - a_true) ** 2)):.4f}",
                f"{100 * np.mean((a2_low <= a_true) & (a_true <= a2_high)):.0f}%",
                f"{np.mean(np.log10(n2 / n_true)):+.3f}",
                f"{np.sqrt(np.mean(np.log10(n2 / n_true) ** 2)):.3f}",
            ]
        )
        lines.append(
            [
                "",
                "approach 3 (parametric)",
                f"{np.mean(a3 - a_true):+.4f}",
                f"{np.sqrt(np.mean((a3 - a_true) ** 2)):.4f}",
                f"{100 * np.mean(np.abs(a3 - a_true) <= q * a3_std):.0f}%",
                f"{np.mean(np.log10(n3 / n_true)):+.3f}",
                f"{np.sqrt(np.mean(np.log10(n3 / n_true) ** 2)):.3f}",
            ]
        )
    grid_table = format_table(
        [
            "IsoFLOP grid",
            "approach",
            "mean error of a",
            "RMS error of a",
            "90% interval of a covers",
            "mean error of N_opt at 100x (decades)",
            "RMS (decades)",
        ],
        lines,
        align="llrrrrr",
    )
    return coverage_table, grid_table


def part_b(path, n_resamples):
    data = load_data_constrained(path)
    budget = 10 * float(data.compute.max())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg = ScalingLawRegressor("data_constrained", target_space="log", random_state=0)
        reg.fit(data.X, data.y)
        boot = BootstrapRegressor(
            ScalingLawRegressor("data_constrained", target_space="log", random_state=0),
            n_resamples=n_resamples,
            random_state=0,
        ).fit(data.X, data.y)
    lines = []
    for limit in (1e9, 1e10, 1e11, None):
        if limit is None:
            constraint = {"U": lambda f: f["D"]}
            label = "none (U = D)"
        else:
            constraint = {"U": lambda f, u=limit: np.minimum(f["D"], u)}
            label = f"{limit:.0e}"
        for name, estimator in (("delta", reg), (f"bootstrap ({n_resamples})", boot)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                p = optimal_allocation(
                    estimator, budget, constraints=constraint, return_interval=True
                )
            lines.append(
                [
                    label if name == "delta" else "",
                    name,
                    f"{p.N[0]:.3g} [{p.N_low[0]:.3g}, {p.N_high[0]:.3g}]",
                    f"{p.D[0]:.3g} [{p.D_low[0]:.3g}, {p.D_high[0]:.3g}]",
                    f"{p.D[0] / p.U[0]:.1f}",
                    f"{p.loss[0]:.3f} [{p.loss_low[0]:.3f}, {p.loss_high[0]:.3f}]",
                ]
            )
    table = format_table(
        ["unique tokens U", "interval", "N (90%)", "D (90%)", "epochs D/U", "loss (90%)"],
        lines,
        align="llrrrr",
    )
    return table, budget, reg


CANDIDATE_BUDGETS = np.logspace(np.log10(6e18), np.log10(3e21), 6)


def candidate_grid(grid, first):
    """The 48 candidate runs (6 budgets x 8 sizes, budget-major) of a design.

    ``grid`` is a ``(smallest, largest)`` size range, the same sizes at every budget,
    or ``"isoflop"``: at each budget 8 sizes over +-1 decade around the first fit's
    compute-optimal N there (an IsoFLOP profile, as part (a)'s centred grid and as
    Hoffmann et al. drew theirs, centred on what the user knows before the runs).
    """
    budgets = CANDIDATE_BUDGETS
    if isinstance(grid, str):
        centres = first.compute_optimal(budgets)[0]
        grid_n = centres[:, None] * np.logspace(-1.0, 1.0, 8)
    else:
        sizes = np.logspace(np.log10(grid[0]), np.log10(grid[1]), 8)
        grid_n = np.broadcast_to(sizes, (len(budgets), 8))
    grid_c = np.broadcast_to(budgets[:, None], grid_n.shape)
    return np.column_stack([grid_n.ravel(), (grid_c / (6 * grid_n)).ravel()])


def part_c(n_designs, grid=(7e7, 1.6e10)):
    even = np.round(np.linspace(0, 6 * 8 - 1, 8)).astype(int)
    target = 100 * CANDIDATE_BUDGETS[-1]
    n_true = true_n_opt(target)
    records = []
    start = time.process_time()
    for seed in range(n_designs):
        rng = np.random.default_rng(1000 + seed)
        X0, y0 = make_chinchilla(
            40, noise=NOISE, compute_range=(6e18, 3e20), random_state=1000 + seed
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            first = approach3().fit(X0, y0)
            candidates = candidate_grid(grid, first)
            cost = 6 * candidates[:, 0] * candidates[:, 1]
            p0 = optimal_allocation(first, target, return_interval=True, coverage=COVERAGE)
            budget = float(cost[even].sum())
            designs = {
                name: suggest_runs(
                    first,
                    candidates,
                    n_runs=8,
                    target=target,
                    budget=limit,
                    replicates=replicates,
                ).runs
                for name, replicates, limit in (
                    ("suggest_runs", True, budget),
                    ("distinct", False, budget),
                    ("same count", True, None),
                )
            }
            designs["even"] = even
            row = [np.log(p0.N_high[0] / p0.N_low[0])]
            # The outcomes are drawn in this order, the even design's after the
            # suggested one's as in the first recording.
            for name in DESIGNS:
                chosen = designs[name]
                Xn = candidates[chosen]
                yn = chinchilla(Xn, *(TRUTH[p] for p in PARAMS))
                yn = yn * np.exp(NOISE * rng.standard_normal(len(chosen)))
                refit = approach3().fit(np.vstack([X0, Xn]), np.concatenate([y0, yn]))
                p = optimal_allocation(refit, target, return_interval=True, coverage=COVERAGE)
                row += [
                    score_design(first, Xn, target, coverage=COVERAGE),
                    np.log(p.N_high[0] / p.N_low[0]),
                    float(cost[chosen].sum()),
                    bool(p.N_low[0] <= n_true <= p.N_high[0]),
                    len(set(chosen.tolist())),
                ]
        records.append(row)
        if (seed + 1) % 20 == 0:
            log(f"(c) {seed + 1}/{n_designs} designs, {time.process_time() - start:.0f} s CPU")
    return np.array(records), time.process_time() - start


# The designs compared, in the order their outcomes are drawn.
DESIGNS = ("suggest_runs", "even", "distinct", "same count")
DESIGN_NAMES = {
    "suggest_runs": "suggest_runs (replicates, the default)",
    "distinct": "suggest_runs, replicates=False",
    "same count": "suggest_runs, no compute limit",
    "even": "even on the log grid",
}

DESIGN_HEADERS = [
    "candidate sizes",
    "design of 8 runs",
    "distinct runs (median)",
    "width before (log N_opt)",
    "forecast width after",
    "measured width after",
    "before / after",
    "compute / even design's",
    "interval covers truth",
]


def table_c(records, label):
    w0 = records[:, 0]
    fields = {}
    for k, name in enumerate(DESIGNS):
        forecast, width, cost, cover, distinct = records[:, 1 + 5 * k : 6 + 5 * k].T
        fields[name] = (forecast, width, cost, cover, distinct)
    cost_e = fields["even"][2]
    names = DESIGN_NAMES
    lines = []
    for name in ("suggest_runs", "distinct", "same count", "even"):
        forecast, width, cost, cover, distinct = fields[name]
        lines.append(
            [
                label if not lines else "",
                names[name],
                f"{np.median(distinct):.0f}",
                f"{np.median(w0):.3f}",
                f"{np.median(forecast):.3f}",
                f"{np.median(width):.3f}",
                f"{np.median(w0 / width):.2f}x",
                f"{np.median(cost / cost_e):.2f}",
                f"{100 * np.mean(cover):.0f}%",
            ]
        )
    shrink_e, forecast_e = w0 - fields["even"][1], w0 - fields["even"][0]
    results = {}
    for name in ("suggest_runs", "distinct", "same count"):
        shrink = w0 - fields[name][1]
        ratio = np.median(shrink) / np.median(shrink_e)
        paired = np.median(shrink / shrink_e)
        forecast = np.median(w0 - fields[name][0]) / np.median(forecast_e)
        results[name] = (ratio, paired)
        lines.append(
            [
                "",
                f"shrink (before - after): {names[name].split(' (')[0]} / even",
                "",
                "",
                f"{forecast:.2f}x",
                f"**{ratio:.2f}x** (paired: {paired:.2f}x)",
                "",
                "",
                ("met" if ratio >= 1.5 else "NOT met (target 1.5x)")
                if name in ("suggest_runs", "same count")
                else "",
            ]
        )
    table = format_table(DESIGN_HEADERS, lines, align="llrrrrrrr")
    return lines, results, table


def part_d(reg_chinchilla, reg_dc):
    budgets = np.logspace(19, 25, 1000)
    cases = [
        ("chinchilla, 6ND", reg_chinchilla, {}, False),
        ("chinchilla, 6ND, with delta intervals", reg_chinchilla, {}, True),
        (
            "data_constrained, U = min(D, 1e10)",
            reg_dc,
            {"constraints": {"U": lambda f: np.minimum(f["D"], 1e10)}},
            False,
        ),
    ]
    lines = []
    times = {name: [] for name, *_ in cases}
    for _ in range(5):  # interleaved repeats
        for name, reg, options, interval in cases:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                start = time.process_time()
                optimal_allocation(reg, budgets, return_interval=interval, **options)
                times[name].append(time.process_time() - start)
    for name, *_ in cases:
        median = float(np.median(times[name]))
        lines.append([name, f"{median:.3f}", "met" if median <= 1.0 else "NOT met"])
    return format_table(["1,000 budgets", "CPU s (median of 5)", "target <= 1 s"], lines)


GRIDS = {
    (7e7, 1.6e10): "7e+07 to 2e+10",
    (1e7, 1e11): "1e+07 to 1e+11",
    "isoflop": "first fit's N_opt x 10^[-1, 1]",
}


def part_c_text(n_designs, command):
    design_lines, verdicts = [], []
    for grid, label in GRIDS.items():
        records, _ = part_c(n_designs, grid)
        lines, result, _ = table_c(records, label)
        design_lines += lines
        verdicts.append(
            f"{label}: {result['suggest_runs'][0]:.2f}x at equal compute (paired "
            f"{result['suggest_runs'][1]:.2f}x), {result['same count'][0]:.2f}x with the "
            f"same number of runs (paired {result['same count'][1]:.2f}x)"
        )
    design_table = format_table(DESIGN_HEADERS, design_lines, align="llrrrrrrr")
    log(design_table)
    info = machine_info()
    return f"""### (c) `suggest_runs` vs an even design

Measured by `{command}` ({info["date"]}, sklearn_scaling {info["sklearn_scaling"]}).
{n_designs} repetitions: a first fit on 40 runs (compute 6e18 to 3e20), then 8 runs
among 48 candidates (8 sizes x 6 log-spaced budgets, 6e18 to 3e21) chosen by
`suggest_runs` (target: N_opt at 100x the largest candidate) or spread evenly over the
grid (`np.round(np.linspace(0, 47, 8))` of the budget-major grid: its four corners and
the anti-diagonal between); outcomes simulated from the true law, the law refitted on
the 48 runs, and the measured width of the 90% interval of log N_opt compared
(medians). `suggest_runs` runs within the even design's compute (replicates allowed,
the default; and 8 distinct candidates), and with no compute limit ("no compute
limit": the same number of runs, the issue's literal comparison, at more compute, see
the column). The forecast is `score_design` at the first fit.

Three candidate sets. The first two are the same sizes at every budget: the size range
of the first runs (as recorded before), and a wider one with sizes far from any
optimum. The third is the set a user planning runs would draw: at each budget an
IsoFLOP profile of 8 sizes over +-1 decade around the first fit's compute-optimal N
there (part (a)'s centred grid; centred on what is known before the runs, not on the
truth). It was chosen for that reason before its figures were seen; on the fixed size
range the profiles are lopsided (at 3e21 FLOPs the sizes run from 0.014x to 3.3x the
optimum, at 6e18 from 0.35x to 80x).

{design_table}

The shrink of the interval is the width before minus after; its ratio over the even
design's is that of the medians ("paired": the median of the per-repetition ratios; in
the forecast column, the ratio of the median forecast shrinks). Target >= 1.5x:
{"; ".join(verdicts)}.
The forecast column is the design criterion's own verdict: the shrink that the
linearised forecast at the first fit promises over the even design, which no search
over the same criterion can exceed. The better the candidate set, the better the
even design over it already is: the IsoFLOP profiles put the even design's corners at
the largest budget on both sides of the optimum, which pins the exponents. The
recording before replicates (git 646cd4a, with the fitting code of then) measured
1.43x (paired 1.31x) with distinct runs on the first grid.
"""


def replace_subsection(section, letter, text):
    """``section`` with its ``### (letter)`` subsection (up to the next ``###``) replaced."""
    pattern = re.compile(rf"### \({letter}\).*?(?=\n### |\Z)", flags=re.DOTALL)
    if not pattern.search(section):
        raise SystemExit(f"BENCHMARKS.md has no recorded part ({letter}) to keep the others by.")
    return pattern.sub(lambda _: text.strip() + "\n", section, count=1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-datasets", type=int, default=200)
    parser.add_argument("--n-resamples", type=int, default=100)
    parser.add_argument("--n-designs", type=int, default=100)
    parser.add_argument("--data", default="/work/shared/data/data_constrained.csv")
    parser.add_argument(
        "--parts",
        default="abcd",
        help="which parts to run, e.g. 'c'; a subset rewrites only its own subsections "
        "of the recorded section (part d needs part b's fit)",
    )
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    parts = set(args.parts)
    if not parts or not parts <= set("abcd") or ("d" in parts and "b" not in parts):
        parser.error("--parts takes letters among 'abcd', and part d needs part b")
    total = time.process_time()
    command = "python benchmarks/bench_planning.py" + (
        "" if argv is None and len(sys.argv) == 1 else " " + " ".join(sys.argv[1:])
    )
    a_true = true_exponent()
    texts = {}

    if "a" in parts:
        rows, grid_rows, _ = part_a(args.n_datasets, args.n_resamples)
        coverage_table, grid_table = table_a(rows, grid_rows, args.n_datasets, args.n_resamples)
        log(coverage_table)
        log(grid_table)
        texts[
            "a"
        ] = f"""### (a) The 90% interval of N_opt at 100x the largest compute (synthetic Chinchilla)

{args.n_datasets} data sets of `make_chinchilla` (240 runs, compute {COMPUTE_RANGE[0]:.0e} to
{COMPUTE_RANGE[1]:.0e}, noise {NOISE:g} on log loss, `random_state` 0 to {args.n_datasets - 1}),
fitted by approach 3 (`ScalingLawRegressor("chinchilla", target_space="log")`);
`optimal_allocation(reg, 100 * max(6ND), return_interval=True)` checked against the true
compute-optimal N. Target: 85-95% (standard error of a coverage over 200 data sets: about
2 points).

{coverage_table}

Before git 9ececc0 the delta interval covered 95.5% (bootstrap 95.0%): over these 200
data sets the sandwich's standard errors of (E, A, B, alpha, beta) were 9-18% above the
spread of the estimates, and about 4.5% of that was the kernel density behind the
Huber curvature, whose smoothing flattened the residuals' peak (the curvature 4% low at
Silverman's bandwidth); the jackknifed curvature removes that bias (the squared loss's
sandwich, which has no density, was 3-6% above the spread, within the 5% standard error
of a spread over 200 data sets). The bootstrap does not use the sandwich.

Approach 2 (`fit_isoflop`) next to approach 3 on IsoFLOP grids (9 budgets over the same
compute range, same noise, one grid per data set): the exponent of N_opt ~ C^a (true
a = {a_true:.4f}) and N_opt at 100x the largest budget. Approach 2's interval of `a` is the
regression's t interval over the 9 budgets; approach 3's the delta method of
beta / (alpha + beta).

{grid_table}
"""
    if "b" in parts:
        dc_table, dc_budget, reg_dc = part_b(args.data, args.n_resamples)
        log(dc_table)
        texts[
            "b"
        ] = f"""### (b) data_constrained.csv: the optimal allocation under a unique-token limit

The data-constrained law (Muennighoff et al.) fitted on log loss to all 182 runs; the
optimal run at 10x the largest training compute (C = {dc_budget:.3g} FLOPs, cost 6ND),
with the unique tokens limited (`constraints={{"U": lambda f: np.minimum(f["D"], limit)}}`);
90% intervals.

{dc_table}
"""
    if "c" in parts:
        texts["c"] = part_c_text(args.n_designs, command)
    if "d" in parts:
        X, y = make_chinchilla(240, random_state=0)
        speed_table = part_d(approach3().fit(X, y), reg_dc)
        log(speed_table)
        texts["d"] = f"""### (d) Speed

{speed_table}
"""
    cpu_total = time.process_time() - total

    if parts == set("abcd"):
        info = machine_info()
        title = "Planning: compute-optimal allocation, IsoFLOP fits and design"
        body = f"""## {title} (`benchmarks/bench_planning.py`)

Command: `{command}` ({cpu_total / 60:.1f} minutes of CPU in one process).

{chr(10).join(f"- {k}: {v}" for k, v in info.items())}

""" + "\n".join(texts[k] for k in "abcd")
    else:
        # Keep the recorded subsections of the parts not run.
        match = re.search(
            rf"<!-- {SECTION}:start -->\n(.*?)\n<!-- {SECTION}:end -->",
            (REPO_ROOT / "BENCHMARKS.md").read_text(encoding="utf-8"),
            flags=re.DOTALL,
        )
        if match is None:
            raise SystemExit("BENCHMARKS.md has no bench_planning section; run all parts.")
        body = match.group(1)
        for letter in sorted(parts):
            body = replace_subsection(body, letter, texts[letter])
        log(f"parts {''.join(sorted(parts))}: {cpu_total / 60:.1f} minutes of CPU")
    print(body)
    if not args.no_write:
        write_section(SECTION, body)
        log("written to BENCHMARKS.md")


if __name__ == "__main__":
    main()
