"""The rectified scaling law of fine-tuning (Lin et al. 2024)."""

import numpy as np

from ._base import Law, register_law

__all__ = ["rectified", "rectified_jacobian"]


def rectified(X, B, E, D_l, beta):
    """``B / (D_l + D**beta) + E`` for ``X = [D]``, fine-tuning tokens.

    ``D_l`` is the data the pre-trained model behaves as if it had already seen: the
    law is flat (the pre-learned phase) for ``D**beta << D_l`` and a power law beyond.

    Examples
    --------
    >>> import numpy as np
    >>> rectified(np.array([[1.0], [1e4]]), 10.0, 1.0, 9.0, 0.5)
    array([2.    , 1.0917...])
    """
    return B / (D_l + X[:, 0] ** beta) + E


def rectified_jacobian(X, B, E, D_l, beta):
    """Derivatives of :func:`rectified` with respect to ``B, E, D_l, beta`` (broadcasting)."""
    log_d = np.log(X[:, 0])
    power = np.exp(beta * log_d)
    inverse = 1.0 / (D_l + power)
    columns = (inverse, np.ones_like(inverse), -B * inverse**2, -B * inverse**2 * power * log_d)
    return np.stack(np.broadcast_arrays(*columns), axis=-1)


def _rectified_starts(X, y, sample_weight=None):
    from .._fitting._engine import weighted_quantile

    betas = np.array([0.2, 0.4, 0.7, 1.0])
    # D_l is in units of D**beta: start it at none, and at the data's own scale.
    typical = weighted_quantile(X[:, 0], 0.5, sample_weight) ** betas
    return {"beta": betas, "D_l": np.concatenate([[0.0], typical * 0.1, typical * 3.0])}


RECTIFIED = register_law(
    Law(
        "rectified",
        rectified,
        features=("D",),
        bounds={
            "B": (0.0, np.inf),
            "E": (0.0, np.inf),
            "D_l": (0.0, np.inf),
            "beta": (0.0, 3.0),
        },
        linear=("B", "E"),
        jacobian=rectified_jacobian,
        starts=_rectified_starts,
        domain={"D": "positive"},
        minimum="E",
        formula="L = B / (D_l + D**beta) + E",
        latex=r"L(D) = \frac{B}{D_l + D^{\beta}} + E",
        reference="Lin et al. (2024), Selecting Large Language Model to Fine-tune via "
        "Rectified Scaling Law",
        description="Fine-tuning loss against fine-tuning data, with a pre-learned phase.",
    )
)
