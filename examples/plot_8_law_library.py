"""
=====================================
Plot any law of the library
=====================================

:class:`~sklearn_scaling.plotting.ScalingLawDisplay` reads what it needs from the
fitted law, ``estimator.law_``: its features, their declared domain and the fitted
parameters. So every law of the registry (:func:`~sklearn_scaling.laws.available_laws`)
plots the same way, and so does a law you declare yourself, without a line of plotting
code of its own.

The display draws the law along one feature, with every other feature held at a fixed
value (by default its median), extends the curve beyond the data to show what the law
extrapolates to, and uses a log axis for a positive feature spanning more than a
decade. This example fits the Chinchilla law of model size and data, the rectified
law of fine-tuning data, and a law of its own, each trained on the smaller runs and
checked against the larger ones.
"""

import matplotlib.pyplot as plt
import numpy as np

from sklearn_scaling import ScalingLawRegressor
from sklearn_scaling.datasets import make_chinchilla, make_rectified
from sklearn_scaling.laws import Law, available_laws
from sklearn_scaling.plotting import ScalingLawDisplay

print("registered laws:", ", ".join(available_laws()))

# %%
# Chinchilla: loss of N parameters trained on D tokens
# ----------------------------------------------------
# Runs drawn from the law at known parameters, the largest models kept aside as test
# runs: a scaling law is fitted to be trusted where no run exists yet.

X, y, true_params = make_chinchilla(n_samples=240, random_state=0, return_params=True)
is_train = X[:, 0] < 3e9
chinchilla = ScalingLawRegressor("chinchilla", target_space="log", random_state=0)
chinchilla.fit(X[is_train], y[is_train])
for name in chinchilla.law_.parameters:
    print(f"{name:>6}: fitted {chinchilla.params_[name]:9.4g}   true {true_params[name]:9.4g}")

# %%
# A law of two features is drawn along one of them, here ``N``, with the other held
# fixed. Runs seldom share one ``D`` exactly, so every run is drawn but only those near
# the slice (``D`` within a tenth of its log range of the fixed value) are in colour:
# their distance to the curve is the law's error, while the grey ones also carry the
# effect of their different ``D``. The right panel fixes ``N`` beyond every training
# run and follows ``D``: only test runs lie near that slice.

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
ScalingLawDisplay.from_estimator(
    chinchilla,
    X[is_train],
    y[is_train],
    X_test=X[~is_train],
    y_test=y[~is_train],
    feature="N",
    fixed={"D": 2e10},
    extend=1.0,
    ax=left,
)
ScalingLawDisplay.from_estimator(
    chinchilla,
    X[is_train],
    y[is_train],
    X_test=X[~is_train],
    y_test=y[~is_train],
    feature="D",
    fixed={"N": 5e9},
    extend=1.0,
    ax=right,
)
left.set_ylabel("loss")
fig.tight_layout()

# %%
# Rectified: fine-tuning loss against fine-tuning data
# ----------------------------------------------------
# A law of one feature needs no fixed values: every run lies on the plotted slice.
# The law is flat while the pre-trained model's own knowledge dominates and a power
# law beyond; fitted on up to a million tokens, the curve says where the loss goes
# with a hundred times more.

X, y, true_params = make_rectified(n_samples=100, random_state=0, return_params=True)
is_train = X[:, 0] < 1e6
rectified = ScalingLawRegressor("rectified", target_space="log", random_state=0)
rectified.fit(X[is_train], y[is_train])
for name in rectified.law_.parameters:
    print(f"{name:>6}: fitted {rectified.params_[name]:9.4g}   true {true_params[name]:9.4g}")

disp = ScalingLawDisplay.from_estimator(
    rectified, X[is_train], y[is_train], X_test=X[~is_train], y_test=y[~is_train]
)
disp.ax_.set_ylabel("fine-tuning loss")

# %%
# A law of your own
# -----------------
# An emergent ability: accuracy on a four-way multiple-choice task stays near chance
# and then rises along a sigmoid of log compute. The law is a NumPy function of the
# feature matrix and its parameters, and one declaration: the parameters come from the
# signature, ``floor`` and ``gain`` enter linearly (the fit solves them exactly), and
# compute must be positive.


def emergence(X, floor, gain, k, c):
    """Accuracy ``floor + gain / (1 + 10**(-k (log10 C - c)))`` at compute ``C``."""
    return floor + gain / (1.0 + 10.0 ** (-k * (np.log10(X[:, 0]) - c)))


emergence_law = Law(
    "emergence",
    emergence,
    features=("C",),
    bounds={"floor": (0, 1), "gain": (0, 1), "k": (0.1, 10), "c": (15, 30)},
    linear=("floor", "gain"),
    starts={"k": (0.5, 1.0, 2.0), "c": (20.0, 22.0, 24.0)},
    domain={"C": "positive"},
    formula="acc = floor + gain / (1 + 10**(-k (log10 C - c)))",
)

# %%
# Runs at compute log-uniform between 1e18 and 1e24 FLOPs, the accuracy drawn from the
# law with noise; fitted on the runs below 3e22 FLOPs, which already show the rise
# begin. The estimator, the plot and its options are the same as for a registered law.

rng = np.random.default_rng(0)
X = 10 ** rng.uniform(18, 24, size=(120, 1))
truth = {"floor": 0.25, "gain": 0.55, "k": 1.2, "c": 22.5}
y = emergence_law(X, truth) + 0.015 * rng.standard_normal(len(X))
is_train = X[:, 0] < 3e22

mine = ScalingLawRegressor(emergence_law, loss="squared", random_state=0)
mine.fit(X[is_train], y[is_train])
for name in mine.law_.parameters:
    print(f"{name:>6}: fitted {mine.params_[name]:7.3f}   true {truth[name]:7.3f}")

disp = ScalingLawDisplay.from_estimator(
    mine, X[is_train], y[is_train], X_test=X[~is_train], y_test=y[~is_train], extend=1.0
)
disp.ax_.axhline(0.25, color="0.5", linestyle=":", label="chance")
disp.ax_.legend(fontsize="small")
disp.ax_.set_ylabel("accuracy")

# %%
# Once an estimator has ``predict_interval(X, coverage=...)``, the display's
# ``interval=0.9`` shades the band it gives around the curve: how far the fit's
# uncertainty lets the curve move, though not whether the law itself holds beyond the
# data, which the test runs above check.

plt.show()
