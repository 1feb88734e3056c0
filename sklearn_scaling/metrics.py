"""Scores in log space, for laws of positive targets, and scorers by name.

A loss, a perplexity or an error rate spans orders of magnitude over a scaling study,
and what matters is the *relative* error of a law's prediction: these scores compare
``log(prediction)`` with ``log(y)``.

* :func:`root_mean_squared_log_error` (RMSLE) -- ``sqrt(mean((log pred - log y)**2))``,
  the score of the learning-curve benchmarks (Alabdulmohsin et al. 2022). It is *not*
  scikit-learn's function of the same name, which compares ``log(1 + y)``: for losses
  below 1 that shrinks every error by up to half.
* :func:`r2_log_score` -- the coefficient of determination of ``log y``.

scikit-learn has no public way to register a scorer name, so :func:`get_scorer` knows
this package's names (``'neg_rmsle'`` and ``'r2_log'``) and passes every other name
to :func:`sklearn.metrics.get_scorer`;
:class:`~sklearn_scaling.model_selection.LawSearchCV` takes both kinds. For
scikit-learn's own searches pass the scorer objects, e.g.
``GridSearchCV(..., scoring=NEG_RMSLE_SCORER)``.

A prediction that is NaN, infinite or not positive has no log: the score does not
quietly become NaN, it raises a ValueError that says how many predictions were bad.
"""

import numpy as np
from sklearn.metrics import get_scorer as _sklearn_get_scorer
from sklearn.metrics import make_scorer
from sklearn.utils.validation import _check_sample_weight, check_consistent_length

__all__ = [
    "NEG_RMSLE_SCORER",
    "R2_LOG_SCORER",
    "SCORERS",
    "get_scorer",
    "r2_log_score",
    "root_mean_squared_log_error",
]


def _log_pair(y_true, y_pred, function):
    """``log y_true`` and ``log y_pred`` as 1-D float arrays, or a ValueError."""
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    if y_true.ndim > 1 and y_true.shape[1:] == (1,) * (y_true.ndim - 1):
        y_true = y_true.reshape(-1)
    if y_pred.ndim > 1 and y_pred.shape[1:] == (1,) * (y_pred.ndim - 1):
        y_pred = y_pred.reshape(-1)
    if y_true.ndim != 1 or y_pred.ndim != 1:
        raise ValueError(
            f"{function} takes 1-D targets and predictions; got shapes {y_true.shape} "
            f"and {y_pred.shape}."
        )
    check_consistent_length(y_true, y_pred)
    if y_true.size == 0:
        raise ValueError(f"{function} needs at least one sample; got none.")
    for values, what in ((y_true, "targets"), (y_pred, "predictions")):
        bad = ~np.isfinite(values)
        if bad.any():
            raise ValueError(
                f"{function}: {int(bad.sum())} of {values.size} {what} are NaN or infinite "
                f"(first at position {int(np.flatnonzero(bad)[0])}); a score of them "
                "would be NaN. A law that failed to fit, or overflows there, predicts so."
            )
        if np.any(values <= 0):
            raise ValueError(
                f"{function} compares logarithms and needs {what} > 0; got "
                f"min = {float(values.min())!r} ({int(np.sum(values <= 0))} of "
                f"{values.size} not positive). Use a linear-space score (e.g. "
                "'neg_root_mean_squared_error') for targets that are not positive."
            )
    return np.log(y_true), np.log(y_pred)


def root_mean_squared_log_error(y_true, y_pred, *, sample_weight=None):
    """Root mean squared error of ``log(y_pred)`` against ``log(y_true)`` (RMSLE).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Positive targets.
    y_pred : array-like of shape (n_samples,)
        Positive predictions.
    sample_weight : array-like of shape (n_samples,), default=None

    Returns
    -------
    rmsle : float
        ``sqrt(sum(w * (log y_pred - log y_true)**2) / sum(w))``, 0 for a perfect
        prediction; about the relative error for small errors.

    Raises
    ------
    ValueError
        If a target or prediction is NaN, infinite or not positive.

    Examples
    --------
    >>> from sklearn_scaling.metrics import root_mean_squared_log_error
    >>> round(root_mean_squared_log_error([1.0, 2.0], [1.0, 2.0]), 6)
    0.0
    >>> round(root_mean_squared_log_error([1.0], [1.1]), 4)  # about 10% off
    0.0953
    """
    log_true, log_pred = _log_pair(y_true, y_pred, "root_mean_squared_log_error")
    weight = _check_sample_weight(sample_weight, log_true, dtype=np.float64)
    return float(np.sqrt(np.average((log_pred - log_true) ** 2, weights=weight)))


def r2_log_score(y_true, y_pred, *, sample_weight=None):
    """Coefficient of determination (R^2) of ``log y``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Positive targets.
    y_pred : array-like of shape (n_samples,)
        Positive predictions.
    sample_weight : array-like of shape (n_samples,), default=None

    Returns
    -------
    r2 : float
        ``1 - SS_res / SS_tot`` of the logarithms: 1 is perfect, 0 is as good as the
        mean of ``log y_true``. With constant targets it is 1 for a perfect
        prediction and 0 otherwise, as :func:`sklearn.metrics.r2_score`.

    Raises
    ------
    ValueError
        If a target or prediction is NaN, infinite or not positive.

    Examples
    --------
    >>> from sklearn_scaling.metrics import r2_log_score
    >>> r2_log_score([1.0, 10.0, 100.0], [1.0, 10.0, 100.0])
    1.0
    """
    from sklearn.metrics import r2_score

    log_true, log_pred = _log_pair(y_true, y_pred, "r2_log_score")
    return float(r2_score(log_true, log_pred, sample_weight=sample_weight))


#: Scorer of ``-RMSLE`` (greater is better, as every scikit-learn scorer).
NEG_RMSLE_SCORER = make_scorer(root_mean_squared_log_error, greater_is_better=False)
#: Scorer of :func:`r2_log_score`.
R2_LOG_SCORER = make_scorer(r2_log_score)

#: This package's scorer names.
SCORERS = {"neg_rmsle": NEG_RMSLE_SCORER, "r2_log": R2_LOG_SCORER}


def get_scorer(scoring):
    """The scorer named ``scoring``: this package's names, then scikit-learn's.

    Parameters
    ----------
    scoring : str, callable or None
        ``'neg_rmsle'`` or ``'r2_log'`` (this package), any name of
        :func:`sklearn.metrics.get_scorer_names`, or a scorer callable
        ``scorer(estimator, X, y)`` (returned as is).

    Returns
    -------
    scorer : callable

    Raises
    ------
    ValueError
        For an unknown name; the message lists this package's names.

    Examples
    --------
    >>> from sklearn_scaling.metrics import get_scorer
    >>> get_scorer("neg_rmsle")
    make_scorer(root_mean_squared_log_error, greater_is_better=False, response_method='predict')
    >>> get_scorer("r2")
    make_scorer(r2_score, response_method='predict')
    """
    if isinstance(scoring, str):
        if scoring in SCORERS:
            return SCORERS[scoring]
        try:
            return _sklearn_get_scorer(scoring)
        except ValueError as exc:
            raise ValueError(
                f"{scoring!r} is not a scorer name of sklearn_scaling ({sorted(SCORERS)}) "
                f"nor of scikit-learn: {exc}"
            ) from None
    return _sklearn_get_scorer(scoring)
