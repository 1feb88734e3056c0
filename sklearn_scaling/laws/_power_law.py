"""A power law with an offset, and Caballero et al.'s smoothly broken power law."""

import numpy as np
from scipy.special import expit

from ._base import Law, register_law

__all__ = ["broken_power_law", "broken_power_law_jacobian", "power_law", "power_law_jacobian"]


def power_law(X, E, A, alpha):
    """``E + A x**-alpha`` for one feature.

    Examples
    --------
    >>> import numpy as np
    >>> power_law(np.array([[1.0], [100.0]]), 1.0, 2.0, 0.5)
    array([3. , 1.2])
    """
    return E + A * X[:, 0] ** -alpha


def power_law_jacobian(X, E, A, alpha):
    """Derivatives of :func:`power_law` with respect to ``E, A, alpha`` (broadcasting)."""
    log_x = np.log(X[:, 0])
    term = np.exp(-alpha * log_x)
    columns = (np.ones_like(term), term, -A * term * log_x)
    return np.stack(np.broadcast_arrays(*columns), axis=-1)


def broken_power_law(X, a, b, c0, c1, d1, f1):
    """``a + b x**-c0 (1 + (x / d1)**(1 / f1))**(-c1 f1)``: one smooth break at ``d1``.

    Below the break the exponent is ``c0``, above it ``c0 + c1``; ``f1`` sets how sharp
    the break is. The second factor is computed in log space, so sharp breaks do not
    overflow.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0], [1e6]])
    >>> y = broken_power_law(x, 0.0, 1.0, 0.1, 0.4, 1e3, 0.1)
    >>> bool(abs(np.log(y[0] / y[1]) / np.log(1e6) - 0.1 - 0.4 / 2) < 0.01)
    True
    """
    log_x = np.log(X[:, 0])
    log_break = np.logaddexp(0.0, (log_x - np.log(d1)) / f1)
    return a + b * np.exp(-c0 * log_x - c1 * f1 * log_break)


def broken_power_law_jacobian(X, a, b, c0, c1, d1, f1):
    """Derivatives of :func:`broken_power_law` in ``a, b, c0, c1, d1, f1`` (broadcasting)."""
    log_x = np.log(X[:, 0])
    z = (log_x - np.log(d1)) / f1
    log_break = np.logaddexp(0.0, z)
    share = expit(z)  # d log_break / d z
    term = np.exp(-c0 * log_x - c1 * f1 * log_break)
    columns = (
        np.ones_like(term),
        term,
        -b * term * log_x,
        -b * term * f1 * log_break,
        b * term * c1 * share / d1,
        -b * term * c1 * (log_break - share * z),
    )
    return np.stack(np.broadcast_arrays(*columns), axis=-1)


def _break_starts(X, y, sample_weight=None):
    # The break lies somewhere inside the data: start it at interior (weighted) quantiles.
    from .._fitting._engine import weighted_quantile

    return {
        "c0": (0.05, 0.3, 1.0),
        "c1": (-0.3, 0.2, 0.6),
        "d1": weighted_quantile(X[:, 0], [0.2, 0.5, 0.8], sample_weight),
        "f1": (0.1, 1.0),
    }


POWER_LAW = register_law(
    Law(
        "power_law",
        power_law,
        bounds={"E": (-np.inf, np.inf), "A": (-np.inf, np.inf), "alpha": (0.0, 5.0)},
        linear=("E", "A"),
        jacobian=power_law_jacobian,
        starts={"alpha": (0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)},
        domain={"x": "positive"},
        formula="L = E + A * x**-alpha",
        latex=r"L(x) = E + A\,x^{-\alpha}",
        reference="Kaplan et al. (2020), Scaling Laws for Neural Language Models",
        description="A power law in one scale (compute, data or parameters) with an offset.",
    )
)

BROKEN_POWER_LAW = register_law(
    Law(
        "broken_power_law",
        broken_power_law,
        bounds={
            "a": (-np.inf, np.inf),
            "b": (-np.inf, np.inf),
            "c0": (-1.0, 5.0),
            "c1": (-5.0, 5.0),
            "d1": (0.0, np.inf),
            "f1": (1e-3, 10.0),
        },
        linear=("a", "b"),
        jacobian=broken_power_law_jacobian,
        starts=_break_starts,
        domain={"x": "positive"},
        formula="L = a + b x**-c0 (1 + (x / d1)**(1 / f1))**(-c1 f1)",
        latex=(
            r"L(x) = a + b\,x^{-c_0}\left(1 + \left(\frac{x}{d_1}\right)^{1/f_1}"
            r"\right)^{-c_1 f_1}"
        ),
        reference="Caballero et al. (2022), Broken Neural Scaling Laws",
        description=("A power law whose exponent changes smoothly from c0 to c0 + c1 around d1."),
    )
)
