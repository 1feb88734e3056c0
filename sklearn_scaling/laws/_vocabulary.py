"""Tao et al.'s (2024) vocabulary-aware scaling law."""

import numpy as np

from ._base import Law, register_law

__all__ = ["vocabulary", "vocabulary_jacobian"]


def vocabulary(X, E, A1, A2, B, alpha1, alpha2, beta):
    """``L_u = -E + A1 / N**alpha1 + A2 / V**alpha2 + B / D**beta`` for ``X = [N, V, D]``.

    Tao et al.'s (2024) parametric loss (their approach 3): ``N`` is the
    non-vocabulary parameter count, ``V`` the vocabulary parameters (their ``N_v = V
    d``, vocabulary size times embedding width) and ``D`` the training data. With a
    fixed embedding width, ``V`` may be the vocabulary size itself: ``A2`` then absorbs
    ``d**-alpha2``. ``L_u`` is their unigram-normalised loss, which is negative, hence
    ``-E``: fit it with ``target_space='linear'``. (Tao et al. also tie ``alpha1 =
    beta`` in their fit; here the two are free.)

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1e8, 3.2e4, 1e10], [1e8, 6.4e4, 1e10]])
    >>> loss = vocabulary(X, 4.5, 250.0, 18.0, 1000.0, 0.3, 0.4, 0.3)
    >>> bool(loss[1] < loss[0] < 0)  # a larger vocabulary helps
    True
    """
    log_n, log_v, log_d = (np.log(X[:, k]) for k in range(3))
    return (
        -E + A1 * np.exp(-alpha1 * log_n) + A2 * np.exp(-alpha2 * log_v) + B * np.exp(-beta * log_d)
    )


def vocabulary_jacobian(X, E, A1, A2, B, alpha1, alpha2, beta):
    """Derivatives of :func:`vocabulary` in its parameters, in order (broadcasting)."""
    log_n, log_v, log_d = (np.log(X[:, k]) for k in range(3))
    n_term = np.exp(-alpha1 * log_n)
    v_term = np.exp(-alpha2 * log_v)
    d_term = np.exp(-beta * log_d)
    columns = (
        -np.ones_like(n_term + v_term + d_term),
        n_term,
        v_term,
        d_term,
        -A1 * n_term * log_n,
        -A2 * v_term * log_v,
        -B * d_term * log_d,
    )
    return np.stack(np.broadcast_arrays(*columns), axis=-1)


_EXPONENTS = (0.1, 0.2, 0.35, 0.5, 0.8)

VOCABULARY = register_law(
    Law(
        "vocabulary",
        vocabulary,
        features=("N", "V", "D"),
        bounds={
            # E = exp(e) > 0 in Tao et al.'s fit; the A's and B are exponentials too.
            "E": (0.0, np.inf),
            "A1": (0.0, np.inf),
            "A2": (0.0, np.inf),
            "B": (0.0, np.inf),
            "alpha1": (0.0, 3.0),
            "alpha2": (0.0, 3.0),
            "beta": (0.0, 3.0),
        },
        linear=("E", "A1", "A2", "B"),
        jacobian=vocabulary_jacobian,
        starts={"alpha1": _EXPONENTS, "alpha2": _EXPONENTS, "beta": _EXPONENTS},
        domain={"N": "positive", "V": "positive", "D": "positive"},
        formula="L_u = -E + A1 / N**alpha1 + A2 / V**alpha2 + B / D**beta",
        latex=(
            r"\mathcal{L}_u(N, V, D) = -E + \frac{A_1}{N^{\alpha_1}} + \frac{A_2}{V^{\alpha_2}}"
            r" + \frac{B}{D^{\beta}}"
        ),
        reference="Tao et al. (2024), Scaling Laws with Vocabulary: Larger Models Deserve "
        "Larger Vocabularies (approach 3, the parametric loss)",
        description=(
            "Unigram-normalised loss of a model of N non-vocabulary parameters and V "
            "vocabulary parameters trained on D tokens."
        ),
    )
)
