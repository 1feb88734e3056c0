"""
===========================================================
Planning compute: the frontier, IsoFLOPs and the next runs
===========================================================

A scaling law exists to decide what to train next. This example fits the Chinchilla
law to synthetic runs with a known truth and asks the three planning questions of
:mod:`sklearn_scaling.planning`:

* how large a model, on how many tokens, at each compute budget -- with an interval
  (:func:`~sklearn_scaling.planning.optimal_allocation`);
* what Hoffmann et al.'s approach 2 (IsoFLOP parabolas) says next to the parametric
  fit (:func:`~sklearn_scaling.planning.fit_isoflop`);
* which runs to do next so that the answer at a large budget gets surer
  (:func:`~sklearn_scaling.planning.suggest_runs`).
"""

import matplotlib.pyplot as plt
import numpy as np

from sklearn_scaling import ScalingLawRegressor
from sklearn_scaling.datasets import LAW_DEFAULT_PARAMS, make_chinchilla
from sklearn_scaling.laws import chinchilla, chinchilla_compute_optimal
from sklearn_scaling.planning import (
    fit_isoflop,
    optimal_allocation,
    score_design,
    suggest_runs,
)
from sklearn_scaling.plotting import IsoFLOPDisplay

truth = LAW_DEFAULT_PARAMS["chinchilla"]

# %%
# The compute-optimal frontier, with its band
# -------------------------------------------
# 240 runs between 6e18 and 3e21 FLOPs, fitted as Hoffmann et al.'s approach 3 (Huber
# on log loss). ``optimal_allocation`` minimises the fitted law along each budget's
# runs (``6 N D = C``) for 300 budgets at once; ``return_interval=True`` adds the
# delta-method interval of the optimum, from the fit's covariance.

X, y = make_chinchilla(n_samples=240, random_state=0)
reg = ScalingLawRegressor("chinchilla", target_space="log").fit(X, y)
budgets = np.logspace(18.5, 25, 300)
plan = optimal_allocation(reg, budgets, return_interval=True, coverage=0.9)
n_true, _ = chinchilla_compute_optimal(truth, budgets)

fig, ax = plt.subplots(figsize=(6, 4))
ax.fill_between(budgets, plan.N_low, plan.N_high, alpha=0.25, label="90% interval")
ax.plot(budgets, plan.N, label="fitted law's optimum")
ax.plot(budgets, n_true, "k--", label="true optimum")
ax.axvspan(6e18, 3e21, color="0.9", zorder=0, label="compute of the runs")
ax.set(xscale="log", yscale="log", xlabel="compute C (FLOPs)", ylabel="optimal parameters N")
ax.legend()

# %%
# A constraint changes the answer: with models capped at 20B parameters the optimum
# at large budgets sits on the cap, and is reported as such (``at_constraint``) rather
# than as an interior optimum.

capped = optimal_allocation(reg, [1e22, 1e24], constraints={"N": (None, 2e10)})
print(capped.N, capped.at_constraint["N"])

# %%
# IsoFLOP profiles: approach 2
# ----------------------------
# Approach 2 needs a sweep of model sizes at each of a few fixed budgets; each profile
# gets a parabola in log N and its vertex is that budget's optimum.

rng = np.random.default_rng(0)
iso_budgets = np.logspace(np.log10(6e18), np.log10(3e21), 6)
centres, _ = chinchilla_compute_optimal(truth, iso_budgets)
N = (centres[:, None] * np.logspace(-1, 1, 9)).ravel()
X_iso = np.column_stack([N, np.repeat(iso_budgets, 9) / (6 * N)])
y_iso = chinchilla(X_iso, *truth.values()) * np.exp(0.01 * rng.standard_normal(len(N)))
iso = fit_isoflop(X_iso, y_iso)
parametric = ScalingLawRegressor("chinchilla", target_space="log").fit(X_iso, y_iso)
a3 = parametric.params_["beta"] / (parametric.params_["alpha"] + parametric.params_["beta"])
a_true = truth["beta"] / (truth["alpha"] + truth["beta"])
low, high = iso.a_interval
print(f"a of N_opt ~ C^a: approach 2 {iso.a:.3f} [{low:.3f}, {high:.3f}], approach 3 {a3:.3f}")
print(f"truth {a_true:.3f}")
IsoFLOPDisplay.from_result(iso)

# %%
# Which runs next?
# ----------------
# A first fit on 40 cheap runs leaves the optimal size at 100x the largest candidate
# budget uncertain. Among 48 candidate runs (8 sizes x 6 budgets),
# ``suggest_runs`` picks the 8 that most narrow its interval (greedy, then
# exchanges), within the compute the same number of runs spread evenly over the grid
# would cost; ``score_design`` gives the forecast width of any design. A candidate may
# be chosen more than once (a replicate: the same run with another seed), as optimal
# designs concentrate on a few informative runs; the number next to a point counts
# its copies.

X0, y0 = make_chinchilla(n_samples=40, compute_range=(6e18, 3e20), random_state=1)
first = ScalingLawRegressor("chinchilla", target_space="log").fit(X0, y0)
sizes = np.logspace(np.log10(7e7), np.log10(1.6e10), 8)
grid_n, grid_c = np.meshgrid(sizes, np.logspace(np.log10(6e18), np.log10(3e21), 6))
candidates = np.column_stack([grid_n.ravel(), (grid_c / (6 * grid_n)).ravel()])
cost = 6 * candidates[:, 0] * candidates[:, 1]
even = np.round(np.linspace(0, len(candidates) - 1, 8)).astype(int)
target = 100 * 3e21
design = suggest_runs(first, candidates, n_runs=8, target=target, budget=cost[even].sum())
even_widths = [score_design(first, candidates[even[:k]], target) for k in range(1, 9)]

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
left.scatter(6 * X0[:, 0] * X0[:, 1], X0[:, 0], s=10, color="0.6", label="first runs")
left.scatter(cost, candidates[:, 0], s=30, facecolor="none", edgecolor="0.3", label="candidates")
left.scatter(cost[even], candidates[even, 0], marker="x", color="tab:orange", label="even")
chosen, copies = np.unique(design.runs, return_counts=True)
left.scatter(
    cost[chosen],
    candidates[chosen, 0],
    s=60,
    color="tab:blue",
    label="suggest_runs",
    zorder=3,
)
for index, count in zip(chosen, copies, strict=True):
    if count > 1:
        left.annotate(
            f"x{count}",
            (cost[index], candidates[index, 0]),
            textcoords="offset points",
            xytext=(6, 4),
            color="tab:blue",
        )
left.set(
    xscale="log",
    yscale="log",
    xlabel="compute C (FLOPs)",
    ylabel="parameters N",
    title="The designs",
)
left.legend(fontsize="small")
steps = np.arange(0, 9)
right.plot(steps, [design.initial_width, *design.widths], "o-", label="suggest_runs")
right.plot(steps, [design.initial_width, *even_widths], "x-", label="even on the log grid")
right.set(
    xlabel="runs added",
    ylabel="forecast width of log N_opt (90%)",
    title=f"N_opt at C = {target:.0e}",
)
right.legend()
plt.show()
