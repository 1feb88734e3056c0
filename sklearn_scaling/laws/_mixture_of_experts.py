"""Clark et al.'s (2022) unified scaling law of routed (mixture-of-experts) language models."""

import numpy as np

from ._base import Law, register_law

__all__ = ["mixture_of_experts", "mixture_of_experts_jacobian"]


def mixture_of_experts(X, a, b, c, d):
    """``L = 10**(a log10 N + b log10 E + c log10 N log10 E + d)`` for ``X = [N, E]``.

    ``N`` is the dense model's parameter count and ``E`` the number of experts (1 for
    the dense model itself). This is Clark et al.'s eq. (1) with ``E`` in place of their
    saturating transform ``E_hat`` (which bends the law towards a constant beyond a few
    hundred experts): every parameter enters ``log L`` linearly, so a fit in log space
    is an ordinary least squares. Logarithms are base 10, as in the paper's tables.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1e8, 1.0], [1e8, 64.0]])
    >>> loss = mixture_of_experts(X, -0.082, -0.108, 0.009, 1.104)
    >>> float(np.log10(loss[0]))  # a dense model: a log10 N + d
    0.448...
    >>> bool(loss[1] < loss[0])  # experts help at this size
    True
    """
    log_n, log_e = np.log10(X[:, 0]), np.log10(X[:, 1])
    return 10.0 ** (a * log_n + b * log_e + c * log_n * log_e + d)


def mixture_of_experts_jacobian(X, a, b, c, d):
    """Derivatives of :func:`mixture_of_experts` in ``a, b, c, d`` (broadcasting).

    ``dL/dp = L ln(10) g_p`` with ``g = (log10 N, log10 E, log10 N log10 E, 1)``.
    """
    log_n, log_e = np.log10(X[:, 0]), np.log10(X[:, 1])
    scaled = np.log(10.0) * mixture_of_experts(X, a, b, c, d)
    columns = (scaled * log_n, scaled * log_e, scaled * log_n * log_e, scaled)
    return np.stack(np.broadcast_arrays(*columns), axis=-1)


def _log_space_starts(X, y):
    """The least squares fit of ``log10 y``: exact for the law's log, a start for the rest.

    In log space the fit solves every parameter itself; these starts serve the linear
    target space, where the exponents would otherwise start far from the data.
    """
    if not np.all(y > 0):
        return {"a": (-0.1, 0.0), "b": (-0.1, 0.0), "c": (0.0,), "d": (0.0, 1.0)}
    log_n, log_e = np.log10(X[:, 0]), np.log10(X[:, 1])
    design = np.column_stack([log_n, log_e, log_n * log_e, np.ones_like(log_n)])
    coef = np.linalg.lstsq(design, np.log10(y), rcond=None)[0]
    return dict(zip("abcd", coef[:, None], strict=True))


MIXTURE_OF_EXPERTS = register_law(
    Law(
        "mixture_of_experts",
        mixture_of_experts,
        features=("N", "E"),
        log_linear=("a", "b", "c", "d"),
        jacobian=mixture_of_experts_jacobian,
        starts=_log_space_starts,
        domain={"N": "positive", "E": (1.0, np.inf)},
        minimum=0.0,
        formula="log10 L = a log10 N + b log10 E + c log10 N log10 E + d",
        latex=r"\log_{10} L = a \log_{10} N + b \log_{10} E + c \log_{10} N \log_{10} E + d",
        reference="Clark et al. (2022), Unified Scaling Laws for Routed Language Models, "
        "eq. (1) without the saturation of E",
        description=(
            "Loss of a routed language model against its dense parameter count N and "
            "number of experts E: a bilinear law in log N and log E."
        ),
    )
)
