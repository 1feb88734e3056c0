"""
=======================================================
Learning rate, batch size and scale: the log-power law
=======================================================

:class:`~sklearn_scaling.LogPowerHyperparamRegressor` models the final loss of a
training run as a function of four numbers: learning rate, batch size, training tokens
``D`` and non-embedding parameters ``N``. Loss falls with ``D`` and ``N`` and has a
bowl in log learning rate around an optimum.

With ``optimum='fixed'`` (the seed program's law) that optimum is one constant. With
``optimum='scaling'`` the optimal learning rate and batch size are power laws of ``N``
and ``D``, which is what sweeps over model sizes usually show. This example fits both.
"""

import matplotlib.pyplot as plt
import numpy as np

from sklearn_scaling import LogPowerHyperparamRegressor
from sklearn_scaling.datasets import DEFAULT_LOG_POWER_PARAMS, make_lr_bsz_sweep
from sklearn_scaling.laws import LOG_POWER_SCALING_PARAMS, log_power_scaling
from sklearn_scaling.plotting import ScalingLawDisplay

# %%
# The seed law: one optimal learning rate
# ---------------------------------------
# :func:`~sklearn_scaling.datasets.make_lr_bsz_sweep` draws runs log-uniformly over a
# box like the real sweep's, from the seed law at
# :data:`~sklearn_scaling.datasets.DEFAULT_LOG_POWER_PARAMS`. Columns of ``X``:
# learning rate, batch size, data size (tokens), non-embedding parameters.

X, y = make_lr_bsz_sweep(n_samples=400, random_state=0)
print(X[:3])

reg_fixed = LogPowerHyperparamRegressor(optimum="fixed", n_starts=2, random_state=0).fit(X, y)
print(f"train R^2 = {reg_fixed.score(X, y):.4f}")
for name, fitted, true in zip(
    reg_fixed.params_, reg_fixed.params_.values(), DEFAULT_LOG_POWER_PARAMS, strict=True
):
    print(f"{name:>12s}: fitted {fitted: .4g}   true {true: .4g}")

# %%
# The law is only weakly identified in some directions: a smaller ``b`` with a larger
# exponent ``alpha`` traces nearly the same curve over the sampled range, and so do a
# batch term ``e (ln B)**gamma`` with a large ``e`` and a small ``gamma`` and one with
# the reverse. The coefficients need not match the truth one by one even when the fit
# is excellent; here ``a`` and ``e`` even stop at the edges of seed 001's bounds
# (``a <= 4.5``, ``e <= 0.3``), which ``bounds={"a": (1.5, 10.0), "e": (-1.0, 1.0)}``
# would widen. What matters for extrapolation is the curve, and the optimum is well
# determined: ``optimal_learning_rate`` is the constant ``lr_opt`` for this form.

print(f"optimal learning rate: {reg_fixed.optimal_learning_rate(1e11, 1e9):.2e}")

# %%
# The runs of this synthetic sweep are scattered, so no two share a batch size, data
# size and model size. Pass ``slices`` to choose the (batch size, data size, model
# size) combinations to draw; the stars mark each curve's minimum.

slices = [(128, 1e10, 1e8), (1024, 1e10, 1e8), (1024, 1e11, 1e9)]
ScalingLawDisplay.from_estimator(reg_fixed, X, y, slices=slices)
plt.show()

# %%
# An optimum that moves with scale
# --------------------------------
# Real sweeps are grids: for each model and data size, several learning rates and
# batch sizes. Here we build such a grid from
# :func:`~sklearn_scaling.laws.log_power_scaling`, a law whose optimal learning rate
# falls as models grow (``lr_N < 0``) and whose optimal batch size grows with data
# (``bsz_D > 0``), with Chinchilla-style size terms ``b (D / 1e11)**-alpha``.

true_scaling = {
    "a": 1.5, "b": 0.25, "alpha": 0.3, "c": 0.25, "beta": 0.35,
    "d": 0.03, "e": 0.02, "interaction": -0.01,
    "lr_0": np.log(2e-3), "lr_N": -0.35, "lr_D": 0.1,
    "bsz_0": np.log(512), "bsz_N": 0.1, "bsz_D": 0.4,
}  # fmt: skip
true_coef = np.array([true_scaling[name] for name in LOG_POWER_SCALING_PARAMS])

lrs = np.geomspace(2e-4, 2e-2, 7)
batches = [64, 256, 1024]
data_sizes = [2e9, 1e10, 5e10]
param_sizes = [5e7, 1.5e8, 4e8, 1e9]
X_grid = np.array(
    [(lr, b, d, n) for lr in lrs for b in batches for d in data_sizes for n in param_sizes]
)
rng = np.random.default_rng(0)
y_grid = log_power_scaling(X_grid, true_coef, size_terms="power")
y_grid = y_grid + 0.01 * rng.standard_normal(len(y_grid))
print(f"{len(y_grid)} runs, loss from {y_grid.min():.2f} to {y_grid.max():.2f}")

# %%
# As in the real benchmark, the largest model is held out: the law must extrapolate
# to it.

is_test = X_grid[:, 3] == max(param_sizes)
X_train, y_train = X_grid[~is_test], y_grid[~is_test]
X_test, y_test = X_grid[is_test], y_grid[is_test]

models = {}
for optimum in ("fixed", "scaling"):
    models[optimum] = LogPowerHyperparamRegressor(
        optimum=optimum, size_terms="power", n_starts=2, random_state=0
    ).fit(X_train, y_train)
    print(
        f"optimum={optimum!r:10s} train R^2 {models[optimum].score(X_train, y_train):.3f}"
        f"   test R^2 (largest model) {models[optimum].score(X_test, y_test):.3f}"
    )

# %%
# The fitted optimum
# ------------------
# With ``optimum='scaling'`` the fitted exponents say how the optimum moves:
# :math:`\eta^* \propto N^{\ell_N} D^{\ell_D}` and :math:`B^* \propto N^{m_N} D^{m_D}`.

reg = models["scaling"]
for name in ("lr_N", "lr_D", "bsz_N", "bsz_D"):
    print(f"{name:>6s}: fitted {reg.params_[name]: .3f}   true {true_scaling[name]: .3f}")

# %%
# ``optimal_learning_rate`` and ``optimal_batch_size`` evaluate the fitted power laws
# at any size, including sizes no run reached:

for n in (1e8, 1e9, 1e10):
    lr_star = reg.optimal_learning_rate(1e11, n)
    batch_star = reg.optimal_batch_size(1e11, n)
    print(f"N = {n:.0e}, D = 1e11: learning rate {lr_star:.2e}, batch size {batch_star:.0f}")

# %%
# The learning-rate curves at three slices, two of them on the held-out largest model
# (hollow triangles). The fixed-optimum law puts every minimum at the same learning
# rate; the scaling law moves it left for the larger model, as the data do.

slices = [(256, 1e10, 5e7), (256, 1e10, 1e9), (1024, 5e10, 1e9)]
fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True, layout="constrained")
for ax, optimum in zip(axes, ("fixed", "scaling"), strict=True):
    ScalingLawDisplay.from_estimator(
        models[optimum], X_train, y_train, X_test=X_test, y_test=y_test, slices=slices, ax=ax
    )
plt.show()
