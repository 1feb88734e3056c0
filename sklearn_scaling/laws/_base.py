"""The declarative :class:`Law` and the registry of laws.

A law is one short declaration -- a NumPy function of the feature matrix and named
parameters, with bounds, the parameters it is linear in, starting values and the
inputs it accepts -- in the spirit of lmfit's ``Model`` and of ``curve_fit``'s
signature inference. Fitting, uncertainty, plotting, the command line and the docs are
generic over it and find every registered law through :func:`available_laws`.
"""

import inspect
import numbers
import pickle
from collections.abc import Mapping

import numpy as np

__all__ = ["Law", "available_laws", "get_law", "register_law", "unregister_law"]

_REGISTRY = {}

#: Names of the laws the package registers itself (every process has them on import).
_PACKAGE_LAWS = set()

#: Domain rules a law may declare for a feature, with what they say in an error.
_DOMAIN_RULES = {
    "positive": (lambda v: v > 0, "> 0"),
    "nonnegative": (lambda v: v >= 0, ">= 0"),
    "finite": (lambda v: np.isfinite(v), "finite"),
}

#: Scales a law may declare for a feature: the raw quantity (tokens, parameters, FLOPs),
#: its base-10 or natural logarithm, or any monotone transform of it (a law that only
#: reads the order of the values, such as the constant's recent level).
SCALES = ("raw", "log10", "log", "any")

# Relative step of the central differences: the cube root of the machine epsilon
# balances truncation (h**2) against rounding (eps / h).
_FD_STEP = np.finfo(float).eps ** (1.0 / 3.0)


def _is_number(value):
    """A real number, not a boolean or text (which ``float()`` would accept)."""
    return (
        isinstance(value, numbers.Real | np.ndarray)
        and not isinstance(value, bool | np.bool_)
        and np.asarray(value).dtype.kind in "iuf"
    )


def check_interval(law, what, value):
    try:
        low, high = value
        if not (_is_number(low) and _is_number(high)):
            raise TypeError
        low, high = float(low), float(high)
    except (TypeError, ValueError):
        raise ValueError(
            f"law {law!r}: {what} must be a (low, high) pair of numbers; got {value!r}."
        ) from None
    if np.isnan(low) or np.isnan(high) or not low < high:
        raise ValueError(f"law {law!r}: {what} must satisfy low < high; got {value!r}.")
    return low, high


class Law:
    """A scaling law declared once: its function, parameters, bounds and structure.

    Parameters
    ----------
    name : str
        Short identifier, e.g. ``'chinchilla'``; the registry key of registered laws.
    function : callable
        ``function(X, p1, p2, ...) -> ndarray of shape (n_samples,)``: the law's value
        for the feature matrix ``X`` of shape ``(n_samples, n_features)`` and the
        parameters, passed positionally in the order of ``parameters``. It should be
        defined at module level so the law (and estimators holding it) pickle.
    parameters : sequence of str or None, default=None
        Parameter names in order. None infers them from the signature of
        ``function`` (every argument after the first), as ``curve_fit`` and lmfit do.
    features : sequence of str or None, default=None
        Names of the columns of ``X`` in order; None means one feature, ``'x'``. A fit
        needs exactly this many columns.
    bounds : mapping or None, default=None
        ``{parameter: (low, high)}``; ``-inf``/``inf`` leave a side open, and a
        parameter not named (or None for all) is unbounded.
    linear : sequence of str, default=()
        Parameters the law is linear in. For fixed values of the others the fit solves
        these exactly (variable projection), so only the rest need starting values.
        When the law is zero with all of them at zero (``L = sum_k beta_k g_k(X,
        theta)``), fitting ``c * y`` gives exactly ``c`` times the law: the fit scales
        ``y`` internally.
    log_linear : sequence of str, default=()
        Parameters the law's **logarithm** is linear in: ``log L = g_0(X, theta) +
        sum_k p_k g_k(X, theta)`` (Clark et al.'s mixture-of-experts law, ``log L = a
        log N + b log E + c log N log E + d``). With ``target_space='log'`` the fit
        solves these exactly, by least squares of ``log y`` on the columns ``g_k``, and
        searches starts for the others only; in the linear target space they are
        fitted like any nonlinear parameter (from their ``starts``). A parameter cannot
        be both ``linear`` and ``log_linear``.
    jacobian : callable or None, default=None
        ``jacobian(X, p1, p2, ...) -> ndarray of shape (n_samples, n_params)``; None
        uses central finite differences.
    starts : mapping, callable or None, default=None
        Candidate values of the nonlinear parameters: ``{parameter: values}`` (their
        grid is searched, missing parameters get a default spread over their bounds),
        or ``starts(X, y)`` computed from the data, returning such a mapping or an
        array of joint start points, one row per start and one column per nonlinear
        parameter (for laws whose parameters must start together, as M4's do).
    domain : mapping or None, default=None
        ``{feature: rule}`` with rule ``'positive'``, ``'nonnegative'``, ``'finite'``
        or a ``(low, high)`` closed interval: inputs outside it are a ValueError naming
        the column.
    scale : str, mapping or None, default=None
        The scale each feature is expected on: ``'raw'`` (the quantity itself),
        ``'log10'`` or ``'log'`` (its logarithm) or ``'any'`` (the law reads only the
        order of the values). A string applies to every feature, a mapping
        ``{feature: scale}`` to the features it names (the others are raw); None means
        every feature is raw. :func:`available_laws` filters by it, so a law of log10
        compute is not offered for raw compute.
    weights : callable or None, default=None
        ``weights(X) -> ndarray of shape (n_samples,)``: how much each row counts in the
        fit, multiplying ``sample_weight`` (non-negative, not all zero). For a law that
        describes only part of the data, e.g. the ``constant`` law's recent level. None
        counts every row alike.
    minimum : float, str or None, default=None
        The law's physical lower limit: a number (``0.0`` for a loss) or the name of a
        parameter (the irreducible loss ``E``). Predictions below it warn.
    formula : str or None, default=None
        The law in plain text, e.g. ``'L = E + A / N**alpha + B / D**beta'``.
    latex : str or None, default=None
        The law in LaTeX, for the documentation.
    reference : str or None, default=None
        Where the law comes from.
    description : str or None, default=None
        One sentence on what the law is for.
    methods : mapping or None, default=None
        ``{name: function(params, *args, **kwargs)}``: law-specific questions (e.g.
        ``compute_optimal``) that fitted estimators answer with their ``params_``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_scaling.laws import Law
    >>> def saturating(X, E, A, alpha):
    ...     return E + A * X[:, 0] ** -alpha
    >>> law = Law("saturating", saturating, bounds={"E": (0, np.inf),
    ...           "A": (0, np.inf), "alpha": (0, 3)}, linear=("E", "A"),
    ...           domain={"x": "positive"})
    >>> law.parameters, law.nonlinear
    (('E', 'A', 'alpha'), ('alpha',))
    >>> law(np.array([[1.0], [4.0]]), {"E": 1.0, "A": 2.0, "alpha": 0.5})
    array([3., 2.])

    A law whose logarithm is linear in its parameters declares them ``log_linear``: a
    fit in log space then solves them exactly.

    >>> def log_linear_power(X, log_A, alpha):
    ...     return np.exp(log_A - alpha * np.log(X[:, 0]))
    >>> law = Law("pure_power", log_linear_power, log_linear=("log_A", "alpha"),
    ...           domain={"x": "positive"}, scale="raw")
    >>> law.log_linear, law.scale
    (('log_A', 'alpha'), {'x': 'raw'})
    """

    def __init__(
        self,
        name,
        function,
        *,
        parameters=None,
        features=None,
        bounds=None,
        linear=(),
        log_linear=(),
        jacobian=None,
        starts=None,
        domain=None,
        scale=None,
        weights=None,
        minimum=None,
        formula=None,
        latex=None,
        reference=None,
        description=None,
        methods=None,
    ):
        if not isinstance(name, str) or not name:
            raise ValueError(f"a law's name must be a non-empty string; got {name!r}.")
        self.name = name
        if not callable(function):
            raise ValueError(f"law {name!r}: function must be callable; got {function!r}.")
        self.function = function
        self.parameters = self._parameter_names(parameters)
        self.features = ("x",) if features is None else tuple(str(f) for f in features)
        if not self.features or len(set(self.features)) != len(self.features):
            raise ValueError(f"law {name!r}: features must be distinct names; got {features!r}.")
        self.bounds = self._check_bounds(bounds)
        self.linear = tuple(linear)
        self._check_known("linear", self.linear)
        self.nonlinear = tuple(p for p in self.parameters if p not in self.linear)
        self.log_linear = tuple(log_linear)
        self._check_known("log_linear", self.log_linear)
        both = [p for p in self.log_linear if p in self.linear]
        if both:
            raise ValueError(
                f"law {name!r}: {both} cannot be both linear and log_linear: a law linear in "
                "a parameter is not linear in it in log space."
            )
        if jacobian is not None and not callable(jacobian):
            raise ValueError(f"law {name!r}: jacobian must be callable or None.")
        self.jacobian = jacobian
        if starts is not None and not (callable(starts) or isinstance(starts, Mapping)):
            raise ValueError(f"law {name!r}: starts must be a mapping, a callable or None.")
        if isinstance(starts, Mapping):
            self._check_starts(starts)
        self.starts = starts
        self.domain = self._check_domain_rules(domain)
        self.scale = self._check_scale(scale)
        if weights is not None and not callable(weights):
            raise ValueError(f"law {name!r}: weights must be callable or None.")
        self.weights = weights
        if isinstance(minimum, str):
            self._check_known("minimum", (minimum,))
        elif minimum is not None and not _is_number(minimum):
            raise ValueError(f"law {name!r}: minimum must be a number, a parameter or None.")
        self.minimum = minimum
        self.formula = formula
        self.latex = latex
        self.reference = reference
        self.description = description
        self.methods = dict(methods or {})

    # -- construction checks -----------------------------------------------------------

    def _parameter_names(self, parameters):
        if parameters is not None:
            names = tuple(str(p) for p in parameters)
        else:
            try:
                signature = inspect.signature(self.function)
            except (TypeError, ValueError):
                raise ValueError(
                    f"law {self.name!r}: cannot read the parameters from the signature of "
                    "its function; pass parameters=[...]."
                ) from None
            arguments = list(signature.parameters.values())
            kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
            if not arguments or any(a.kind not in kinds for a in arguments):
                raise ValueError(
                    f"law {self.name!r}: its function must take (X, p1, p2, ...) with plain "
                    "positional arguments to infer the parameters; pass parameters=[...]."
                )
            names = tuple(a.name for a in arguments[1:])
        if not names or len(set(names)) != len(names):
            raise ValueError(
                f"law {self.name!r}: parameters must be one or more distinct names; got {names}."
            )
        return names

    def _check_known(self, what, names):
        unknown = [n for n in names if n not in self.parameters]
        if unknown:
            raise ValueError(
                f"law {self.name!r}: {what} names unknown parameters {unknown}; "
                f"the law's parameters are {list(self.parameters)}."
            )

    def _check_bounds(self, bounds):
        if bounds is None:
            return {p: (-np.inf, np.inf) for p in self.parameters}
        if not isinstance(bounds, Mapping):
            raise ValueError(f"law {self.name!r}: bounds must be a mapping or None.")
        self._check_known("bounds", list(bounds))
        # A parameter without bounds is unbounded, as in curve_fit and lmfit.
        return {
            p: check_interval(self.name, f"bounds[{p!r}]", bounds[p])
            if p in bounds
            else (-np.inf, np.inf)
            for p in self.parameters
        }

    def _check_starts(self, starts):
        self._check_known("starts", list(starts))
        solved = [p for p in starts if p in self.linear]
        if solved:
            raise ValueError(
                f"law {self.name!r}: starts name linear parameters {solved}, which the fit "
                "solves exactly; give starts for the nonlinear ones only."
            )

    def _check_domain_rules(self, domain):
        rules = {}
        for feature, rule in dict(domain or {}).items():
            if feature not in self.features:
                raise ValueError(
                    f"law {self.name!r}: domain names unknown feature {feature!r}; the "
                    f"law's features are {list(self.features)}."
                )
            if isinstance(rule, str):
                if rule not in _DOMAIN_RULES:
                    raise ValueError(
                        f"law {self.name!r}: domain rule {rule!r} of {feature!r} must be one "
                        f"of {sorted(_DOMAIN_RULES)} or a (low, high) pair."
                    )
                rules[feature] = rule
            else:
                rules[feature] = check_interval(self.name, f"domain[{feature!r}]", rule)
        return rules

    def _check_scale(self, scale):
        if scale is None or isinstance(scale, str):
            scale = dict.fromkeys(self.features, scale or "raw")
        if not isinstance(scale, Mapping):
            raise ValueError(f"law {self.name!r}: scale must be a string, a mapping or None.")
        unknown = [f for f in scale if f not in self.features]
        if unknown:
            raise ValueError(
                f"law {self.name!r}: scale names unknown features {unknown}; the law's "
                f"features are {list(self.features)}."
            )
        bad = {f: s for f, s in scale.items() if s not in SCALES}
        if bad:
            raise ValueError(f"law {self.name!r}: scale {bad} must be one of {list(SCALES)}.")
        return {f: scale.get(f, "raw") for f in self.features}

    def row_weights(self, X):
        """The law's own weight of each row (all ones without a ``weights`` declaration).

        Declared weights are rescaled to sum to the effective number of rows they leave,
        ``sum(w)**2 / sum(w**2)`` (Kish's): the fit is the same, and the degrees of
        freedom of its intervals count the rows the law really rests on.
        """
        if self.weights is None:
            return np.ones(X.shape[0])
        weights = np.asarray(self.weights(X), dtype=float)
        if (
            weights.shape != (X.shape[0],)
            or not np.all(np.isfinite(weights) & (weights >= 0))
            or not weights.sum() > 0
        ):
            raise ValueError(
                f"law {self.name!r}: weights(X) must give one finite weight >= 0 per row, "
                "not all zero."
            )
        return weights * (weights.sum() / (weights @ weights))

    # -- evaluation ----------------------------------------------------------------

    @property
    def n_features(self):
        """Number of columns of ``X`` the law takes."""
        return len(self.features)

    @property
    def n_parameters(self):
        return len(self.parameters)

    def lower(self):
        """Lower bounds in parameter order."""
        return np.array([self.bounds[p][0] for p in self.parameters])

    def upper(self):
        """Upper bounds in parameter order."""
        return np.array([self.bounds[p][1] for p in self.parameters])

    def as_vector(self, params):
        """Parameter vector in the law's order from a mapping or a sequence."""
        if isinstance(params, Mapping):
            self._check_known("params", list(params))
            missing = [p for p in self.parameters if p not in params]
            if missing:
                raise ValueError(f"law {self.name!r}: params miss {missing}.")
            return np.array([float(params[p]) for p in self.parameters])
        theta = np.asarray(params, dtype=float)
        if theta.shape != (self.n_parameters,):
            raise ValueError(
                f"law {self.name!r} has {self.n_parameters} parameters "
                f"{list(self.parameters)}; got an array of shape {theta.shape}."
            )
        return theta

    def __call__(self, X, params):
        """The law's value at ``X`` for ``params`` (a mapping or a vector)."""
        return self.evaluate(np.asarray(X, dtype=float), self.as_vector(params))

    def _called_with(self, theta):
        pairs = []
        for name, value in zip(self.parameters, theta, strict=False):
            value = np.asarray(value)
            if value.size == 1 and value.dtype.kind in "biuf":
                pairs.append(f"{name}={float(value.ravel()[0]):.6g}")
            else:  # a column of values (one per row or per vector)
                pairs.append(f"{name}=<{value.size} values>")
        return f"called with {', '.join(pairs)}"

    def _as_values(self, value, what, theta):
        """``value`` as a float array; complex or non-numeric output is a ValueError."""
        value = np.asarray(value)
        if np.iscomplexobj(value):
            raise ValueError(
                f"law {self.name!r}: its {what} returned complex values when "
                f"{self._called_with(theta)}; a law must be real (a negative base raised to "
                "a fractional power gives complex numbers: restrict the parameters' bounds "
                "or the features' domain)."
            )
        if value.dtype.kind not in "biuf":
            try:
                # Objects may hold numbers; text is never one (numpy would parse "1.0").
                if value.dtype.kind != "O":
                    raise TypeError
                return value.astype(float)
            except (TypeError, ValueError):
                raise ValueError(
                    f"law {self.name!r}: its {what} must return numbers; got values of "
                    f"dtype {value.dtype} when {self._called_with(theta)}."
                ) from None
        return value.astype(float, copy=False)

    def evaluate(self, X, theta):
        """``function(X, *theta)`` as a float array of shape ``(n_samples,)``.

        A function that raises, or returns another shape, complex or non-numeric
        values, is a ValueError naming the law and the parameters it was called with.
        """
        try:
            value = self.function(X, *theta)
        except Exception as exc:  # noqa: BLE001 -- the user's code: any failure is theirs
            raise ValueError(
                f"law {self.name!r}: its function raised {type(exc).__name__}: {exc} (when "
                f"{self._called_with(theta)})"
            ) from exc
        value = self._as_values(value, "function", theta)
        if value.shape != (X.shape[0],):
            if value.size == X.shape[0]:
                return value.reshape(X.shape[0])
            raise ValueError(
                f"law {self.name!r}: its function must return one value per row, shape "
                f"({X.shape[0]},); got shape {value.shape}."
            )
        return value

    def evaluate_many(self, X, thetas):
        """The law at many parameter vectors at once: ``(k, n_samples)`` for ``(k, p)``.

        Calls ``function`` once with each parameter a ``(k, 1)`` column when the law
        broadcasts that way (plain NumPy arithmetic does); otherwise one call per
        vector. Whether it does is decided on the first batch of distinct vectors, by
        comparing the batched values of a sample of them with one-by-one calls: a
        law that reduces over a parameter (``np.mean(alpha)``) or reads it as a
        scalar computes something else for a batch, which only that comparison sees.
        """
        thetas = np.atleast_2d(np.asarray(thetas, dtype=float))
        if getattr(self, "_broadcasts", None) is True:
            # Decided already: the batched call alone (the refits' hot path).
            value = _batched_call(self.function, X, thetas, (thetas.shape[0], X.shape[0]))
            if value is not None:
                return value
        sample = _distinct_sample(thetas)
        if sample is None:
            # One vector (or copies of one): one call is exact and decides nothing.
            return np.repeat(self.evaluate(X, thetas[0])[None], thetas.shape[0], axis=0)
        if getattr(self, "_broadcasts", None) is not False:
            value = _batched_call(self.function, X, thetas, (thetas.shape[0], X.shape[0]))
            if value is None:
                self._broadcasts = False
            else:
                if getattr(self, "_broadcasts", None) is None:
                    single = np.stack([self.evaluate(X, thetas[i]) for i in sample])
                    self._broadcasts = _agrees(value[sample], single)
                if self._broadcasts:
                    return value
        return np.stack([self.evaluate(X, theta) for theta in thetas])

    def jacobian_many(self, X, thetas):
        """The declared Jacobian at many parameter vectors: ``(k, n_samples, p)``, or None.

        None when the law declares no Jacobian or it does not broadcast over ``(k, 1)``
        parameter columns (decided as in :meth:`evaluate_many`, on a sample of the
        first batch of distinct vectors).
        """
        if self.jacobian is None or getattr(self, "_jacobian_broadcasts", None) is False:
            return None
        thetas = np.atleast_2d(np.asarray(thetas, dtype=float))
        expected = (thetas.shape[0], X.shape[0], self.n_parameters)
        if getattr(self, "_jacobian_broadcasts", None) is True:
            jac = _batched_call(self.jacobian, X, thetas, expected)
            if jac is not None:
                return jac
        sample = _distinct_sample(thetas)
        if sample is None:
            single = self.jacobian_matrix(X, thetas[0])
            return np.repeat(single[None], thetas.shape[0], axis=0)
        jac = _batched_call(self.jacobian, X, thetas, expected)
        if jac is None:
            self._jacobian_broadcasts = False
            return None
        if getattr(self, "_jacobian_broadcasts", None) is None:
            single = np.stack([self.jacobian_matrix(X, thetas[i]) for i in sample])
            self._jacobian_broadcasts = _agrees(jac[sample], single)
        return jac if self._jacobian_broadcasts else None

    def jacobian_matrix(self, X, theta, value=None):
        """Derivatives of the law with respect to its parameters, ``(n_samples, n_params)``.

        The declared ``jacobian`` when there is one, otherwise central differences
        (one-sided next to a bound, so the law is never evaluated outside its bounds).
        """
        if self.jacobian is not None:
            try:
                jac = self.jacobian(X, *theta)
            except Exception as exc:  # noqa: BLE001 -- the user's code: any failure is theirs
                raise ValueError(
                    f"law {self.name!r}: its jacobian raised {type(exc).__name__}: {exc} "
                    f"(when {self._called_with(theta)})"
                ) from exc
            jac = self._as_values(jac, "jacobian", theta)
            if jac.shape != (X.shape[0], self.n_parameters):
                raise ValueError(
                    f"law {self.name!r}: its jacobian must return shape "
                    f"({X.shape[0]}, {self.n_parameters}); got {jac.shape}."
                )
            return jac
        return self.finite_difference_jacobian(X, theta, value)

    def finite_difference_jacobian(self, X, theta, value=None):
        """Central differences of :meth:`evaluate` (one-sided at a bound)."""
        lower, upper = self.lower(), self.upper()
        jac = np.empty((X.shape[0], self.n_parameters))
        for j, t in enumerate(theta):
            h = _FD_STEP * max(abs(t), 1.0)
            up, down = theta.copy(), theta.copy()
            up[j], down[j] = t + h, t - h
            if up[j] > upper[j]:
                up[j] = t
            if down[j] < lower[j]:
                down[j] = t
            span = up[j] - down[j]
            if span == 0.0:
                jac[:, j] = 0.0
                continue
            high = self.evaluate(X, up) if up[j] != t else self._value(X, theta, value)
            low = self.evaluate(X, down) if down[j] != t else self._value(X, theta, value)
            jac[:, j] = (high - low) / span
        return jac

    def _value(self, X, theta, value):
        return self.evaluate(X, theta) if value is None else value

    # -- inputs and starts -----------------------------------------------------------

    def check_X(self, X, owner=None):
        """Raise a ValueError naming the column when ``X`` is not what the law takes."""
        who = owner or f"law {self.name!r}"
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(
                f"{who} needs exactly {self.n_features} column(s) of X "
                f"({', '.join(self.features)}); got {X.shape[1] if X.ndim == 2 else X.ndim}."
            )
        for column, feature in enumerate(self.features):
            rule = self.domain.get(feature)
            if rule is None:
                continue
            values = X[:, column]
            if isinstance(rule, str):
                accept, relation = _DOMAIN_RULES[rule]
                ok = accept(values)
            else:
                ok = (values >= rule[0]) & (values <= rule[1])
                relation = f"in [{rule[0]:g}, {rule[1]:g}]"
            if not np.all(ok):
                row = int(np.flatnonzero(~ok)[0])
                raise ValueError(
                    f"{who}: column {column} ({feature}) must be {relation}; got "
                    f"{float(values[row])!r} at row {row}."
                )

    def _call_starts(self, X, y, sample_weight=None):
        """The law's ``starts(X, y)``; a callable taking ``sample_weight`` gets the weights.

        The weights are frequencies (a row of weight ``k`` counts as ``k`` rows), so the
        starts' statistics of the data (quantiles of ``X``) are those of the repeated
        rows. A ``starts`` that raises is a ValueError naming the law.
        """
        try:
            if sample_weight is not None and _takes_sample_weight(self.starts):
                return self.starts(X, y, sample_weight=sample_weight)
            return self.starts(X, y)
        except Exception as exc:  # noqa: BLE001 -- the user's code: any failure is theirs
            raise ValueError(
                f"law {self.name!r}: its starts(X, y) raised {type(exc).__name__}: {exc}"
            ) from exc

    def joint_starts(self, X, y, sample_weight=None):
        """Start points ``(n_starts, n_nonlinear)`` when ``starts(X, y)`` returns an array.

        None when the law's starts are a grid (a mapping), the usual case.
        """
        if not callable(self.starts):
            return None
        given = self._call_starts(X, y, sample_weight)
        if isinstance(given, Mapping):
            return None
        points = np.asarray(given, dtype=float)
        if points.ndim != 2 or points.shape[1] != len(self.nonlinear) or not len(points):
            raise ValueError(
                f"law {self.name!r}: starts(X, y) must return a mapping or an array of "
                f"shape (n_starts, {len(self.nonlinear)}) for {list(self.nonlinear)}; got "
                f"shape {points.shape}."
            )
        if not np.all(np.isfinite(points)):
            raise ValueError(f"law {self.name!r}: starts(X, y) must be finite.")
        return np.clip(
            points, *(np.array([self.bounds[p][k] for p in self.nonlinear]) for k in (0, 1))
        )

    def start_values(self, X, y, sample_weight=None):
        """``{nonlinear parameter: candidate values}`` for the start grid (see
        :meth:`_call_starts` for ``sample_weight``)."""
        if callable(self.starts):
            given = self._call_starts(X, y, sample_weight)
        else:
            given = dict(self.starts or {})
        if not isinstance(given, Mapping):
            # Joint start points (see ``joint_starts``): the values each parameter takes.
            points = self.joint_starts(X, y, sample_weight)
            given = {p: np.unique(points[:, k]) for k, p in enumerate(self.nonlinear)}
        self._check_starts(given)
        values = {}
        for p in self.nonlinear:
            if p in given:
                v = np.atleast_1d(np.asarray(given[p])).ravel()
                # Booleans, text and complex numbers are not starting values.
                if v.dtype.kind not in "iuf" or v.size == 0 or not np.all(np.isfinite(v)):
                    raise ValueError(
                        f"law {self.name!r}: starts for {p!r} must be finite real numbers; "
                        f"got {given[p]!r}."
                    )
                v = v.astype(float)
            else:
                v = _default_starts(*self.bounds[p])
            values[p] = np.clip(v, *self.bounds[p])
        return values

    def describe(self):
        """One line: name, features and formula."""
        formula = self.formula or " , ".join(self.parameters)
        return f"{self.name} ({', '.join(self.features)}): {formula}"

    def __repr__(self):
        return f"Law({self.name!r}, features={self.features}, parameters={self.parameters})"


#: Vectors of a batch compared one by one with the batched call to decide it broadcasts.
_BROADCAST_SAMPLE = 8


def _distinct_sample(thetas):
    """Rows of ``thetas`` to compare, or None when they are all one vector.

    Evenly spaced rows, plus the first row that differs from row 0 so the sample is
    never all copies of one vector (a batch of copies cannot tell a law that
    broadcasts from one that reduces over its parameters).
    """
    differs = np.flatnonzero(np.any(thetas != thetas[0], axis=1))
    if differs.size == 0:
        return None
    rows = np.linspace(0, thetas.shape[0] - 1, min(thetas.shape[0], _BROADCAST_SAMPLE))
    return np.unique(np.r_[rows.astype(int), differs[0]])


def _batched_call(function, X, thetas, expected):
    """``function`` with each parameter a ``(k, 1)`` column; None unless real of ``expected``."""
    try:
        value = np.asarray(function(X, *thetas.T[:, :, None]))
    except Exception:  # noqa: BLE001 -- any failure means "does not broadcast"
        return None
    if value.shape != expected or value.dtype.kind not in "biuf":
        return None
    return value.astype(float, copy=False)


def _agrees(batched, single):
    """Whether batched values equal one-by-one ones, up to rounding."""
    finite = np.abs(single[np.isfinite(single)])
    atol = 1e-10 * float(finite.max()) if finite.size else 0.0
    return bool(np.allclose(batched, single, rtol=1e-10, atol=atol, equal_nan=True))


def _takes_sample_weight(function):
    try:
        return "sample_weight" in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False


def _default_starts(low, high):
    """A few values spread over ``(low, high)``, for a parameter without declared starts."""
    if np.isfinite(low) and np.isfinite(high):
        return low + (high - low) * np.array([0.1, 0.3, 0.5, 0.7, 0.9])
    if np.isfinite(low):
        return low + np.array([0.1, 0.5, 1.0, 2.0])
    if np.isfinite(high):
        return high - np.array([0.1, 0.5, 1.0, 2.0])
    return np.array([-1.0, 0.0, 1.0])


def register_law(law, *, replace=False):
    """Add ``law`` to the registry under ``law.name``; returns the law.

    Examples
    --------
    >>> from sklearn_scaling.laws import Law, get_law, register_law
    >>> def constant(X, c):
    ...     return c + 0.0 * X[:, 0]
    >>> _ = register_law(Law("my_constant", constant, linear=("c",)))
    >>> get_law("my_constant").parameters
    ('c',)
    >>> unregister_law("my_constant")
    """
    if not isinstance(law, Law):
        raise ValueError(f"register_law takes a Law; got {law!r}.")
    if law.name in _REGISTRY and not replace and _REGISTRY[law.name] is not law:
        raise ValueError(f"a law named {law.name!r} is registered; pass replace=True.")
    _REGISTRY[law.name] = law
    return law


def unregister_law(name):
    """Remove the law registered as ``name`` (e.g. to redefine it in a notebook).

    Examples
    --------
    >>> from sklearn_scaling.laws import Law, available_laws, register_law, unregister_law
    >>> _ = register_law(Law("scratch", lambda X, c: c + 0.0 * X[:, 0], parameters=["c"]))
    >>> unregister_law("scratch")
    >>> "scratch" in available_laws()
    False
    """
    if name not in _REGISTRY:
        raise ValueError(f"no law named {name!r} is registered.")
    del _REGISTRY[name]


def get_law(name):
    """The registered law called ``name`` (a :class:`Law` passes through).

    Examples
    --------
    >>> from sklearn_scaling.laws import get_law
    >>> get_law("chinchilla").features
    ('N', 'D')
    """
    if isinstance(name, Law):
        return name
    if isinstance(name, str) and name in _REGISTRY:
        return _REGISTRY[name]
    raise ValueError(
        f"unknown law {name!r}; registered laws: {sorted(_REGISTRY)}. A law added with "
        "register_law is known in the process that registered it, and travels to parallel "
        "workers (n_jobs) with the estimators that are sent there only when its function "
        "pickles (defined at module level, not a lambda); otherwise pass the Law object "
        "itself (law=my_law, and in a grid {'law': [my_law, ...]}) or register it in a "
        "module the workers import."
    )


def seal_package_laws():
    """Record the laws registered so far as the package's own (called once, on import)."""
    _PACKAGE_LAWS.update(_REGISTRY)


def travelling_laws():
    """The laws registered in this process beyond the package's own, that pickle.

    A pickled :class:`~sklearn_scaling.ScalingLawRegressor` carries them, so a law
    registered with :func:`register_law` is known where the estimator is unpickled:
    in the worker processes of ``GridSearchCV(n_jobs=2)``, which import the package
    afresh and have only its own laws.
    """
    laws = []
    for name, law in _REGISTRY.items():
        if name in _PACKAGE_LAWS:
            continue
        portable = getattr(law, "_portable", None)
        if portable is None:
            try:
                pickle.dumps(law)
                portable = True
            except Exception:  # noqa: BLE001 -- a lambda, a closure: it cannot travel
                portable = False
            law._portable = portable
        if portable:
            laws.append(law)
    return tuple(laws)


def adopt_laws(laws):
    """Register the laws an unpickled estimator carried, under names unknown here.

    A name this process knows keeps its own law: a pickle never replaces what the
    user registered.
    """
    for law in laws:
        if isinstance(law, Law) and law.name not in _REGISTRY:
            _REGISTRY[law.name] = law


def available_laws(n_features=None, scale=None):
    """Names of the registered laws, optionally only those that fit the data at hand.

    Parameters
    ----------
    n_features : int or None, default=None
        Only the laws taking this many columns.
    scale : {'raw', 'log10', 'log'} or None, default=None
        Only the laws whose every feature is expected on this scale (or on ``'any'``
        scale): ``scale='raw'`` leaves out the double-descent law, which takes log10
        compute.

    Returns
    -------
    names : tuple of str
        In alphabetical order.

    Examples
    --------
    >>> from sklearn_scaling.laws import available_laws
    >>> "chinchilla" in available_laws(n_features=2)
    True
    >>> "double_descent" in available_laws(n_features=1, scale="raw")
    False
    >>> "double_descent" in available_laws(n_features=1, scale="log10")
    True
    """
    if scale is not None and scale not in SCALES[:-1]:
        raise ValueError(f"scale must be one of {list(SCALES[:-1])} or None; got {scale!r}.")
    return tuple(
        name
        for name, law in sorted(_REGISTRY.items())
        if (n_features is None or law.n_features == n_features)
        and (scale is None or all(s in (scale, "any") for s in law.scale.values()))
    )
