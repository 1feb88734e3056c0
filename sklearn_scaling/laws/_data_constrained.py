"""Data-constrained scaling: repeated tokens and excess parameters (Muennighoff et al. 2023)."""

import numpy as np

from ._base import Law, register_law

__all__ = [
    "TOKENS_PER_PARAMETER",
    "data_constrained",
    "data_constrained_jacobian",
    "effective_sizes",
]

#: Tokens per parameter of a compute-optimal model (Hoffmann et al.): ``U_N = U / 20``
#: is the largest model the unique data can train compute-optimally.
TOKENS_PER_PARAMETER = 20.0


def effective_sizes(X, R_D_star, R_N_star):
    """Effective data ``D'`` and parameters ``N'`` for ``X = [N, D, U]``.

    Repeated epochs are worth less and less: with ``R_D = D / U - 1`` repetitions,
    ``D' = U + U R_D* (1 - exp(-R_D / R_D*))``; parameters beyond the
    ``U_N = min(N, U / 20)`` that the unique data supports decay alike with ``R_N*``.
    """
    N, D, U = X[:, 0], X[:, 1], X[:, 2]
    repeats = np.maximum(D / U - 1.0, 0.0)
    unique_params = np.minimum(N, U / TOKENS_PER_PARAMETER)
    excess = np.maximum(N / unique_params - 1.0, 0.0)
    d_eff = U + U * R_D_star * -np.expm1(-repeats / R_D_star)
    n_eff = unique_params + unique_params * R_N_star * -np.expm1(-excess / R_N_star)
    return n_eff, d_eff


def data_constrained(X, E, A, B, alpha, beta, R_D_star, R_N_star):
    """``E + A / N'**alpha + B / D'**beta`` with the effective sizes of :func:`effective_sizes`.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1e8, 2e9, 2e9], [1e8, 2e9, 1e8]])  # once, then 20 epochs
    >>> loss = data_constrained(X, 1.87, 521.0, 1488.0, 0.353, 0.353, 15.4, 5.3)
    >>> bool(loss[1] > loss[0])
    True
    """
    n_eff, d_eff = effective_sizes(X, R_D_star, R_N_star)
    return E + A * n_eff**-alpha + B * d_eff**-beta


def _decay(base, repeats, star):
    """``base (1 + star (1 - exp(-repeats / star)))`` and its derivative in ``star``."""
    fade = np.exp(-repeats / star)
    return base + base * star * (1.0 - fade), base * ((1.0 - fade) - repeats / star * fade)


def data_constrained_jacobian(X, E, A, B, alpha, beta, R_D_star, R_N_star):
    """Derivatives of :func:`data_constrained` in ``E, A, B, alpha, beta, R_D_star, R_N_star``.

    Parameters broadcast like the law's: ``(k, 1)`` columns give ``(k, n, 7)``.
    """
    N, D, U = X[:, 0], X[:, 1], X[:, 2]
    unique_params = np.minimum(N, U / TOKENS_PER_PARAMETER)
    d_eff, d_slope = _decay(U, np.maximum(D / U - 1.0, 0.0), R_D_star)
    n_eff, n_slope = _decay(unique_params, np.maximum(N / unique_params - 1.0, 0.0), R_N_star)
    log_n, log_d = np.log(n_eff), np.log(d_eff)
    n_term, d_term = np.exp(-alpha * log_n), np.exp(-beta * log_d)
    columns = (
        np.ones_like(n_term),
        n_term,
        d_term,
        -A * n_term * log_n,
        -B * d_term * log_d,
        -beta * B * d_term / d_eff * d_slope,
        -alpha * A * n_term / n_eff * n_slope,
    )
    return np.stack(np.broadcast_arrays(*columns), axis=-1)


DATA_CONSTRAINED = register_law(
    Law(
        "data_constrained",
        data_constrained,
        features=("N", "D", "U"),
        bounds={
            "E": (0.0, np.inf),
            "A": (0.0, np.inf),
            "B": (0.0, np.inf),
            "alpha": (0.0, 3.0),
            "beta": (0.0, 3.0),
            "R_D_star": (0.1, 1e4),
            "R_N_star": (0.1, 1e4),
        },
        linear=("E", "A", "B"),
        jacobian=data_constrained_jacobian,
        starts={
            "alpha": (0.2, 0.35, 0.5, 0.8),
            "beta": (0.2, 0.35, 0.5, 0.8),
            "R_D_star": (3.0, 15.0, 60.0),
            "R_N_star": (2.0, 5.0, 20.0),
        },
        domain={"N": "positive", "D": "positive", "U": "positive"},
        minimum="E",
        formula=(
            "L = E + A / N'**alpha + B / D'**beta with effective D' and N' "
            "(repeated tokens and excess parameters decay with R_D*, R_N*)"
        ),
        latex=(
            r"L = E + \frac{A}{N'^{\alpha}} + \frac{B}{D'^{\beta}},\quad "
            r"D' = U + U R_D^{*}\left(1 - e^{-(D/U - 1)/R_D^{*}}\right),\quad "
            r"N' = U_N + U_N R_N^{*}\left(1 - e^{-(N/U_N - 1)/R_N^{*}}\right),\ "
            r"U_N = \min(N, U/20)"
        ),
        reference="Muennighoff et al. (2023), Scaling Data-Constrained Language Models",
        description=(
            "Loss of N parameters trained on D tokens drawn from U unique tokens: "
            "repeated epochs and parameters the unique data cannot use are worth less."
        ),
    )
)
