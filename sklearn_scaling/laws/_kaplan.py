"""Kaplan et al.'s (2020) joint law of model size and data."""

import numpy as np

from ._base import Law, register_law

__all__ = ["kaplan", "kaplan_jacobian"]


def kaplan(X, N_c, D_c, alpha_N, alpha_D):
    """``L = ((N_c / N)**(alpha_N / alpha_D) + D_c / D)**alpha_D`` for ``X = [N, D]``.

    ``N`` is the non-embedding parameter count and ``D`` the training tokens (Kaplan et
    al. 2020, eq. 1.5). Each power is taken through logarithms, so ``N_c`` near
    ``1e14`` and exponents near 0.1 stay accurate.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1e9, 1e10], [1e9, 1e13]])
    >>> loss = kaplan(X, 8.8e13, 5.4e13, 0.076, 0.095)
    >>> bool(loss[1] < loss[0])
    True
    >>> bool(abs(loss[1] - (8.8e13 / 1e9) ** 0.076) < 0.05)  # data-rich: N's power law
    True
    """
    log_n_term = (alpha_N / alpha_D) * (np.log(N_c) - np.log(X[:, 0]))
    log_d_term = np.log(D_c) - np.log(X[:, 1])
    return np.exp(alpha_D * np.logaddexp(log_n_term, log_d_term))


def kaplan_jacobian(X, N_c, D_c, alpha_N, alpha_D):
    """Derivatives of :func:`kaplan` in ``N_c, D_c, alpha_N, alpha_D`` (broadcasting)."""
    log_ratio_n = np.log(N_c) - np.log(X[:, 0])
    log_n_term = (alpha_N / alpha_D) * log_ratio_n
    log_d_term = np.log(D_c) - np.log(X[:, 1])
    log_sum = np.logaddexp(log_n_term, log_d_term)
    value = np.exp(alpha_D * log_sum)
    # Shares of the two terms in their sum: d log_sum / d log_term.
    n_share = np.exp(log_n_term - log_sum)
    d_share = np.exp(log_d_term - log_sum)
    columns = (
        value * alpha_N * n_share / N_c,
        value * alpha_D * d_share / D_c,
        value * n_share * log_ratio_n,
        value * (log_sum - alpha_N / alpha_D * n_share * log_ratio_n),
    )
    return np.stack(np.broadcast_arrays(*columns), axis=-1)


def _kaplan_starts(X, y):
    # N_c and D_c lie far beyond the data (Kaplan et al.: ~1e14 for N ~ 1e9, D ~ 1e10):
    # start them at the data's own scale times a wide geometric range.
    factors = np.array([1e1, 1e3, 1e5, 1e7])
    return {
        "N_c": np.exp(np.median(np.log(X[:, 0]))) * factors,
        "D_c": np.exp(np.median(np.log(X[:, 1]))) * factors,
        "alpha_N": (0.05, 0.1, 0.2, 0.4),
        "alpha_D": (0.05, 0.1, 0.2, 0.4),
    }


KAPLAN = register_law(
    Law(
        "kaplan",
        kaplan,
        features=("N", "D"),
        bounds={
            "N_c": (0.0, np.inf),
            "D_c": (0.0, np.inf),
            "alpha_N": (1e-3, 3.0),
            "alpha_D": (1e-3, 3.0),
        },
        jacobian=kaplan_jacobian,
        starts=_kaplan_starts,
        domain={"N": "positive", "D": "positive"},
        minimum=0.0,
        formula="L = ((N_c / N)**(alpha_N / alpha_D) + D_c / D)**alpha_D",
        latex=(
            r"L(N, D) = \left[\left(\frac{N_c}{N}\right)^{\alpha_N / \alpha_D}"
            r" + \frac{D_c}{D}\right]^{\alpha_D}"
        ),
        reference="Kaplan et al. (2020), Scaling Laws for Neural Language Models, eq. (1.5)",
        description=(
            "Loss of a model of N non-embedding parameters trained on D tokens: a power "
            "law in each, without an irreducible loss."
        ),
    )
)
