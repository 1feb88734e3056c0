"""
=====================================================
Tune a prior strength by extrapolation, not by K-fold
=====================================================

Every fitting option of the estimators is a constructor parameter, so
:class:`~sklearn.model_selection.GridSearchCV` can tune it. What it tunes *for* depends
on the cross-validator. Random K-fold scores each candidate on runs scattered among the
training runs: it measures interpolation. A scaling law is used to extrapolate, so
:class:`~sklearn_scaling.model_selection.ExtrapolationSplit` trains on small scales and
tests on larger ones.

Here both tune the ridge strength ``alpha`` of
:class:`~sklearn_scaling.LogPowerHyperparamRegressor` on a noisy sweep, and a set of
larger runs that neither search saw tells which choice extrapolates better.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV, KFold

from sklearn_scaling import LogPowerHyperparamRegressor
from sklearn_scaling.datasets import make_lr_bsz_sweep
from sklearn_scaling.laws import log_power
from sklearn_scaling.model_selection import ExtrapolationSplit

# %%
# Data: small runs to fit, large runs to check
# --------------------------------------------
# 150 runs of a noisy synthetic sweep. The scale of a run is its training compute,
# proportional to ``D * N`` (columns 2 and 3 of ``X``). The 30 % largest runs are kept
# aside: they play the part of the runs one wants to predict.


def compute(X):
    """Training compute up to a constant factor: tokens times parameters."""
    return X[:, 2] * X[:, 3]


X, y, true_params = make_lr_bsz_sweep(n_samples=150, noise=0.05, random_state=0, return_params=True)
is_large = compute(X) >= np.quantile(compute(X), 0.7)
X_small, y_small = X[~is_large], y[~is_large]
X_large = X[is_large]
# Synthetic data lets us score against the noise-free law itself.
y_large_true = log_power(X_large, true_params)
print(f"{len(y_small)} runs to fit and tune on, {len(X_large)} larger runs to check")

# %%
# Two searches over ``alpha``
# ---------------------------
# The law fitted is the one whose optimum moves with scale and whose size terms are
# power laws; the data come from the seed law, so the fitted law is only an
# approximation, as it always is on real data. ``alpha`` shrinks the size-term
# coefficients and exponents and the four slopes of the optimum towards zero.
#
# ``ExtrapolationSplit(scale=compute)`` orders the runs by compute and, like
# :class:`~sklearn.model_selection.TimeSeriesSplit`, always tests on the next block of
# larger runs. ``global_search='never'`` and ``n_starts=2`` keep the example fast.

estimator = LogPowerHyperparamRegressor(
    optimum="scaling", size_terms="power", n_starts=2, global_search="never", random_state=0
)
param_grid = {"alpha": [1e-4, 1e-3, 1e-2, 1e-1, 1.0]}
splitters = {
    "KFold": KFold(n_splits=5, shuffle=True, random_state=0),
    "ExtrapolationSplit": ExtrapolationSplit(n_splits=4, scale=compute),
}
searches = {
    name: GridSearchCV(estimator, param_grid, cv=cv, scoring="neg_root_mean_squared_error").fit(
        X_small, y_small
    )
    for name, cv in splitters.items()
}
for name, search in searches.items():
    print(f"{name:>18s} chooses alpha = {search.best_params_['alpha']:g}")

# %%
# Which choice extrapolates better?
# ---------------------------------
# Refit at every ``alpha`` on all the small runs and measure its error on the larger
# runs against the noise-free law that generated them. Next to it, the error each
# cross-validator *estimated* (on noisy runs, so it includes the noise of 0.05).

rows = []
for alpha in param_grid["alpha"]:
    reg = estimator.set_params(alpha=alpha).fit(X_small, y_small)
    large_rmse = np.sqrt(np.mean((reg.predict(X_large) - y_large_true) ** 2))
    rows.append({"alpha": alpha, "error on the larger runs": large_rmse})
table = pd.DataFrame(rows).set_index("alpha")
for name, search in searches.items():
    table[f"{name} estimate"] = -search.cv_results_["mean_test_score"]
print(table.round(4))

for name, search in searches.items():
    chosen = search.best_params_["alpha"]
    error = table.loc[chosen, "error on the larger runs"]
    print(f"{name:>18s}: alpha = {chosen:g}, error on the larger runs {error:.4f}")

# %%
# Random K-fold's estimates hardly move from ``alpha = 1e-4`` to ``1e-2``: a held-out
# run always has training runs of similar scale around it, so any of these laws
# interpolates equally well (the estimate is mostly the noise of the runs), and the
# choice among them is close to a coin toss. The extrapolation split's estimates are
# higher, since predicting further out is harder, and they have a clear minimum: with
# too weak a ridge the slopes of the optimum and the size exponents fit the noise of
# the small runs and bend the law away at larger compute; with too strong a ridge the
# law cannot follow the data. That minimum is where the error against the true law on
# the larger runs is smallest too.
#
# Both estimates are noisy with 105 runs, and on other draws of this data the two
# choices sometimes coincide. The extrapolation split tends to ask for as much
# shrinkage as K-fold or more, and its estimate answers the question the law is used
# for.

fig, (ax_cv, ax_true) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
for (name, search), style in zip(searches.items(), ("C0--s", "C1-^"), strict=True):
    best = search.best_params_["alpha"]
    ax_cv.plot(table.index, table[f"{name} estimate"], style, label=name)
    ax_cv.plot(best, table.loc[best, f"{name} estimate"], "*", color=style[:2], markersize=16)
    ax_true.plot(
        best,
        table.loc[best, "error on the larger runs"],
        "*",
        color=style[:2],
        markersize=16,
        label=f"chosen by {name}",
    )
ax_true.plot(table.index, table["error on the larger runs"], "k-o", zorder=1)
ax_cv.set_title("cross-validation estimate (stars: choices)")
ax_cv.set_ylabel("RMSE on the test folds")
ax_true.set_title("error on the larger runs, against the true law")
ax_true.set_ylabel("RMSE")
for ax in (ax_cv, ax_true):
    ax.set_xscale("log")
    ax.set_xlabel("alpha (ridge strength)")
    ax.legend(fontsize="small")
plt.show()

# %%
# The same works for every option of
# :class:`~sklearn_scaling.DoubleDescentRegressor`: ``alpha``, the five
# ``*_penalty`` strengths, ``loss``, ``f_scale`` and ``density_weighting`` are all
# constructor parameters, e.g.
# ``GridSearchCV(DoubleDescentRegressor(), {"alpha": [0, 0.1, 1], "loss": ["huber",
# "cauchy"]}, cv=ExtrapolationSplit(4))``, where the scale defaults to the first
# column of ``X``, log10 compute.
