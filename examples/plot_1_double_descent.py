"""
=========================================
Fit a double-descent law and extrapolate
=========================================

A score that first gets *worse* with scale and then better (or the reverse) defeats a
plain power law. :class:`~sklearn_scaling.DoubleDescentRegressor` fits a level plus a
rising and a falling sigmoid of log10 compute.

Here we fit it to the small-compute runs of a synthetic data set, check the
extrapolation on the large-compute runs, and read the fitted shape: its readable
parameters, its peak and its limit at infinite compute. The second half mirrors the
curve into a U (``shape='dip'``).
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import mean_absolute_error as mae

from sklearn_scaling import DoubleDescentRegressor
from sklearn_scaling.datasets import make_double_descent
from sklearn_scaling.laws import double_descent
from sklearn_scaling.plotting import ScalingLawDisplay

# %%
# Data: a bump in log10 compute
# -----------------------------
# :func:`~sklearn_scaling.datasets.make_double_descent` draws log10 compute uniformly
# and adds Gaussian noise to the law at known parameters. As in a real study, we fit
# on the cheaper runs and keep the most expensive quarter aside, to see how the law
# extrapolates.

X, y, true_params = make_double_descent(
    n_samples=100, noise=0.02, random_state=0, return_params=True
)
is_train = X[:, 0] < np.quantile(X[:, 0], 0.75)
X_train, y_train = X[is_train], y[is_train]
X_test, y_test = X[~is_train], y[~is_train]
print(f"{len(y_train)} training runs up to log10 compute {X_train.max():.2f}")
print(f"{len(y_test)} test runs from {X_test.min():.2f} to {X_test.max():.2f}")

# %%
# Fit
# ---
# The defaults are those of the seed program: a Huber loss whose scale is the robust
# spread of ``y``, inverse-density weights and five gentle priors. ``n_starts=2`` is
# enough on clean data and keeps this example quick.

reg = DoubleDescentRegressor(n_starts=2, random_state=0).fit(X_train, y_train)
print(f"train R^2 = {reg.score(X_train, y_train):.3f}")
print(f"test mean absolute error (extrapolation) = {mae(y_test, reg.predict(X_test)):.3f}")

# %%
# The test runs lie on the flat tail of the curve, where ``y`` hardly varies, so R²
# there would mostly measure the noise; the mean absolute error reads more directly.

# %%
# The fitted shape
# ----------------
# ``coef_`` holds the six raw parameters the optimiser works with; ``params_`` decodes
# them into the quantities one reads off a plot: the level ``b0``, the heights
# ``A_up`` and ``A_dn`` of the two sigmoids, their centres ``c1 < c2`` and their widths
# ``s_left`` and ``s_right``.

for name, value in reg.params_.items():
    print(f"{name:>8s} = {value: .3f}")

# %%
# ``peak_`` is the top of the bump (the bottom of a dip) and ``asymptote_`` the value
# at infinite compute, ``b0 + A_up - A_dn``. Compare them with the law that generated
# the data:

grid = np.linspace(-1.0, 3.0, 2001)
true_curve = double_descent(grid, true_params)
print(f"fitted peak: {reg.peak_['value']:.3f} at log10 compute {reg.peak_['log_compute']:.2f}")
print(f"true peak:   {true_curve.max():.3f} at log10 compute {grid[true_curve.argmax()]:.2f}")
print(f"fitted asymptote: {reg.asymptote_:.3f}   true: {true_curve[-1]:.3f}")

# %%
# The peak is right, but the fitted curve levels off too early: its asymptote is
# above the truth. The five priors are seed 000's, sized for small and noisy
# benchmarks of negated Brier scores; on these clean data (noise 0.02) they are strong
# enough to hold the amplitudes back. ``alpha`` multiplies all five; ``alpha=0`` fits
# the data alone:

reg_free = DoubleDescentRegressor(alpha=0.0, n_starts=2, random_state=0).fit(X_train, y_train)
print(f"alpha=0: test MAE {mae(y_test, reg_free.predict(X_test)):.3f}, "
      f"asymptote {reg_free.asymptote_:.3f}")  # fmt: skip

# %%
# Which ``alpha`` to use on real data is a question for cross-validation by
# extrapolation; see the example on tuning priors.

# %%
# Plot
# ----
# :meth:`ScalingLawDisplay.from_estimator
# <sklearn_scaling.plotting.ScalingLawDisplay.from_estimator>` draws the training and
# test runs, the fitted law a little beyond the data on both sides, and the peak.

display = ScalingLawDisplay.from_estimator(reg, X_train, y_train, X_test=X_test, y_test=y_test)
display.ax_.plot(grid, true_curve, color="grey", linestyle="--", label="true law")
display.ax_.plot(
    grid, reg_free.predict(grid[:, None]), color="tab:green", linestyle=":", label="alpha=0"
)
display.ax_.legend(fontsize="small")
plt.show()

# %%
# A U-shaped curve: ``shape='dip'``
# ---------------------------------
# Some scores fall before they rise: an ability that gets worse with scale and then
# emerges. ``shape='dip'`` mirrors the law about ``b0``: the curve first falls by
# ``A_up``, then rises by ``A_dn``. Negating the bump above gives such data.

y_u = -y
reg_dip = DoubleDescentRegressor(shape="dip", n_starts=2, random_state=0)
reg_dip.fit(X_train, y_u[is_train])
print(f"test MAE (extrapolation) = {mae(y_u[~is_train], reg_dip.predict(X_test)):.3f}")
print(f"bottom of the dip: {reg_dip.peak_['value']:.3f} at {reg_dip.peak_['log_compute']:.2f}")
print(f"asymptote b0 - A_up + A_dn = {reg_dip.asymptote_:.3f}")

# %%
# Fitting a ``'dip'`` to ``-y`` finds the mirror image of the ``'bump'`` fitted to
# ``y``, parameter for parameter (``b0`` changes sign). Only the tail prior, which
# assumes scores below zero, acts on the real predictions; here it is too weak to
# matter.

for name in reg.params_:
    print(f"{name:>8s}: bump {reg.params_[name]: .3f}   dip {reg_dip.params_[name]: .3f}")

ScalingLawDisplay.from_estimator(
    reg_dip, X_train, y_u[is_train], X_test=X_test, y_test=y_u[~is_train]
)
plt.show()
