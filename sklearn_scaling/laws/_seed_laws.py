"""The two seed laws as registered :class:`Law` declarations.

``DoubleDescentRegressor`` and ``LogPowerHyperparamRegressor`` fit these laws with the
seed programs' own objectives; :class:`~sklearn_scaling.ScalingLawRegressor` fits the
same functions with the generic objective of every law.
"""

import numpy as np

from ._base import Law, register_law
from ._seed import (
    LOG_POWER_PARAMS,
    _shape_sign,
    _sigmoid_derivatives,
    _sigmoids,
    double_descent_shape,
    log_power,
    log_power_jacobian,
)

__all__ = ["LOG_POWER_BOUNDS", "two_sigmoids", "log_power_law"]

#: Seed 001's bounds of the log-power law, by parameter.
LOG_POWER_BOUNDS = {
    "a": (1.5, 4.5),
    "b": (-0.5, 0.1),
    "alpha": (0.2, 2.5),
    "c": (-0.5, 0.1),
    "beta": (0.2, 2.5),
    "d": (0.0, 0.6),
    "lr_opt": (1e-4, 0.1),
    "e": (-0.3, 0.3),
    "gamma": (0.05, 2.0),
    "interaction": (-0.15, 0.15),
}


def two_sigmoids(X, b0, A_up, A_dn, c0, s_raw, k_raw):
    """Seed 000's double-descent law with its amplitudes as plain linear parameters.

    ``b0 + A_up sigmoid((x - c1) / s_left) - A_dn sigmoid((x - c2) / s_right)`` with
    the centres and widths of :func:`~sklearn_scaling.laws.double_descent_shape`
    (``c0``, ``s_raw``, ``k_raw``). Amplitudes of either sign give both the bump and the
    dip of :func:`~sklearn_scaling.laws.double_descent`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_scaling.laws import double_descent, softplus
    >>> x = np.array([[-1.0], [1.0], [3.0]])
    >>> raw = [-0.5, 0.0, 0.5, 1.0, -1.0, 0.0]
    >>> a_up, a_dn = softplus(0.0), softplus(0.5)
    >>> bool(np.allclose(two_sigmoids(x, -0.5, a_up, a_dn, 1.0, -1.0, 0.0),
    ...                  double_descent(x, raw)))
    True
    """
    columns = np.broadcast_arrays(b0, A_up, A_dn, c0, s_raw, k_raw)
    if columns[0].ndim == 0:
        shape = double_descent_shape([0.0, 0.0, 0.0, c0, s_raw, k_raw])
        sig_up, sig_dn = _sigmoids(X[:, 0], shape)
    else:
        # (k, 1) parameter columns (batched refits): k laws' centres and widths as
        # columns against x as a row, in one call instead of one call per law.
        raw = np.stack(columns, axis=-1).reshape(-1, 6)
        shape = {key: value[:, None] for key, value in double_descent_shape(raw).items()}
        sig_up, sig_dn = _sigmoids(X[None, :, 0], shape)
    return b0 + _shape_sign("bump") * (A_up * sig_up - A_dn * sig_dn)


def _two_sigmoids_jacobian(X, b0, A_up, A_dn, c0, s_raw, k_raw):
    """Analytic Jacobian of :func:`two_sigmoids`: (n, 6), or (k, n, 6) for (k, 1) columns.

    Without it the batched refits (bootstrap) differentiate the law numerically, which
    left 265 of 1,000 resamples of an easy_question group unconverged.
    """
    params = np.stack(np.broadcast_arrays(b0, A_up, A_dn, c0, s_raw, k_raw), axis=-1)
    raw = params.reshape(-1, 6)
    _, sig_up, sig_dn, d_up, d_dn = _sigmoid_derivatives(X, raw)
    jac = np.empty((*sig_up.shape, 6))
    jac[..., 0] = 1.0
    jac[..., 1] = sig_up
    jac[..., 2] = -sig_dn
    jac[..., 3:] = raw[:, [1], None] * d_up - raw[:, [2], None] * d_dn
    return jac[0] if params.ndim == 1 else jac


def _two_sigmoid_starts(X, y, sample_weight=None):
    from .._fitting._engine import weighted_quantile

    return {
        "c0": weighted_quantile(X[:, 0], [0.25, 0.5, 0.75], sample_weight),
        "s_raw": (-1.5, 0.0, 1.0),
        "k_raw": (-2.0, 0.5),
    }


#: The registry law's bounds: seed 001's on the nonlinear parameters, and only the sign
#: of the bowl's curvature on the linear ones. Seed 001's bounds on the linear
#: parameters are in nats (a loss of 1.5 to 4.5): they held the fit of ``1e-5 * y`` on
#: its bounds (R^2 -1.6e8) and left no finite start at ``1e5 * y``. Without them the
#: law scales with its linear part, so the fit of ``c * y`` is ``c`` times the fit of
#: ``y`` for every ``c > 0``. ``LogPowerHyperparamRegressor`` keeps seed 001's.
UNIT_FREE_LOG_POWER_BOUNDS = {
    **LOG_POWER_BOUNDS,
    "a": (-np.inf, np.inf),
    "b": (-np.inf, np.inf),
    "c": (-np.inf, np.inf),
    "d": (0.0, np.inf),
    "e": (-np.inf, np.inf),
    "interaction": (-np.inf, np.inf),
}


def log_power_law(X, a, b, alpha, c, beta, d, lr_opt, e, gamma, interaction):
    """:func:`~sklearn_scaling.laws.log_power` with its parameters by name."""
    return log_power(X, [a, b, alpha, c, beta, d, lr_opt, e, gamma, interaction])


def _log_power_jacobian(X, *params):
    return log_power_jacobian(X, params)


DOUBLE_DESCENT = register_law(
    Law(
        "double_descent",
        two_sigmoids,
        features=("log10_compute",),
        bounds={
            "b0": (-np.inf, np.inf),
            "A_up": (-np.inf, np.inf),
            "A_dn": (-np.inf, np.inf),
            "c0": (-np.inf, np.inf),
            # Seed 000's box on the raw width parameters.
            "s_raw": (-8.0, 8.0),
            "k_raw": (-8.0, 8.0),
        },
        linear=("b0", "A_up", "A_dn"),
        jacobian=_two_sigmoids_jacobian,
        starts=_two_sigmoid_starts,
        domain={"log10_compute": "finite"},
        # The law's centres and widths are in log10 compute: raw FLOPs would misfit.
        scale="log10",
        formula="L = b0 + A_up sigmoid((x - c1) / s_left) - A_dn sigmoid((x - c2) / s_right)",
        latex=(
            r"L(x) = b_0 + A_\uparrow\,\sigma\!\left(\frac{x - c_1}{s_l}\right)"
            r" - A_\downarrow\,\sigma\!\left(\frac{x - c_2}{s_r}\right)"
        ),
        reference="Wu & Lo (2025), U-shaped and Inverted-U Scaling behind Emergent "
        "Abilities of Large Language Models; seed 000 of this package",
        description=(
            "A U-shaped (double-descent) score against log10 compute: a rise and a fall, "
            "or a fall and a rise."
        ),
    )
)

LOG_POWER = register_law(
    Law(
        "log_power",
        log_power_law,
        parameters=LOG_POWER_PARAMS,
        features=("learning_rate", "batch_size", "data_size", "param_size"),
        bounds=UNIT_FREE_LOG_POWER_BOUNDS,
        linear=("a", "b", "c", "d", "e", "interaction"),
        jacobian=_log_power_jacobian,
        starts={
            "alpha": (0.5, 1.0, 1.6, 2.2),
            "beta": (0.5, 1.0, 1.6, 2.2),
            "lr_opt": (1e-3, 3e-3, 1e-2),
            "gamma": (0.3, 0.8, 1.5),
        },
        domain={
            "learning_rate": "positive",
            "batch_size": (1.0, np.inf),
            "data_size": (1.0 + 1e-12, np.inf),
            "param_size": (1.0 + 1e-12, np.inf),
        },
        minimum=0.0,
        formula=(
            "L = a + b ln(D)**alpha + c ln(N)**beta + (d + interaction ln(bsz)) "
            "(ln(lr) - ln(lr_opt))**2 + e ln(bsz)**gamma"
        ),
        latex=(
            r"L = a + b (\ln D)^\alpha + c (\ln N)^\beta + (d + \iota \ln B)\,u^2"
            r" + e (\ln B)^\gamma,\quad u = \ln \eta - \ln \eta^*"
        ),
        reference="Li et al. (2025), Predictable Scale: Part I (StepLaw); seed 001 of this package",
        description=(
            "Final loss against learning rate, batch size, data size and non-embedding "
            "parameters: a bowl in log learning rate on log-power size terms."
        ),
    )
)
