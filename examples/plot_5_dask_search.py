"""
=====================================
Run a search on a dask cluster
=====================================

A grid search fits one law per candidate and per split: hundreds of independent fits,
each a few hundred milliseconds to a few seconds. scikit-learn runs them through
:mod:`joblib`, and joblib can hand them to a `dask <https://www.dask.org>`_ cluster,
so a search spreads over as many machines as the cluster has workers without any
change to the search itself.

This example starts a small in-process cluster so that it runs anywhere; the last
section shows what changes for a real one.
"""

import joblib
from dask.distributed import Client, LocalCluster
from sklearn.model_selection import GridSearchCV

from sklearn_scaling import DoubleDescentRegressor
from sklearn_scaling.datasets import make_double_descent
from sklearn_scaling.model_selection import ExtrapolationSplit

# %%
# The search
# ----------
# Six candidates (three prior strengths, two losses) times three extrapolation
# splits: 18 fits, plus the final refit.

X, y = make_double_descent(n_samples=80, noise=0.02, outlier_fraction=0.05, random_state=0)
search = GridSearchCV(
    DoubleDescentRegressor(n_starts=2, random_state=0),
    {"alpha": [0.0, 0.3, 1.0], "loss": ["huber", "cauchy"]},
    cv=ExtrapolationSplit(n_splits=3),
    scoring="neg_mean_absolute_error",
)

# %%
# A local cluster
# ---------------
# One worker with two threads, inside this process (``processes=False``), without the
# diagnostics dashboard. On a laptop, ``LocalCluster()`` with its defaults starts one
# worker process per core instead.

cluster = LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None)
client = Client(cluster)
n_threads = sum(w["nthreads"] for w in client.scheduler_info()["workers"].values())
print(f"connected to a cluster of {len(client.scheduler_info()['workers'])} worker(s), "
      f"{n_threads} threads")  # fmt: skip

# %%
# Run the search on it
# --------------------
# Inside ``joblib.parallel_backend("dask")``, every joblib call -- here the fits of
# :class:`~sklearn.model_selection.GridSearchCV` -- goes to the cluster the current
# client is connected to. ``n_jobs`` can stay unset: the dask backend uses every
# worker thread.

with joblib.parallel_backend("dask"):
    search.fit(X, y)

print(f"best parameters: {search.best_params_}")
print(f"extrapolation MAE: {-search.best_score_:.4f}")

# %%
# The estimators' own ``n_jobs`` (parallel local refinements of one fit) also goes
# through joblib; in a search it is usually better left at ``None`` so that the
# parallelism is over candidates and splits.
#
# Close the client and the cluster when done:

client.close()
cluster.close()

# %%
# On a real cluster
# -----------------
# Start a scheduler and workers on the cluster's machines (for example ``dask
# scheduler`` on one machine and ``dask worker tcp://scheduler:8786`` on each of the
# others, or through `dask-jobqueue <https://jobqueue.dask.org>`_ on an HPC system),
# install ``sklearn_scaling`` in the same environment on every worker, then connect to
# the scheduler's address instead of starting a local cluster:
#
# .. code-block:: python
#
#     from dask.distributed import Client
#
#     client = Client("tcp://scheduler:8786")
#     with joblib.parallel_backend("dask"):
#         search.fit(X, y)
#     client.close()
#
# The data ``X, y`` travel to the workers with each task; for large sweeps scatter
# them once with ``joblib.parallel_backend("dask", scatter=[X, y])``.
