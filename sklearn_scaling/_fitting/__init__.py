"""The fitting path: pure numerics, no scikit-learn.

One objective and one set of solvers serve every estimator of the package:

- :mod:`._losses`: the robust losses (value, derivatives, IRLS weights).
- :mod:`._engine`: one problem's robust objective, multistart trust-region refinement and
  the bound checks.
- :mod:`._batch`: the batched IRLS Levenberg-Marquardt engine, many problems of one shape
  stepped together (bootstrap refits, independent curves).
- :mod:`._covariance`: sandwich covariances, relative weights, the priors' pull.
- :mod:`._law`: :class:`~._law.LawObjective` (residuals, Jacobian, penalty, loss scale)
  of any :class:`~sklearn_scaling.laws.Law`, its start search, variable projection of
  its linear parameters (:class:`~._law.Projection`) and :func:`~._law.fit_law`.
- :mod:`._groups`: many curves in one fit (independent curves as one batch; shared
  parameters by the Schur complement).
- :mod:`._double_descent`, :mod:`._log_power`: the two seed objectives, configurations
  of the generic one (priors, boxes, starts).

The estimators (:mod:`sklearn_scaling._scaling_law`, :mod:`sklearn_scaling._estimators`)
validate, call these and store ``*_`` attributes; the CLI and plots sit on top.
"""
