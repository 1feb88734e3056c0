"""Chinchilla: loss as a sum of power laws in model size and data (Hoffmann et al. 2022)."""

import numpy as np

from ._base import Law, register_law

__all__ = ["chinchilla", "chinchilla_compute_optimal", "chinchilla_jacobian"]


def chinchilla(X, E, A, B, alpha, beta):
    """``E + A / N**alpha + B / D**beta`` for ``X = [N, D]`` (parameters, tokens).

    Examples
    --------
    >>> import numpy as np
    >>> float(chinchilla(np.array([[1e9, 2e10]]), 1.82, 482.0, 2085.0, 0.348, 0.366)[0])
    2.5296...
    """
    # exp(-alpha log N) is N**-alpha at about half the cost of a power.
    return E + A * np.exp(-alpha * np.log(X[:, 0])) + B * np.exp(-beta * np.log(X[:, 1]))


def chinchilla_jacobian(X, E, A, B, alpha, beta):
    """Derivatives of :func:`chinchilla` with respect to ``E, A, B, alpha, beta``.

    Parameters broadcast like the law's: ``(k, 1)`` columns give ``(k, n, 5)``.
    """
    log_n, log_d = np.log(X[:, 0]), np.log(X[:, 1])
    n_term = np.exp(-alpha * log_n)
    d_term = np.exp(-beta * log_d)
    columns = (np.ones_like(n_term), n_term, d_term, -A * n_term * log_n, -B * d_term * log_d)
    return np.stack(np.broadcast_arrays(*columns), axis=-1)


def chinchilla_compute_optimal(params, compute):
    """Model size and tokens minimising the law under ``6 N D = compute``.

    Setting the derivative of ``A N**-alpha + B (6 N / C)**beta`` to zero gives
    ``N_opt = G (C / 6)**(beta / (alpha + beta))`` with ``G = (alpha A / (beta
    B))**(1 / (alpha + beta))``, and ``D_opt = C / (6 N_opt)`` (Hoffmann et al. 2022,
    eq. 4).

    Parameters
    ----------
    params : mapping
        ``E, A, B, alpha, beta``.
    compute : array-like
        Training FLOPs, > 0.

    Returns
    -------
    n_opt, d_opt : ndarray

    Examples
    --------
    >>> p = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}
    >>> n, d = chinchilla_compute_optimal(p, 5.76e23)
    >>> bool(abs(6 * n * d / 5.76e23 - 1) < 1e-12)
    True
    """
    compute = np.asarray(compute, dtype=float)
    if not np.all(np.isfinite(compute) & (compute > 0)):
        raise ValueError("compute must be finite and > 0.")
    A, B, alpha, beta = (float(params[k]) for k in ("A", "B", "alpha", "beta"))
    if not (A > 0 and B > 0 and alpha > 0 and beta > 0):
        raise ValueError(
            "compute_optimal needs A, B, alpha and beta > 0: otherwise the law has no "
            f"finite optimum; got A={A:g}, B={B:g}, alpha={alpha:g}, beta={beta:g}."
        )
    scale = (alpha * A / (beta * B)) ** (1.0 / (alpha + beta))
    n_opt = scale * (compute / 6.0) ** (beta / (alpha + beta))
    return n_opt, compute / (6.0 * n_opt)


_EXPONENTS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0, 1.5)

CHINCHILLA = register_law(
    Law(
        "chinchilla",
        chinchilla,
        features=("N", "D"),
        bounds={
            "E": (0.0, np.inf),
            "A": (0.0, np.inf),
            "B": (0.0, np.inf),
            "alpha": (0.0, 3.0),
            "beta": (0.0, 3.0),
        },
        linear=("E", "A", "B"),
        jacobian=chinchilla_jacobian,
        starts={"alpha": _EXPONENTS, "beta": _EXPONENTS},
        domain={"N": "positive", "D": "positive"},
        minimum="E",
        formula="L = E + A / N**alpha + B / D**beta",
        latex=r"L(N, D) = E + \frac{A}{N^{\alpha}} + \frac{B}{D^{\beta}}",
        reference="Hoffmann et al. (2022), Training Compute-Optimal Large Language Models",
        description="Loss of a model of N parameters trained on D tokens, each seen once.",
        methods={"compute_optimal": chinchilla_compute_optimal},
    )
)
