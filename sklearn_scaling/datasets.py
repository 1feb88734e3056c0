"""Synthetic scaling-law data and loaders for three real data sets.

The generators draw data from the package's own laws at known parameters, so examples
and tests can check that an estimator recovers them; they are the package's default
data. The loaders read real CSV files (``easy_question.csv``, ``lr_bsz.csv`` and
``data_constrained.csv``, whose columns each loader's docstring lists) from a path the
caller gives: the package never ships those files.

The loaders read through the package's one CSV reader (the command line's too), built
on the standard-library :mod:`csv` module, so pandas stays an optional extra; when it is
importable they also return the rows as a DataFrame.
"""

import numbers

import numpy as np
from sklearn.utils import Bunch, check_random_state

from . import laws
from ._csv import read_csv

__all__ = [
    "DEFAULT_DOUBLE_DESCENT_PARAMS",
    "DEFAULT_LOG_POWER_PARAMS",
    "LAW_DEFAULT_PARAMS",
    "load_learning_curves",
    "make_broken_power_law",
    "make_chinchilla",
    "make_data_constrained",
    "make_double_descent",
    "make_kaplan",
    "make_learning_curve",
    "make_lr_bsz_sweep",
    "make_mixture_of_experts",
    "make_power_law",
    "make_rectified",
    "make_vocabulary",
    "load_data_constrained",
    "load_easy_question",
    "load_lr_bsz",
]

#: Default raw parameters of :func:`make_double_descent`, in
#: :data:`~sklearn_scaling.laws.DOUBLE_DESCENT_PARAMS` order: a score that starts at
#: -0.6, rises by 0.35 and then falls by 0.5 around log10 compute 1, peaking near -0.47
#: at x = 0.8 and settling at -0.75. Every value lies in [-1, 0], like a negated
#: Brier score.
DEFAULT_DOUBLE_DESCENT_PARAMS = np.array(
    [
        -0.6,
        float(laws.inverse_softplus(0.35)),
        float(laws.inverse_softplus(0.5)),
        1.0,
        float(laws.inverse_softplus(0.35)),
        float(laws.inverse_softplus(0.8)),
    ]
)
DEFAULT_DOUBLE_DESCENT_PARAMS.flags.writeable = False

#: Default parameters of :func:`make_lr_bsz_sweep`, in
#: :data:`~sklearn_scaling.laws.LOG_POWER_PARAMS` order. All lie inside seed 001's
#: bounds. Over the generator's sampling box the law spans about 2.1 to 3.3 (median
#: about 2.55, close to the real sweep's 2.1 to 3.2); data size moves the loss by about
#: 0.28, model size by 0.24, batch size by 0.15 and the learning-rate bowl by up to 0.55.
DEFAULT_LOG_POWER_PARAMS = np.array([4.4, -0.01, 1.5, -0.012, 1.5, 0.05, 3e-3, 0.03, 1.0, 0.003])
DEFAULT_LOG_POWER_PARAMS.flags.writeable = False

# Sampling box of make_lr_bsz_sweep, chosen to cover the real sweep in lr_bsz.csv.
_LR_RANGE = (2e-4, 2e-2)
_BSZ_RANGE = (32, 4096)
_DATA_RANGE = (2e9, 1e11)
_PARAM_RANGE = (5e7, 1e9)

# Per-column offsets of b0 and c0 for multi-target double-descent data: large enough
# that the columns are different laws, small enough that every bump stays inside the
# default x_range.
_B0_SPREAD = 0.1
_C0_SPREAD = 0.3


# --------------------------------------------------------------------------- generators


def _check_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    return int(value)


def _check_real(value, name, low=None, high=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite real number; got {value!r}.")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"in [{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be {bounds}; got {value!r}.")
    return float(value)


def _check_noise_args(n_samples, noise, outlier_fraction, outlier_scale):
    n_samples = _check_int(n_samples, "n_samples", 1)
    noise = _check_real(noise, "noise", low=0.0)
    outlier_fraction = _check_real(outlier_fraction, "outlier_fraction", low=0.0, high=1.0)
    outlier_scale = _check_real(outlier_scale, "outlier_scale", low=0.0)
    return n_samples, noise, outlier_fraction, outlier_scale


def _corrupt(y_clean, noise, outlier_fraction, outlier_scale, rng):
    # Noise is drawn before the outlier rows so that changing outlier_fraction leaves
    # the noise of every other row unchanged for a given random_state.
    y = y_clean + noise * rng.standard_normal(y_clean.shape)
    n_samples = y_clean.shape[0]
    n_outliers = int(round(outlier_fraction * n_samples))
    if n_outliers:
        rows = rng.choice(n_samples, size=n_outliers, replace=False)
        signs = rng.choice(np.array([-1.0, 1.0]), size=n_outliers)
        shift = signs * outlier_scale
        # A whole row is an outlier (a bad run), so every target in it moves together.
        y[rows] += shift if y.ndim == 1 else shift[:, None]
    return y


def _log_uniform(rng, bounds, size):
    low, high = bounds
    return np.exp(rng.uniform(np.log(low), np.log(high), size=size))


def make_double_descent(
    n_samples=120,
    *,
    params=None,
    noise=0.02,
    outlier_fraction=0.0,
    outlier_scale=0.3,
    x_range=(-1.0, 3.0),
    n_targets=1,
    random_state=None,
    return_params=False,
):
    """Generate U-shaped (double-descent) data from :func:`~sklearn_scaling.laws.double_descent`.

    ``X`` is log10 compute drawn uniformly from ``x_range`` (not sorted); ``y`` is the
    law at the true parameters plus Gaussian noise, and a fraction of the rows get an
    extra shift of ``+outlier_scale`` or ``-outlier_scale``.

    Parameters
    ----------
    n_samples : int, default=120
        Number of rows.
    params : array-like of shape (6,) or (n_targets, 6), default=None
        Raw true parameters ``[b0, A_up_raw, A_dn_raw, c0, s_raw, k_raw]``. ``None``
        uses :data:`DEFAULT_DOUBLE_DESCENT_PARAMS`; with ``n_targets > 1`` its ``b0`` and
        ``c0`` are then shifted per column (by up to 0.1 and 0.3) so that each column
        follows a different law. A 1-D ``params`` with ``n_targets > 1`` is used for
        every column unchanged.
    noise : float, default=0.02
        Standard deviation of the Gaussian noise added to ``y``.
    outlier_fraction : float, default=0.0
        Fraction of the rows, in [0, 1], that are shifted; ``round(outlier_fraction *
        n_samples)`` rows, chosen without replacement.
    outlier_scale : float, default=0.3
        Size of the outlier shift; each outlier row's sign is random.
    x_range : tuple of float, default=(-1.0, 3.0)
        ``(low, high)`` of the uniform distribution of log10 compute.
    n_targets : int, default=1
        Number of target columns, each with its own law.
    random_state : int, RandomState instance or None, default=None
        Seed for reproducible output; see :term:`Glossary <random_state>`.
    return_params : bool, default=False
        Also return the true parameters.

    Returns
    -------
    X : ndarray of shape (n_samples, 1)
        log10 compute.
    y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        Targets; 1-D when ``n_targets == 1``.
    params : ndarray of shape (6,) or (n_targets, 6)
        The true raw parameters, only when ``return_params=True``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_scaling.datasets import make_double_descent
    >>> from sklearn_scaling.laws import double_descent
    >>> X, y, params = make_double_descent(50, noise=0.0, random_state=0, return_params=True)
    >>> X.shape, y.shape, params.shape
    ((50, 1), (50,), (6,))
    >>> bool(np.all(y == double_descent(X, params)))
    True
    >>> X, Y = make_double_descent(50, n_targets=3, random_state=0)
    >>> Y.shape
    (50, 3)
    """
    n_samples, noise, outlier_fraction, outlier_scale = _check_noise_args(
        n_samples, noise, outlier_fraction, outlier_scale
    )
    n_targets = _check_int(n_targets, "n_targets", 1)
    try:
        low, high = (float(v) for v in x_range)
    except (TypeError, ValueError):
        raise ValueError(
            f"x_range must be a pair of numbers (low, high); got {x_range!r}."
        ) from None
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"x_range must be finite with low < high; got {x_range!r}.")

    if params is None:
        true_params = np.tile(DEFAULT_DOUBLE_DESCENT_PARAMS, (n_targets, 1))
        if n_targets > 1:
            offsets = np.linspace(-1.0, 1.0, n_targets)
            true_params[:, 0] += _B0_SPREAD * offsets
            true_params[:, 3] += _C0_SPREAD * offsets
    else:
        true_params = np.asarray(params, dtype=float)
        if true_params.shape == (6,):
            true_params = np.tile(true_params, (n_targets, 1))
        elif true_params.shape != (n_targets, 6):
            raise ValueError(
                f"params must have shape (6,) or (n_targets, 6) = ({n_targets}, 6); "
                f"got {true_params.shape}."
            )
    if n_targets == 1:
        true_params = true_params[0]

    rng = check_random_state(random_state)
    X = rng.uniform(low, high, size=(n_samples, 1))
    y = _corrupt(laws.double_descent(X, true_params), noise, outlier_fraction, outlier_scale, rng)
    if return_params:
        return X, y, true_params
    return X, y


def make_lr_bsz_sweep(
    n_samples=400,
    *,
    params=None,
    noise=0.01,
    outlier_fraction=0.0,
    outlier_scale=0.5,
    random_state=None,
    return_params=False,
):
    """Generate a learning-rate / batch-size sweep from :func:`~sklearn_scaling.laws.log_power`.

    The four columns of ``X`` are drawn independently and log-uniformly: learning rate
    in [2e-4, 2e-2], batch size in [32, 4096] (rounded to integers), data size in [2e9,
    1e11] tokens and non-embedding parameters in [5e7, 1e9], a box that covers the
    real sweep in ``lr_bsz.csv``. ``y`` is the law (a final language-model loss) plus
    Gaussian noise, and a fraction of the rows get an extra shift of
    ``+outlier_scale`` or ``-outlier_scale``.

    Parameters
    ----------
    n_samples : int, default=400
        Number of runs.
    params : array-like of shape (10,), default=None
        True ``[a, b, alpha, c, beta, d, lr_opt, e, gamma, interaction]``; ``None`` uses
        :data:`DEFAULT_LOG_POWER_PARAMS`, which keep the clean loss between about 2.1
        and 3.3 over the sampling box.
    noise : float, default=0.01
        Standard deviation of the Gaussian noise added to ``y``.
    outlier_fraction : float, default=0.0
        Fraction of the rows, in [0, 1], that are shifted; ``round(outlier_fraction *
        n_samples)`` rows, chosen without replacement.
    outlier_scale : float, default=0.5
        Size of the outlier shift; each outlier row's sign is random.
    random_state : int, RandomState instance or None, default=None
        Seed for reproducible output; see :term:`Glossary <random_state>`.
    return_params : bool, default=False
        Also return the true parameters.

    Returns
    -------
    X : ndarray of shape (n_samples, 4)
        Learning rate, batch size, data size, non-embedding parameters.
    y : ndarray of shape (n_samples,)
        Loss.
    params : ndarray of shape (10,)
        The true parameters, only when ``return_params=True``.

    Examples
    --------
    >>> from sklearn_scaling.datasets import make_lr_bsz_sweep
    >>> X, y = make_lr_bsz_sweep(200, random_state=0)
    >>> X.shape, y.shape
    ((200, 4), (200,))
    >>> bool(1.5 < y.min() and y.max() < 4.5)
    True
    """
    n_samples, noise, outlier_fraction, outlier_scale = _check_noise_args(
        n_samples, noise, outlier_fraction, outlier_scale
    )
    if params is None:
        true_params = DEFAULT_LOG_POWER_PARAMS.copy()
    else:
        true_params = np.asarray(params, dtype=float)
        if true_params.shape != (10,):
            raise ValueError(f"params must have shape (10,); got {true_params.shape}.")
        if not true_params[6] > 0:
            raise ValueError(f"lr_opt (params[6]) must be > 0; got {true_params[6]!r}.")

    rng = check_random_state(random_state)
    X = np.column_stack(
        [
            _log_uniform(rng, _LR_RANGE, n_samples),
            np.round(_log_uniform(rng, _BSZ_RANGE, n_samples)),
            _log_uniform(rng, _DATA_RANGE, n_samples),
            _log_uniform(rng, _PARAM_RANGE, n_samples),
        ]
    )
    y = _corrupt(laws.log_power(X, true_params), noise, outlier_fraction, outlier_scale, rng)
    if return_params:
        return X, y, true_params
    return X, y


#: True parameters of the generators of the law library, by law name. Chinchilla's are
#: Besiroglu et al.'s (2024) replication of Hoffmann et al.; data-constrained's are
#: Muennighoff et al.'s (2023) fit.
LAW_DEFAULT_PARAMS = {
    "chinchilla": {"E": 1.82, "A": 482.0, "B": 2085.0, "alpha": 0.348, "beta": 0.366},
    "data_constrained": {
        "E": 1.87,
        "A": 521.0,
        "B": 1488.0,
        "alpha": 0.353,
        "beta": 0.353,
        "R_D_star": 15.4,
        "R_N_star": 5.3,
    },
    "power_law": {"E": 1.7, "A": 20.0, "alpha": 0.3},
    "broken_power_law": {"a": 1.0, "b": 5.0, "c0": 0.1, "c1": 0.3, "d1": 1e8, "f1": 0.5},
    "rectified": {"B": 300.0, "E": 1.5, "D_l": 50.0, "beta": 0.5},
    # Kaplan et al.'s (2020) fit, eq. (1.5).
    "kaplan": {"N_c": 8.8e13, "D_c": 5.4e13, "alpha_N": 0.076, "alpha_D": 0.095},
    # Illustrative values of the size of Tao et al.'s (2024) unigram-normalised losses:
    # every term matters over the default ranges and the loss stays below 0.
    "vocabulary": {
        "E": 4.5,
        "A1": 250.0,
        "A2": 18.0,
        "B": 1000.0,
        "alpha1": 0.3,
        "alpha2": 0.4,
        "beta": 0.3,
    },
    # Close to Clark et al.'s (2022) S-BASE fit (log10 loss): experts help less as the
    # dense model grows (c > 0).
    "mixture_of_experts": {"a": -0.082, "b": -0.108, "c": 0.009, "d": 1.104},
    # A learning curve from near the random-guess loss 0.9 down towards 0.2 over the
    # default range of examples seen.
    "learning_curve": {"E": 0.2, "E0": 0.9, "a": 0.8, "b": 800.0, "c": 0.4},
}


def _law_targets(name, X, params, noise, rng, return_params):
    """Targets of registered law ``name`` at ``X`` with multiplicative log-normal noise.

    Losses are positive and their run-to-run noise is relative, so ``noise`` is the
    standard deviation of ``log y`` around the law (0.01: about 1%).
    """
    law = laws.get_law(name)
    unknown = sorted(set(params or {}) - set(law.parameters))
    if unknown:
        raise ValueError(f"params names unknown parameters {unknown} of law {name!r}.")
    true_params = {**LAW_DEFAULT_PARAMS[name], **(params or {})}
    noise = _check_real(noise, "noise", low=0.0)
    y = law(X, true_params) * np.exp(noise * rng.standard_normal(X.shape[0]))
    if return_params:
        return X, y, true_params
    return X, y


def _check_range(value, name):
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a (low, high) pair; got {value!r}.") from None
    if not 0 < low < high < np.inf:
        raise ValueError(f"{name} must satisfy 0 < low < high < inf; got {value!r}.")
    return low, high


def make_chinchilla(
    n_samples=240,
    *,
    params=None,
    noise=0.01,
    param_range=(7e7, 1.6e10),
    compute_range=(6e18, 3e21),
    return_params=False,
    random_state=None,
):
    """Runs drawn from the Chinchilla law: loss of ``N`` parameters trained on ``D`` tokens.

    Shaped like the public replication of Hoffmann et al.'s approach 3: model sizes and
    training compute ``6 N D`` log-uniform in their ranges.

    Parameters
    ----------
    n_samples : int, default=240
    params : dict or None, default=None
        Overrides of :data:`LAW_DEFAULT_PARAMS` ``['chinchilla']``.
    noise : float, default=0.01
        Standard deviation of ``log(loss)`` around the law.
    param_range, compute_range : (float, float)
        Ranges of ``N`` and of ``6 N D``.
    return_params : bool, default=False
        Also return the true parameters.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        ``N`` and ``D``.
    y : ndarray of shape (n_samples,)
    params : dict
        Only when ``return_params``.

    Examples
    --------
    >>> from sklearn_scaling.datasets import make_chinchilla
    >>> X, y = make_chinchilla(n_samples=5, random_state=0)
    >>> X.shape, bool((y > 1.82).all())
    ((5, 2), True)
    """
    n_samples = _check_int(n_samples, "n_samples", 1)
    rng = check_random_state(random_state)
    n_params = _log_uniform(rng, _check_range(param_range, "param_range"), n_samples)
    compute = _log_uniform(rng, _check_range(compute_range, "compute_range"), n_samples)
    X = np.column_stack([n_params, compute / (6.0 * n_params)])
    return _law_targets("chinchilla", X, params, noise, rng, return_params)


def make_data_constrained(
    n_samples=180,
    *,
    params=None,
    noise=0.01,
    param_range=(1e7, 9e9),
    unique_range=(1e8, 1e11),
    epoch_range=(1.0, 500.0),
    return_params=False,
    random_state=None,
):
    """Runs drawn from the data-constrained law: ``N`` parameters, ``D`` tokens, ``U`` unique.

    Parameters
    ----------
    n_samples : int, default=180
    params : dict or None, default=None
        Overrides of :data:`LAW_DEFAULT_PARAMS` ``['data_constrained']``.
    noise : float, default=0.01
        Standard deviation of ``log(loss)`` around the law.
    param_range, unique_range, epoch_range : (float, float)
        Log-uniform ranges of ``N``, ``U`` and the epochs ``D / U``.
    return_params : bool, default=False
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 3)
        ``N``, ``D`` and ``U`` (``D >= U``).
    y : ndarray of shape (n_samples,)
    params : dict
        Only when ``return_params``.

    Examples
    --------
    >>> from sklearn_scaling.datasets import make_data_constrained
    >>> X, y = make_data_constrained(n_samples=4, random_state=0)
    >>> X.shape, bool((X[:, 1] >= X[:, 2]).all())
    ((4, 3), True)
    """
    n_samples = _check_int(n_samples, "n_samples", 1)
    rng = check_random_state(random_state)
    n_params = _log_uniform(rng, _check_range(param_range, "param_range"), n_samples)
    unique = _log_uniform(rng, _check_range(unique_range, "unique_range"), n_samples)
    low, high = _check_range(epoch_range, "epoch_range")
    if low < 1:
        raise ValueError(f"epoch_range must start at 1 or more; got {epoch_range!r}.")
    epochs = _log_uniform(rng, (low, high), n_samples) if high > low else np.full(n_samples, low)
    X = np.column_stack([n_params, unique * epochs, unique])
    return _law_targets("data_constrained", X, params, noise, rng, return_params)


def _make_one_scale(name, n_samples, params, noise, x_range, return_params, random_state):
    n_samples = _check_int(n_samples, "n_samples", 1)
    rng = check_random_state(random_state)
    x = _log_uniform(rng, _check_range(x_range, "x_range"), n_samples)
    return _law_targets(name, x[:, None], params, noise, rng, return_params)


def make_power_law(
    n_samples=100,
    *,
    params=None,
    noise=0.01,
    x_range=(1e3, 1e9),
    return_params=False,
    random_state=None,
):
    """Points drawn from ``E + A x**-alpha`` with ``x`` log-uniform in ``x_range``.

    Parameters
    ----------
    n_samples : int, default=100
    params : dict or None, default=None
        Overrides of :data:`LAW_DEFAULT_PARAMS` ``['power_law']``.
    noise : float, default=0.01
        Standard deviation of ``log(y)`` around the law.
    x_range : (float, float), default=(1e3, 1e9)
    return_params : bool, default=False
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 1)
    y : ndarray of shape (n_samples,)
    params : dict
        Only when ``return_params``.

    Examples
    --------
    >>> from sklearn_scaling.datasets import make_power_law
    >>> X, y, true = make_power_law(n_samples=3, return_params=True, random_state=0)
    >>> X.shape, true["alpha"]
    ((3, 1), 0.3)
    """
    return _make_one_scale(
        "power_law", n_samples, params, noise, x_range, return_params, random_state
    )


def make_broken_power_law(
    n_samples=150,
    *,
    params=None,
    noise=0.01,
    x_range=(1e5, 1e11),
    return_params=False,
    random_state=None,
):
    """Points drawn from Caballero et al.'s broken power law with one break.

    Parameters
    ----------
    n_samples : int, default=150
    params : dict or None, default=None
        Overrides of :data:`LAW_DEFAULT_PARAMS` ``['broken_power_law']``: by default
        the exponent steepens from 0.1 to 0.4 around ``x = 1e8``.
    noise : float, default=0.01
        Standard deviation of ``log(y)`` around the law.
    x_range : (float, float), default=(1e5, 1e11)
    return_params : bool, default=False
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 1)
    y : ndarray of shape (n_samples,)
    params : dict
        Only when ``return_params``.

    Examples
    --------
    >>> from sklearn_scaling.datasets import make_broken_power_law
    >>> make_broken_power_law(n_samples=3, random_state=0)[0].shape
    (3, 1)
    """
    return _make_one_scale(
        "broken_power_law", n_samples, params, noise, x_range, return_params, random_state
    )


def make_rectified(
    n_samples=100,
    *,
    params=None,
    noise=0.01,
    x_range=(1e2, 1e8),
    return_params=False,
    random_state=None,
):
    """Fine-tuning losses drawn from the rectified law ``B / (D_l + D**beta) + E``.

    Parameters
    ----------
    n_samples : int, default=100
    params : dict or None, default=None
        Overrides of :data:`LAW_DEFAULT_PARAMS` ``['rectified']``.
    noise : float, default=0.01
        Standard deviation of ``log(y)`` around the law.
    x_range : (float, float), default=(1e2, 1e8)
        Range of fine-tuning tokens ``D``.
    return_params : bool, default=False
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 1)
    y : ndarray of shape (n_samples,)
    params : dict
        Only when ``return_params``.

    Examples
    --------
    >>> from sklearn_scaling.datasets import make_rectified
    >>> X, y = make_rectified(n_samples=3, random_state=0)
    >>> bool((y > 1.4).all())
    True
    """
    return _make_one_scale(
        "rectified", n_samples, params, noise, x_range, return_params, random_state
    )


def make_learning_curve(
    n_samples=60,
    *,
    params=None,
    noise=0.01,
    x_range=(1e6, 1e10),
    return_params=False,
    random_state=None,
):
    """A learning curve drawn from Alabdulmohsin et al.'s M4 (the ``learning_curve`` law).

    ``x`` (examples seen) is log-uniform in ``x_range``; by default the loss falls from
    near the random-guess loss ``E0 = 0.9`` through a power law towards ``E = 0.2``.

    Parameters
    ----------
    n_samples : int, default=60
    params : dict or None, default=None
        Overrides of :data:`LAW_DEFAULT_PARAMS` ``['learning_curve']``.
    noise : float, default=0.01
        Standard deviation of ``log(y)`` around the law.
    x_range : (float, float), default=(1e6, 1e10)
    return_params : bool, default=False
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 1)
    y : ndarray of shape (n_samples,)
    params : dict
        Only when ``return_params``.

    Examples
    --------
    >>> from sklearn_scaling.datasets import make_learning_curve
    >>> X, y = make_learning_curve(n_samples=50, noise=0.0, random_state=0)
    >>> bool(((0.2 < y) & (y < 0.9)).all())
    True
    """
    return _make_one_scale(
        "learning_curve", n_samples, params, noise, x_range, return_params, random_state
    )


def make_kaplan(
    n_samples=200,
    *,
    params=None,
    noise=0.01,
    param_range=(1e6, 1e10),
    token_range=(1e7, 1e11),
    return_params=False,
    random_state=None,
):
    """Runs drawn from Kaplan et al.'s law ``L(N, D)``: ``N`` parameters, ``D`` tokens.

    Both log-uniform and independent, as in Kaplan et al.'s sweep of model and data
    size (early-stopped runs), so both terms of the law matter.

    Parameters
    ----------
    n_samples : int, default=200
    params : dict or None, default=None
        Overrides of :data:`LAW_DEFAULT_PARAMS` ``['kaplan']`` (Kaplan et al.'s fit).
    noise : float, default=0.01
        Standard deviation of ``log(loss)`` around the law.
    param_range, token_range : (float, float)
        Ranges of ``N`` and ``D``.
    return_params : bool, default=False
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        ``N`` and ``D``.
    y : ndarray of shape (n_samples,)
    params : dict
        Only when ``return_params``.

    Examples
    --------
    >>> from sklearn_scaling.datasets import make_kaplan
    >>> X, y = make_kaplan(n_samples=5, random_state=0)
    >>> X.shape, bool((y > 1.5).all())
    ((5, 2), True)
    """
    n_samples = _check_int(n_samples, "n_samples", 1)
    rng = check_random_state(random_state)
    n_params = _log_uniform(rng, _check_range(param_range, "param_range"), n_samples)
    tokens = _log_uniform(rng, _check_range(token_range, "token_range"), n_samples)
    X = np.column_stack([n_params, tokens])
    return _law_targets("kaplan", X, params, noise, rng, return_params)


def make_vocabulary(
    n_samples=200,
    *,
    params=None,
    noise=0.01,
    param_range=(3e7, 3e9),
    vocabulary_range=(4096.0, 131072.0),
    token_range=(1e9, 1e11),
    return_params=False,
    random_state=None,
):
    """Runs drawn from Tao et al.'s vocabulary law: ``N``, vocabulary ``V`` and data ``D``.

    Each feature log-uniform and independent. The targets are unigram-normalised losses,
    which are negative: fit them with ``target_space='linear'``.

    Parameters
    ----------
    n_samples : int, default=200
    params : dict or None, default=None
        Overrides of :data:`LAW_DEFAULT_PARAMS` ``['vocabulary']``.
    noise : float, default=0.01
        Standard deviation of ``log(-loss)`` around the law: a relative noise.
    param_range, vocabulary_range, token_range : (float, float)
        Ranges of the non-vocabulary parameters ``N``, of ``V`` and of ``D``.
    return_params : bool, default=False
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 3)
        ``N``, ``V`` and ``D``.
    y : ndarray of shape (n_samples,)
    params : dict
        Only when ``return_params``.

    Examples
    --------
    >>> from sklearn_scaling.datasets import make_vocabulary
    >>> X, y = make_vocabulary(n_samples=5, random_state=0)
    >>> X.shape, bool((y < 0).all())
    ((5, 3), True)
    """
    n_samples = _check_int(n_samples, "n_samples", 1)
    rng = check_random_state(random_state)
    n_params = _log_uniform(rng, _check_range(param_range, "param_range"), n_samples)
    vocab = _log_uniform(rng, _check_range(vocabulary_range, "vocabulary_range"), n_samples)
    tokens = _log_uniform(rng, _check_range(token_range, "token_range"), n_samples)
    X = np.column_stack([n_params, vocab, tokens])
    return _law_targets("vocabulary", X, params, noise, rng, return_params)


def make_mixture_of_experts(
    n_samples=120,
    *,
    params=None,
    noise=0.01,
    param_range=(1.5e7, 1.3e9),
    max_experts=512,
    return_params=False,
    random_state=None,
):
    """Routed language models drawn from Clark et al.'s law: dense size ``N``, ``E`` experts.

    ``N`` is log-uniform in ``param_range`` and ``E`` a power of two from 1 (the dense
    model) to ``max_experts``, as in Clark et al.'s sweep.

    Parameters
    ----------
    n_samples : int, default=120
    params : dict or None, default=None
        Overrides of :data:`LAW_DEFAULT_PARAMS` ``['mixture_of_experts']``.
    noise : float, default=0.01
        Standard deviation of ``log(loss)`` around the law.
    param_range : (float, float), default=(1.5e7, 1.3e9)
    max_experts : int, default=512
        The largest number of experts; the others are the powers of two below it.
    return_params : bool, default=False
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        ``N`` and ``E``.
    y : ndarray of shape (n_samples,)
    params : dict
        Only when ``return_params``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_scaling.datasets import make_mixture_of_experts
    >>> X, y = make_mixture_of_experts(n_samples=50, random_state=0)
    >>> bool(set(np.log2(X[:, 1])) <= set(range(10)))
    True
    """
    n_samples = _check_int(n_samples, "n_samples", 1)
    max_experts = _check_int(max_experts, "max_experts", 1)
    rng = check_random_state(random_state)
    n_params = _log_uniform(rng, _check_range(param_range, "param_range"), n_samples)
    experts = 2.0 ** rng.randint(0, int(np.log2(max_experts)) + 1, size=n_samples)
    X = np.column_stack([n_params, experts])
    return _law_targets("mixture_of_experts", X, params, noise, rng, return_params)


# ------------------------------------------------------------------------------ loaders


def _read_columns(path, kinds):
    """``{name: array}`` of a data file's columns, read through the package's one CSV
    reader (see :mod:`._csv`): ``kinds`` maps each required name to ``float`` or ``str``."""
    table = read_csv(path)
    table.require(kinds)
    # Numbers keep whatever ``float`` reads, 'nan' included, as the loaders always have.
    return {
        name: table.numbers(name, finite=False)
        if kind is float
        else np.array(table.column(name), dtype=str)
        for name, kind in kinds.items()
    }


def _frame(columns):
    # pandas is an optional extra: without it the loaders still work, minus the frame.
    try:
        import pandas as pd
    except ImportError:
        return None
    return pd.DataFrame(columns)


def load_easy_question(path):
    """Load the U-shaped ``easy_question.csv`` data set.

    Each row is one model on one benchmark task: log10 of its training compute (in
    units of 1e21 FLOPs) and the negated Brier score of the easiest third of the
    task's questions (higher is better, values are negative). A law is meant to be fit
    per ``group`` on the ``train`` rows and scored on the ``test`` rows.

    Parameters
    ----------
    path : str or os.PathLike
        Path to the CSV file, with columns ``group``, ``model``, ``log_flops``,
        ``brier_score`` and ``split`` (others are ignored).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With ``X`` (ndarray of shape (n, 1), log_flops), ``y`` (ndarray of shape (n,),
        brier_score), ``split``, ``group`` and ``model`` (ndarrays of str),
        ``feature_names`` (``["log_flops"]``), ``target_name`` (``"brier_score"``) and
        ``frame`` (a pandas DataFrame of these columns, or ``None`` when pandas is not
        installed).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist (:class:`IsADirectoryError` if it is a folder).
    ValueError
        If the file is empty, lacks a required column, or holds a non-numeric value
        in a numeric column (the message gives the line, counting the header as 1).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from sklearn_scaling.datasets import load_easy_question
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = pathlib.Path(tmp.name) / "easy_question.csv"
    >>> _ = path.write_text(
    ...     "group,model,log_flops,brier_score,split\\n"
    ...     "arc,small,-0.5,-0.31,train\\n"
    ...     "arc,large,2.5,-0.01,test\\n"
    ... )
    >>> data = load_easy_question(path)
    >>> data.X.shape, data.y.tolist(), data.split.tolist()
    ((2, 1), [-0.31, -0.01], ['train', 'test'])
    >>> tmp.cleanup()
    """
    columns = _read_columns(
        path, {"group": str, "model": str, "log_flops": float, "brier_score": float, "split": str}
    )
    return Bunch(
        X=columns["log_flops"][:, None],
        y=columns["brier_score"],
        split=columns["split"],
        group=columns["group"],
        model=columns["model"],
        feature_names=["log_flops"],
        target_name="brier_score",
        frame=_frame(columns),
    )


def load_lr_bsz(path, *, include_diverged=False):
    """Load the learning-rate / batch-size sweep ``lr_bsz.csv``.

    Each row is one pretraining run: its learning rate, batch size (sequences per
    step), training tokens, non-embedding parameter count and smoothed final loss. The
    benchmark fits on the ``train`` rows that did not diverge and scores on the
    ``test`` rows that did not diverge.

    Parameters
    ----------
    path : str or os.PathLike
        Path to the CSV file, with columns ``lr``, ``bsz``, ``data_size``,
        ``non_embedding_param_size``, ``lm_loss``, ``diverged`` and ``split`` (others,
        such as ``final_loss``, are ignored).
    include_diverged : bool, default=False
        Keep the runs with ``diverged == 1`` (smoothed loss above 4.0). By default they
        are dropped, as the benchmark does.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With ``X`` (ndarray of shape (n, 4): lr, bsz, data_size,
        non_embedding_param_size), ``y`` (lm_loss), ``split`` (ndarray of str),
        ``diverged`` (bool ndarray), ``feature_names``, ``target_name`` (``"lm_loss"``)
        and ``frame`` (a pandas DataFrame of these columns, or ``None`` when pandas is
        not installed).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist (:class:`IsADirectoryError` if it is a folder).
    ValueError
        If the file is empty, lacks a required column, or holds a non-numeric value
        in a numeric column (the message gives the line, counting the header as 1).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from sklearn_scaling.datasets import load_lr_bsz
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = pathlib.Path(tmp.name) / "lr_bsz.csv"
    >>> _ = path.write_text(
    ...     "lr,bsz,data_size,non_embedding_param_size,lm_loss,final_loss,diverged,split\\n"
    ...     "0.002,256,2e10,2e8,2.45,2.46,0,train\\n"
    ...     "0.02,256,2e10,2e8,7.10,7.20,1,train\\n"
    ... )
    >>> load_lr_bsz(path).X.shape
    (1, 4)
    >>> load_lr_bsz(path, include_diverged=True).diverged.tolist()
    [False, True]
    >>> tmp.cleanup()
    """
    feature_names = ["lr", "bsz", "data_size", "non_embedding_param_size"]
    kinds = {**dict.fromkeys(feature_names, float), "lm_loss": float, "diverged": float}
    columns = _read_columns(path, {**kinds, "split": str})
    columns["diverged"] = columns["diverged"] != 0
    if not include_diverged:
        columns = {name: values[~columns["diverged"]] for name, values in columns.items()}
    return Bunch(
        X=np.column_stack([columns[name] for name in feature_names]),
        y=columns["lm_loss"],
        split=columns["split"],
        diverged=columns["diverged"],
        feature_names=feature_names,
        target_name="lm_loss",
        frame=_frame(columns),
    )


#: Fraction of the data-constrained runs, by training compute, in the ``train`` split.
DATA_CONSTRAINED_TRAIN_FRACTION = 0.8


def load_data_constrained(path):
    """Load ``data_constrained.csv``: runs of Muennighoff et al. (2023) with repeated data.

    The source names its two token columns the other way round: ``unique_tokens``
    holds the total training tokens ``D`` and ``tokens`` the unique tokens ``U`` (the run
    ids say so: ``14m900b100m`` is 14M parameters trained on 900B tokens drawn from
    100M unique ones). This loader returns them by meaning, so ``D >= U`` in every row
    and ``D / U`` is the number of epochs.

    The ``split`` is the extrapolation split of the data's benchmark: runs sorted by
    training compute ``6 N D``, the lowest 80% ``train`` and the rest ``test``.

    Parameters
    ----------
    path : str or os.PathLike
        Path to the CSV file, with columns ``id``, ``params``, ``unique_tokens``,
        ``tokens`` and ``loss``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With ``X`` (ndarray of shape (n, 3): ``N``, ``D``, ``U``), ``y`` (loss),
        ``split`` and ``id`` (ndarrays of str), ``compute`` (``6 N D``),
        ``feature_names`` (``["N", "D", "U"]``), ``target_name`` (``"loss"``) and
        ``frame`` (a pandas DataFrame, or ``None`` without pandas).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist (:class:`IsADirectoryError` if it is a folder).
    ValueError
        If the file is empty, lacks a required column, or holds a non-numeric value.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from sklearn_scaling.datasets import load_data_constrained
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = pathlib.Path(tmp.name) / "data_constrained.csv"
    >>> _ = path.write_text(
    ...     "id,params,unique_tokens,tokens,loss\\n"
    ...     "a,1e8,4e9,1e9,3.1\\n"
    ...     "b,1e9,2e10,2e10,2.6\\n"
    ... )
    >>> data = load_data_constrained(path)
    >>> data.X[0].tolist(), data.split.tolist()
    ([100000000.0, 4000000000.0, 1000000000.0], ['train', 'test'])
    >>> tmp.cleanup()
    """
    columns = _read_columns(
        path, {"id": str, "params": float, "unique_tokens": float, "tokens": float, "loss": float}
    )
    ids, n_params, loss = columns["id"], columns["params"], columns["loss"]
    # Swapped in the source: see the docstring.
    total, unique = columns["unique_tokens"], columns["tokens"]
    compute = 6.0 * n_params * total
    rank = np.argsort(np.argsort(compute, kind="stable"), kind="stable")
    n_train = int(DATA_CONSTRAINED_TRAIN_FRACTION * len(ids))
    split = np.where(rank < n_train, "train", "test")
    frame = _frame(
        {"id": ids, "N": n_params, "D": total, "U": unique, "loss": loss, "split": split}
    )
    return Bunch(
        X=np.column_stack([n_params, total, unique]),
        y=loss,
        split=split,
        id=ids,
        compute=compute,
        feature_names=["N", "D", "U"],
        target_name="loss",
        frame=frame,
    )


def load_learning_curves(path):
    """Load ``learning_curves.csv``: public learning curves with their extrapolation split.

    The language curves of the learning-curve extrapolation benchmark of Alabdulmohsin,
    Neyshabur & Zhai (2022): one curve per ``(domain, task, model)``, its value
    (``loss``) against the training examples seen, and the benchmark's own split (fit
    on a curve's ``train`` rows, predict its ``test`` rows, at larger ``x``).

    Parameters
    ----------
    path : str or os.PathLike
        Path to the CSV file, with columns ``domain``, ``task``, ``model``,
        ``seen_examples``, ``loss`` and ``split``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With ``X`` (ndarray of shape (n, 1): examples seen), ``y`` (the curve's
        value), ``curve`` (ndarray of str ``'domain | task | model'``, one per
        curve), ``domain``, ``task``, ``model`` and ``split`` (ndarrays of str),
        ``feature_names`` (``["seen_examples"]``), ``target_name`` (``"loss"``) and
        ``frame`` (a pandas DataFrame, or ``None`` without pandas).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist (:class:`IsADirectoryError` if it is a folder).
    ValueError
        If the file is empty, lacks a required column, or holds a non-numeric value.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from sklearn_scaling.datasets import load_learning_curves
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = pathlib.Path(tmp.name) / "learning_curves.csv"
    >>> _ = path.write_text(
    ...     "domain,task,model,seen_examples,loss,split\\n"
    ...     "LM,val_loss,1e8,1000,0.5,train\\n"
    ...     "LM,val_loss,1e8,2000,0.4,test\\n"
    ... )
    >>> data = load_learning_curves(path)
    >>> data.X.ravel().tolist(), str(data.curve[0]), data.split.tolist()
    ([1000.0, 2000.0], 'LM | val_loss | 1e8', ['train', 'test'])
    >>> tmp.cleanup()
    """
    kinds = {"domain": str, "task": str, "model": str, "seen_examples": float, "loss": float}
    columns = _read_columns(path, {**kinds, "split": str})
    parts = (columns["domain"], columns["task"], columns["model"])
    columns = {"curve": np.array([" | ".join(p) for p in zip(*parts, strict=True)]), **columns}
    return Bunch(
        X=columns["seen_examples"][:, None],
        y=columns["loss"],
        **{name: columns[name] for name in ("curve", "domain", "task", "model", "split")},
        feature_names=["seen_examples"],
        target_name="loss",
        frame=_frame(columns),
    )
