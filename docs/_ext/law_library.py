"""Sphinx extension: ``.. law-library::`` and ``.. law-functions::`` document every law.

``.. law-library::`` (user guide) and ``.. law-functions::`` (API reference: each
law's function, Jacobian and law-specific methods, with their docstrings) are both
written from the registry, so a new law appears in the guide and in the reference
without editing either.

The directive reads :func:`sklearn_scaling.laws.available_laws` when the page is built
and writes one section per law from its declaration (description, formula, features
and their domain, parameters and their bounds, linear parameters, minimum,
law-specific methods, reference, and how to fit it), so a new law appears on the page
without editing it. Only laws whose function lives in the ``sklearn_scaling`` package
are listed: a law an example registers while the gallery runs does not leak in.

The page holding the directive is re-read on every build, as the registry can change
without the page's source changing.
"""

import importlib
import inspect

from sphinx.util.docutils import SphinxDirective

_ENV_KEY = "law_library_docs"


def _code(text):
    return f"``{text}``"


def _number(value):
    return {float("inf"): "inf", float("-inf"): "-inf"}.get(value, f"{value:.12g}")


def _domain(law, feature):
    from sklearn_scaling.laws._base import _DOMAIN_RULES

    rule = law.domain.get(feature)
    if rule is None:
        return "any value"
    if isinstance(rule, str):
        return _code(f"{feature} {_DOMAIN_RULES[rule][1]}") if rule != "finite" else "finite"
    return _bounds(feature, *rule)


def _bounds(name, low, high):
    finite = [abs(b) != float("inf") for b in (low, high)]
    if all(finite):
        return _code(f"{_number(low)} <= {name} <= {_number(high)}")
    if finite[0]:
        return _code(f"{name} >= {_number(low)}")
    if finite[1]:
        return _code(f"{name} <= {_number(high)}")
    return f"{_code(name)} unbounded"


def _summary(function):
    doc = inspect.getdoc(function) or ""
    return doc.split("\n\n")[0].replace("\n", " ")


def _law_rst(law, estimator, datasets):
    """The reStructuredText of one law's section."""
    lines = [f".. _law-{law.name}:", "", law.name, "-" * len(law.name), ""]
    if law.description:
        lines += [law.description, ""]
    if law.latex:
        lines += [".. math::", "", f"   {law.latex}", ""]
    if law.formula:
        lines += [f"In plain text: {_code(law.formula)}.", ""]
    features = ", ".join(f"{i}: {_code(f)} ({_domain(law, f)})" for i, f in enumerate(law.features))
    fields = {
        "Features (columns of X)": features,
        "Parameters": ", ".join(_bounds(p, *law.bounds[p]) for p in law.parameters),
        "Linear (solved exactly)": ", ".join(map(_code, law.linear)) or "none",
    }
    if getattr(law, "log_linear", ()):
        fields["Log-linear (solved exactly in log space)"] = ", ".join(map(_code, law.log_linear))
    scales = {f: s for f, s in getattr(law, "scale", {}).items() if s != "raw"}
    if scales:
        fields["Scale of the features"] = ", ".join(
            f"{_code(f)}: {_code(s)}" for f, s in scales.items()
        )
    if law.minimum is not None:
        kind = "the fitted parameter " if isinstance(law.minimum, str) else ""
        fields["Physical minimum"] = f"{kind}{_code(law.minimum)}: predictions below it warn"
    module = law.function.__module__.rsplit("._", 1)[0]
    fields["Function"] = f":func:`{module}.{law.function.__name__}`"
    fields["Jacobian"] = "analytic" if law.jacobian is not None else "finite differences"
    for method, function in law.methods.items():
        args = ", ".join(list(inspect.signature(function).parameters)[1:])
        call = (
            f"reg.{method}({args})"
            if hasattr(estimator, method)
            else f'reg.law_.methods["{method}"](reg.params_, {args})'
        )
        fields[f"Method {_code(method)}"] = f"{_code(call)}: {_summary(function)}"
    if law.reference:
        fields["Reference"] = law.reference
    fields["Fit it"] = _code(f'ScalingLawRegressor("{law.name}")')
    data = [
        f"{kind}_{law.name}" for kind in ("make", "load") if hasattr(datasets, f"{kind}_{law.name}")
    ]
    if data:
        fields["Data"] = ", ".join(f":func:`~sklearn_scaling.datasets.{d}`" for d in data)
    for name, body in fields.items():
        lines.append(f":{name}: {body}")
    return "\n".join(lines) + "\n"


class LawLibrary(SphinxDirective):
    """``.. law-library::``: one section per registered law of ``sklearn_scaling``."""

    has_content = False

    def run(self):
        from sklearn_scaling import ScalingLawRegressor, datasets
        from sklearn_scaling.laws import available_laws, get_law

        setattr(self.env, _ENV_KEY, getattr(self.env, _ENV_KEY, set()) | {self.env.docname})
        laws = [get_law(name) for name in available_laws()]
        laws = [law for law in laws if law.function.__module__.startswith("sklearn_scaling")]
        for law in laws:
            # Rebuild when a law's source file changes, too.
            path = inspect.getsourcefile(importlib.import_module(law.function.__module__))
            self.env.note_dependency(path)
        text = "\n".join(_law_rst(law, ScalingLawRegressor, datasets) for law in laws)
        return self.parse_text_to_nodes(text, allow_section_headings=True)


def package_laws():
    """The registered laws whose function lives in ``sklearn_scaling``, by name."""
    from sklearn_scaling.laws import available_laws, get_law

    laws = [get_law(name) for name in available_laws()]
    return [law for law in laws if law.function.__module__.startswith("sklearn_scaling")]


def _public_path(function):
    """``sklearn_scaling.laws.NAME`` where the laws module exports it, else its module's."""
    import sklearn_scaling.laws as laws

    if getattr(laws, function.__name__, None) is function:
        return f"sklearn_scaling.laws.{function.__name__}"
    return f"{function.__module__}.{function.__name__}"


def _law_functions(law):
    functions = [law.function, law.jacobian, *law.methods.values()]
    return [f for f in functions if f is not None and hasattr(f, "__module__")]


def documented_names():
    """Dotted names that ``.. law-functions::`` documents (for the API completeness check)."""
    return {_public_path(f) for law in package_laws() for f in _law_functions(law)}


class LawFunctions(SphinxDirective):
    """``.. law-functions::``: the functions of every registered law, with docstrings."""

    has_content = False

    def run(self):
        setattr(self.env, _ENV_KEY, getattr(self.env, _ENV_KEY, set()) | {self.env.docname})
        lines = []
        for law in package_laws():
            title = f"``{law.name}``"
            lines += [title, "~" * len(title), ""]
            for function in _law_functions(law):
                lines += [f".. autofunction:: {_public_path(function)}", ""]
        return self.parse_text_to_nodes("\n".join(lines), allow_section_headings=True)


def _reread(app, env, added, changed, removed):
    return sorted(getattr(env, _ENV_KEY, set()) - set(removed))


def _purge(app, env, docname):
    getattr(env, _ENV_KEY, set()).discard(docname)


def _merge(app, env, docnames, other):
    setattr(env, _ENV_KEY, getattr(env, _ENV_KEY, set()) | getattr(other, _ENV_KEY, set()))


def setup(app):
    app.add_directive("law-library", LawLibrary)
    app.add_directive("law-functions", LawFunctions)
    app.connect("env-get-outdated", _reread)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
