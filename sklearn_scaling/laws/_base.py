"""The declarative :class:`Law` and the registry of laws.

A law is one short declaration -- a NumPy function of the feature matrix and named
parameters, with bounds, the parameters it is linear in, starting values and the
inputs it accepts -- in the spirit of lmfit's ``Model`` and of ``curve_fit``'s
signature inference. Fitting, uncertainty, plotting, the command line and the docs are
generic over it and find every registered law through :func:`available_laws`.
"""

import inspect
import numbers
from collections.abc import Mapping

import numpy as np

__all__ = ["Law", "available_laws", "get_law", "register_law", "unregister_law"]

_REGISTRY = {}

#: Domain rules a law may declare for a feature, with what they say in an error.
_DOMAIN_RULES = {
    "positive": (lambda v: v > 0, "> 0"),
    "nonnegative": (lambda v: v >= 0, ">= 0"),
    "finite": (lambda v: np.isfinite(v), "finite"),
}

# Relative step of the central differences: the cube root of the machine epsilon
# balances truncation (h**2) against rounding (eps / h).
_FD_STEP = np.finfo(float).eps ** (1.0 / 3.0)


def check_interval(law, what, value):
    try:
        low, high = (float(v) for v in value)
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
        ``{parameter: (low, high)}`` for every parameter; ``-inf``/``inf`` leave a side
        open. None leaves every parameter unbounded.
    linear : sequence of str, default=()
        Parameters the law is linear in. For fixed values of the others the fit solves
        these exactly (variable projection), so only the rest need starting values.
        When the law is zero with all of them at zero (``L = sum_k beta_k g_k(X,
        theta)``), fitting ``c * y`` gives exactly ``c`` times the law: the fit scales
        ``y`` internally.
    jacobian : callable or None, default=None
        ``jacobian(X, p1, p2, ...) -> ndarray of shape (n_samples, n_params)``; None
        uses central finite differences.
    starts : mapping, callable or None, default=None
        Candidate values of the nonlinear parameters: ``{parameter: values}`` (their
        grid is searched, missing parameters get a default spread over their bounds),
        or ``starts(X, y) -> mapping`` computed from the data.
    domain : mapping or None, default=None
        ``{feature: rule}`` with rule ``'positive'``, ``'nonnegative'``, ``'finite'``
        or a ``(low, high)`` closed interval: inputs outside it are a ValueError naming
        the column.
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
        jacobian=None,
        starts=None,
        domain=None,
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
        if jacobian is not None and not callable(jacobian):
            raise ValueError(f"law {name!r}: jacobian must be callable or None.")
        self.jacobian = jacobian
        if starts is not None and not (callable(starts) or isinstance(starts, Mapping)):
            raise ValueError(f"law {name!r}: starts must be a mapping, a callable or None.")
        if isinstance(starts, Mapping):
            self._check_starts(starts)
        self.starts = starts
        self.domain = self._check_domain_rules(domain)
        if isinstance(minimum, str):
            self._check_known("minimum", (minimum,))
        elif minimum is not None and not isinstance(minimum, numbers.Real):
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
        missing = [p for p in self.parameters if p not in bounds]
        if missing:
            raise ValueError(
                f"law {self.name!r}: bounds miss parameters {missing}; give (low, high) for "
                "every parameter, with -inf or inf for an open side."
            )
        return {p: check_interval(self.name, f"bounds[{p!r}]", bounds[p]) for p in self.parameters}

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

    def evaluate(self, X, theta):
        """``function(X, *theta)`` as a float array of shape ``(n_samples,)``.

        A function that raises, or returns another shape, is a ValueError naming the law.
        """
        try:
            value = self.function(X, *theta)
        except (ArithmeticError, ValueError, TypeError, IndexError) as exc:
            raise ValueError(
                f"law {self.name!r}: its function raised {type(exc).__name__}: {exc}"
            ) from exc
        value = np.asarray(value, dtype=float)
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
        broadcasts that way (plain NumPy arithmetic does), checked against a single
        evaluation the first time; otherwise one call per vector.
        """
        thetas = np.atleast_2d(np.asarray(thetas, dtype=float))
        if getattr(self, "_broadcasts", None) is not False:
            value = None
            try:
                value = np.asarray(self.function(X, *thetas.T[:, :, None]), dtype=float)
            except Exception:  # noqa: BLE001 -- any failure means "does not broadcast"
                value = None
            expected = (thetas.shape[0], X.shape[0])
            if value is not None and value.shape == expected:
                if getattr(self, "_broadcasts", None) is None:
                    single = self.evaluate(X, thetas[0])
                    self._broadcasts = bool(
                        np.allclose(value[0], single, rtol=1e-10, atol=0.0, equal_nan=True)
                    )
                if self._broadcasts:
                    return value
            else:
                self._broadcasts = False
        return np.stack([self.evaluate(X, theta) for theta in thetas])

    def jacobian_many(self, X, thetas):
        """The declared Jacobian at many parameter vectors: ``(k, n_samples, p)``, or None.

        None when the law declares no Jacobian or it does not broadcast over ``(k, 1)``
        parameter columns (checked against a single evaluation the first time).
        """
        if self.jacobian is None or getattr(self, "_jacobian_broadcasts", None) is False:
            return None
        thetas = np.atleast_2d(np.asarray(thetas, dtype=float))
        expected = (thetas.shape[0], X.shape[0], self.n_parameters)
        try:
            jac = np.asarray(self.jacobian(X, *thetas.T[:, :, None]), dtype=float)
        except Exception:  # noqa: BLE001 -- any failure means "does not broadcast"
            jac = None
        if jac is None or jac.shape != expected:
            self._jacobian_broadcasts = False
            return None
        if getattr(self, "_jacobian_broadcasts", None) is None:
            single = self.jacobian_matrix(X, thetas[0])
            self._jacobian_broadcasts = bool(np.allclose(jac[0], single, rtol=1e-10, atol=0.0))
        return jac if self._jacobian_broadcasts else None

    def jacobian_matrix(self, X, theta, value=None):
        """Derivatives of the law with respect to its parameters, ``(n_samples, n_params)``.

        The declared ``jacobian`` when there is one, otherwise central differences
        (one-sided next to a bound, so the law is never evaluated outside its bounds).
        """
        if self.jacobian is not None:
            jac = np.asarray(self.jacobian(X, *theta), dtype=float)
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

    def start_values(self, X, y, sample_weight=None):
        """``{nonlinear parameter: candidate values}`` for the start grid.

        A ``starts`` callable that takes a ``sample_weight`` keyword gets the fit's
        weights (frequencies: a row of weight ``k`` counts as ``k`` rows), so that its
        statistics of the data (quantiles of ``X``) are those of the repeated rows.
        """
        if callable(self.starts):
            given = (
                self.starts(X, y, sample_weight=sample_weight)
                if sample_weight is not None and _takes_sample_weight(self.starts)
                else self.starts(X, y)
            )
        else:
            given = dict(self.starts or {})
        if not isinstance(given, Mapping):
            raise ValueError(f"law {self.name!r}: starts(X, y) must return a mapping.")
        self._check_starts(given)
        values = {}
        for p in self.nonlinear:
            if p in given:
                v = np.atleast_1d(np.asarray(given[p], dtype=float)).ravel()
                if v.size == 0 or not np.all(np.isfinite(v)):
                    raise ValueError(f"law {self.name!r}: starts for {p!r} must be finite.")
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
    raise ValueError(f"unknown law {name!r}; registered laws: {sorted(_REGISTRY)}.")


def available_laws(n_features=None):
    """Names of the registered laws, optionally only those taking ``n_features`` columns.

    Examples
    --------
    >>> from sklearn_scaling.laws import available_laws
    >>> "chinchilla" in available_laws(n_features=2)
    True
    """
    return tuple(
        name
        for name, law in sorted(_REGISTRY.items())
        if n_features is None or law.n_features == n_features
    )
