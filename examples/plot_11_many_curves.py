"""
=====================================
Many curves with a shared exponent
=====================================

A scaling-law study is rarely one curve: it is a family, one learning curve per task,
data set or domain, whose members share how they scale while each keeps its own level.
:class:`~sklearn_scaling.ScalingLawRegressor` fits the whole family in one objective:
``group`` names the column saying which curve a row belongs to, and ``shared`` the
parameters all curves have in common.

This example draws eight learning curves ``L_t(x) = E_t + A_t x**-alpha`` with one
exponent ``alpha = 0.35`` and each task's own ``E_t`` and ``A_t``, each curve short and
noisy enough that its own exponent is poorly determined. It compares the shared fit
with independent fits and the truth, draws the family with
:class:`~sklearn_scaling.plotting.ScalingLawDisplay`, and lets
:class:`~sklearn.model_selection.GridSearchCV` with
:class:`~sklearn_scaling.model_selection.GroupExtrapolationSplit` decide, by
extrapolation, which parameters to share.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV

from sklearn_scaling import ScalingLawRegressor
from sklearn_scaling.model_selection import GroupExtrapolationSplit
from sklearn_scaling.plotting import ScalingLawDisplay

# %%
# A family of learning curves
# ---------------------------
# Eight tasks, each measured at ten scales over two decades, with 2% multiplicative
# (Gaussian) noise. The law's feature is called ``x`` (``power_law``'s feature),
# the curve label ``task``: a DataFrame's columns are matched by name, the group
# column is set apart and the rest are the law's features.

ALPHA = 0.35
rng = np.random.default_rng(0)
n_tasks, n_points = 8, 10
tasks = [f"task {k}" for k in range(n_tasks)]
E_true = rng.uniform(0.5, 2.0, n_tasks)
A_true = np.exp(rng.uniform(np.log(2.0), np.log(30.0), n_tasks))
x = np.tile(np.logspace(2, 4, n_points), n_tasks)
code = np.repeat(np.arange(n_tasks), n_points)
y = (E_true[code] + A_true[code] * x**-ALPHA) * np.exp(rng.normal(0.0, 0.02, x.size))
X = pd.DataFrame({"task": np.asarray(tasks)[code], "x": x})
print(X.head(3))

# %%
# Independent fits and a shared exponent
# --------------------------------------
# Both are one estimator: with ``shared=None`` every curve gets its own three
# parameters (the curves are still solved together, as one batch); with
# ``shared=["alpha"]`` they get one exponent between them. The noise is Gaussian in
# ``log y`` with no outlying runs, so the squared loss is the right one (the default
# Huber loss guards against bad runs). An independent curve whose data cannot pin
# its exponent may push it to a bound -- which is the point of sharing it -- so that
# warning is silenced here.

options = {"group": "task", "target_space": "log", "loss": "squared", "random_state": 0}
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*on a bound", category=UserWarning)
    independent = ScalingLawRegressor("power_law", **options).fit(X, y)
shared = ScalingLawRegressor("power_law", shared=["alpha"], **options).fit(X, y)

alpha_free = independent.coef_[:, 2]
alpha_free_std = np.array([independent.params_std_[t]["alpha"] for t in tasks])
alpha_shared = shared.params_["task 0"]["alpha"]
alpha_shared_std = shared.params_std_["task 0"]["alpha"]
print(f"truth:                     alpha = {ALPHA}")
print(f"independent fits, mean:    alpha = {alpha_free.mean():.3f} (spread {alpha_free.std():.3f})")
print(f"shared fit:                alpha = {alpha_shared:.3f} +- {alpha_shared_std:.3f}")
for t, a, s in zip(tasks, alpha_free, alpha_free_std, strict=True):
    print(f"  {t}: independent alpha = {a:.3f} +- {s:.3f}")

# %%
# The eight independent exponents scatter around the truth, from 0.31 to 0.58, and
# the curves that determine theirs worst (small amplitudes, flat over the data) have
# standard errors as wide. The shared fit pools the evidence of all eight curves into
# one exponent, closer to the truth than the mean of the independent ones. Its standard error is
# one number: it is the same in every curve's block of ``coef_cov_``, and the
# curves' other parameters are correlated with it, so ``predict_interval`` of every
# curve carries the shared uncertainty.

print(np.allclose(shared.coef_cov_[:, 2, 2], shared.coef_cov_[0, 2, 2]))

# %%
# The grouped plot
# ----------------
# :meth:`ScalingLawDisplay.from_estimator
# <sklearn_scaling.plotting.ScalingLawDisplay.from_estimator>` draws one curve per
# task, each in the colour of its own rows, with a 90% band per curve; the title
# states the shared exponent. The right panel puts each independent exponent beside
# the shared one and the truth.

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.4), layout="constrained")
disp = ScalingLawDisplay.from_estimator(shared, X, y, interval=0.9, ax=left)
left.set_yscale("log")
left.set_ylabel("loss")
right.errorbar(
    alpha_free,
    np.arange(n_tasks),
    xerr=np.minimum(1.645 * alpha_free_std, 1.0),
    fmt="o",
    color="0.3",
    label="independent fits (90%)",
)
right.axvspan(
    alpha_shared - 1.645 * alpha_shared_std,
    alpha_shared + 1.645 * alpha_shared_std,
    color="C0",
    alpha=0.3,
    label="shared fit (90%)",
)
right.axvline(ALPHA, color="black", linestyle="--", label="truth")
right.set_yticks(np.arange(n_tasks), tasks)
right.set_xlim(0.0, 1.0)
right.set_xlabel("alpha")
right.legend(fontsize="small", loc="lower right")
plt.show()

# %%
# Which parameters to share? Ask the extrapolation
# ------------------------------------------------
# Sharing is a modelling choice, and ``shared`` an ordinary parameter: a grid search
# compares the choices. :class:`~sklearn_scaling.model_selection.GroupExtrapolationSplit`
# splits every task along its own ``x`` at once, so each fold trains on the smaller
# scales of all eight tasks and scores the prediction of their larger ones -- the way
# a grouped fit is used. Sharing the offset ``E`` too is a wrong model here (each
# task has its own). Each fold tests on the next two scales of every task
# (``test_size=2``): the first trains on each task's six smallest runs, the second on
# eight.

search = GridSearchCV(
    ScalingLawRegressor("power_law", **options),
    {"shared": [None, ["alpha"], ["alpha", "E"]]},
    cv=GroupExtrapolationSplit(n_splits=2, group="task", test_size=2),
    scoring="neg_root_mean_squared_error",
)
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*on a bound", category=UserWarning)
    search.fit(X, y)
for choice, score in zip(
    search.cv_results_["param_shared"], search.cv_results_["mean_test_score"], strict=True
):
    print(f"shared={choice!s:>16}: extrapolation RMSE {-score:.4f}")
print("chosen:", search.best_params_)
