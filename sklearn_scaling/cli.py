"""Command line of sklearn_scaling.

``sklearn-scaling demo`` fits the two seed laws and the Chinchilla law on built-in
synthetic data; ``sklearn-scaling laws`` lists the laws of the registry;
``sklearn-scaling fit`` fits any of them to a CSV file, per group, and reports parameters
(and with ``--interval`` their standard errors and prediction intervals) and R^2;
``sklearn-scaling plan`` prints compute-optimal runs from a law fitted to a CSV file.

The laws ``fit`` takes come from the registry (:func:`~sklearn_scaling.laws.available_laws`)
when asked, so a law registered by the user's own code needs no change here: the two
seed laws keep their own estimators and options, every other law is fitted by
:class:`~sklearn_scaling.ScalingLawRegressor` with the generic options; with ``--group``
all its groups in one grouped fit (``--shared``, ``--fixed``), the seed laws one fit per
group. The fitting options are not listed here: they are the estimators' declared
parameters (see ``_derived_options``), checked by scikit-learn's own validation. Files
are read by the package's one CSV reader, ``sklearn_scaling._csv``.

Errors the user can fix (a missing file or column, a value that is not a number or that
the law cannot take, an option of another law) print one line on stderr, naming the
file, line and column where known, and exit with status 2.
"""

import argparse
import atexit
import inspect
import json
import math
import numbers
import os
import re
import shutil
import sys
import tempfile
import textwrap
import warnings
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import InvalidParameterError, StrOptions

from . import DoubleDescentRegressor, LogPowerHyperparamRegressor, ScalingLawRegressor, __version__
from ._csv import CSVError, MissingColumn, read_csv
from .datasets import make_chinchilla, make_double_descent, make_lr_bsz_sweep
from .laws import (
    LOG_POWER_PARAMS,
    available_laws,
    double_descent,
    double_descent_shape,
    get_law,
)

__all__ = ["main"]

PROG = "sklearn-scaling"
#: Exit status of every documented error, as argparse uses for usage errors.
EXIT_ERROR = 2
# Width the text table is folded to, fixed so that output does not depend on the terminal.
TABLE_WIDTH = 100


class CommandError(Exception):
    """A failure the user can fix: reported as one line on stderr, exit status 2."""


#: Exceptions a fit raises on data or options it cannot handle (an overflow with a huge
#: --f-scale, a singular system): reported as one line, like the other errors.
FIT_ERRORS = (ValueError, OverflowError, FloatingPointError, np.linalg.LinAlgError)


# ------------------------------------------------------------------------------ laws

#: The kind of law every registered law but the two seed laws is: fitted by
#: ScalingLawRegressor, with the generic options only.
REGISTRY = "registry"


@dataclass(frozen=True)
class _Law:
    """How ``fit`` fits one law: the estimator, its default feature columns, and for a
    law of the registry, the registered :class:`~sklearn_scaling.laws.Law`."""

    name: str
    estimator: type
    default_features: tuple
    feature_meaning: str
    #: The registered Law that ScalingLawRegressor fits; None for the seed estimators.
    law: object = None
    #: The registry's name of the same law (the seed laws are registered too).
    registered: str | None = None

    @property
    def kind(self):
        """'double-descent', 'log-power' or REGISTRY: which options the law takes."""
        return REGISTRY if self.law is not None else self.name

    @property
    def n_features(self):
        return len(self.default_features)

    @property
    def title(self):
        if self.law is None:
            return self.estimator.__name__
        return f"{self.estimator.__name__}(law={self.law.name!r})"

    def build(self, options):
        """The unfitted estimator with these constructor parameters."""
        if self.law is None:
            return self.estimator(**options)
        return self.estimator(law=self.law.name, **options)


#: The two seed laws keep their own estimators, options and parameters; the registry's
#: declarations of the same laws (``double_descent``, ``log_power``) name them too.
SEED_LAWS = {
    "double-descent": _Law(
        "double-descent",
        DoubleDescentRegressor,
        ("log_flops",),
        "log10 compute",
        registered="double_descent",
    ),
    "log-power": _Law(
        "log-power",
        LogPowerHyperparamRegressor,
        ("lr", "bsz", "data_size", "non_embedding_param_size"),
        "learning rate, batch size, data size, non-embedding parameters",
        registered="log_power",
    ),
}


def _spelling(name):
    """A law's name with '-' and '_' alike: 'data-constrained' is 'data_constrained'."""
    return name.replace("-", "_")


class _LawTable(Mapping):
    """``fit --law`` name -> :class:`_Law`: the two seed laws and every law of the
    registry, read when asked so that a law registered after import (by a user's
    module) is there without editing this file. A name may be written with '-' or '_'."""

    def _names(self):
        """Name -> registered name of the law (None for the seed laws), in sorted order."""
        seeds = {_spelling(law.registered) for law in SEED_LAWS.values()}
        names = dict.fromkeys(SEED_LAWS)
        for name in available_laws():
            if _spelling(name) not in seeds:
                names[name] = name
        return dict(sorted(names.items()))

    def resolve(self, name):
        """The table's own name of ``name``, however it is spelled; KeyError if none."""
        names = self._names()
        if name in names:
            return name
        matches = [known for known in names if _spelling(known) == _spelling(name)]
        if len(matches) == 1:
            return matches[0]
        raise KeyError(name)

    def __getitem__(self, name):
        name = self.resolve(name)
        if name in SEED_LAWS:
            return SEED_LAWS[name]
        law = get_law(name)
        return _Law(
            name,
            ScalingLawRegressor,
            tuple(law.features),
            f"{', '.join(law.features)}, in this order",
            law=law,
            registered=name,
        )

    def __iter__(self):
        return iter(self._names())

    def __len__(self):
        return len(self._names())


LAWS = _LawTable()


def _resolve_law(name):
    """The table's name of law ``name``; an unknown name is an error listing the laws."""
    try:
        return LAWS.resolve(name)
    except KeyError:
        raise CommandError(
            f"--law: unknown law {name!r}; the laws are {', '.join(LAWS)} "
            "('sklearn-scaling laws' describes them)"
        ) from None


def _split_columns(words):
    """Names from words separated by spaces or commas: 'N D' and 'N,D' alike."""
    return [c.strip() for word in words for c in word.split(",") if c.strip()]


def _feature_columns(law, words):
    """The CSV columns of the law's features: the words given (split at commas too),
    or the law's defaults; another count than the law's is an error naming them."""
    if words is None:
        return list(law.default_features)
    columns = _split_columns(words)
    if len(columns) != law.n_features:
        raise CommandError(
            f"--law {law.name} needs {law.n_features} feature column(s) "
            f"({law.feature_meaning}); --features gave {len(columns)}: "
            f"{' '.join(columns) or '(none)'}"
        )
    return columns


# --------------------------------------------------------------------- argument types


def _checked_number(convert, accept, requirement):
    """An argparse type: ``convert`` the text, then refuse values ``accept`` rejects."""
    kind = "an integer" if convert is int else "a number"

    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {kind}, got {text!r}") from None
        if not accept(value):
            raise argparse.ArgumentTypeError(f"{requirement}, got {text}")
        return value

    return parse


_positive_float = _checked_number(
    float, lambda v: v > 0 and np.isfinite(v), "must be a finite number > 0"
)
_positive_int = _checked_number(int, lambda v: v >= 1, "must be >= 1")


def _float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if math.isnan(value):
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}")
    return value


def _coverage(text):
    value = _float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(
            f"expected a coverage between 0 and 1, e.g. 0.9 for 90%, got {text!r}"
        )
    return value


def _key_value(text, key="NAME"):
    """``(key, value)`` of the text 'KEY=VALUE', both stripped."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected {key}=VALUE, got {text!r}")
    return name.strip(), value.strip()


def _exclusion(text):
    return _key_value(text, "COLUMN")


# -------------------------------------------------------------------------- parser


# Every number ``float`` reads that starts with '-': argparse's own pattern misses '-inf'
# and '-1e-3', and takes them for options ("--b0-bounds: expected 2 arguments").
_NEGATIVE_NUMBER = re.compile(
    r"^-(\d+\.?\d*(e[-+]?\d+)?|\.\d+(e[-+]?\d+)?|inf|infinity|nan)$", re.IGNORECASE
)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, like the other errors, and
    that reads every negative number, '-inf' and '-1e-3' included, as a value."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # No option of this command looks like a number, so argparse takes a token that
        # matches this for a value (see argparse's _parse_optional).
        self._negative_number_matcher = _NEGATIVE_NUMBER

    def error(self, message):
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


FIT_DESCRIPTION = """\
Fit a scaling law to the rows of a CSV file and report its parameters and R^2.

--law takes every law of 'sklearn-scaling laws' ('-' and '_' alike): the two seed laws
double-descent and log-power with their own estimators and options, every other law
with ScalingLawRegressor and the generic options. --features names the CSV columns
of the law's features, in the law's order. Parameters that end on a bound are marked.

The file needs a header row. Feature and target columns must hold numbers on every
row that is used; other columns are ignored. With --group, every value of that column
gets its own law: for a law of the registry all groups in one grouped fit, where
--shared NAME gives a parameter one value for every group and --fixed NAME=VALUE holds
one (also without --group); the seed laws fit each group on its own. With
--split-column, rows whose value is 'train' are fitted, R^2 is also reported on rows
whose value is 'test', and rows with any other value are ignored; without it every
row is a train row. With --group and test rows, a pooled
test R^2 (of all groups' test predictions together) is reported too.

The fitting options are the estimators' own parameters, with their docstrings' words
and defaults; options not given keep the estimator's defaults. Without --random-state
the multi-start fit may differ slightly from run to run."""

FIT_EPILOG = """\
examples:
  sklearn-scaling fit --law double-descent easy_question.csv --target brier_score \\
      --group group --split-column split
  sklearn-scaling fit --law log-power lr_bsz.csv --target lm_loss \\
      --split-column split --exclude diverged=1 --json
  sklearn-scaling fit --law chinchilla runs.csv --target loss --features params,tokens \\
      --target-space log --interval 0.9
  sklearn-scaling fit --law power-law curves.csv --target loss --features x \\
      --group curve --shared alpha"""


def _build_parser():
    parser = _Parser(
        prog=PROG,
        description="Fit scaling laws (scikit-learn estimators) from the command line.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser(
        "demo",
        help="fit the seed laws and chinchilla on built-in synthetic data",
        description=(
            "Fit the two seed laws and the Chinchilla law on built-in synthetic data and "
            "print their parameters next to the true ones."
        ),
    )
    demo.add_argument("--random-state", type=int, default=0)
    demo.set_defaults(handler=_demo)

    laws = commands.add_parser(
        "laws",
        help="list the laws fit can fit",
        description=(
            "List every registered law: its name (for fit --law), the features it needs "
            "in order, its parameters, formula and reference."
        ),
    )
    laws.add_argument(
        "--n-features", type=_positive_int, metavar="N", help="only laws of N features"
    )
    laws.add_argument("--json", action="store_true", help="print one JSON document instead")
    laws.set_defaults(handler=_laws)

    fit = commands.add_parser(
        "fit",
        help="fit a law to a CSV file",
        description=FIT_DESCRIPTION,
        epilog=FIT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    fit.set_defaults(handler=_fit)
    # Optional for argparse only: _parse_args takes DATA from the end of --features when
    # it was written after them, and otherwise reports it missing.
    fit.add_argument("data", metavar="DATA", nargs="?", help="CSV file with a header row")
    fit.add_argument(
        "--law",
        required=True,
        metavar="NAME",
        help=(
            "the law to fit: double-descent, log-power or a law of 'sklearn-scaling laws'; "
            "'auto' chooses among the registry's laws of the features by extrapolation "
            "(LawSearchCV) and prints the table of laws with their scores"
        ),
    )
    fit.add_argument("--target", required=True, metavar="COL", help="column to predict")
    fit.add_argument(
        "--features",
        nargs="+",
        metavar="COL",
        help=(
            "feature columns in the law's order, separated by spaces or commas (a DATA "
            "written right after them is read as DATA). "
            "double-descent: one column, log10 compute (default: log_flops). log-power: "
            "four columns, learning rate, batch size, data size, non-embedding parameters "
            "(default: lr bsz data_size non_embedding_param_size). Other laws: as many as "
            "the law's features (default: their names, e.g. N,D for chinchilla). Required "
            "when the defaults are not columns of DATA"
        ),
    )
    fit.add_argument(
        "--group", metavar="COL", help="fit one law per value of this column (see above)"
    )
    fit.add_argument(
        "--split-column",
        metavar="COL",
        help="fit rows whose value is 'train', score rows whose value is 'test', ignore others",
    )
    fit.add_argument(
        "--exclude",
        action="append",
        type=_exclusion,
        metavar="COL=VALUE",
        help="drop rows whose COL equals VALUE (repeatable), e.g. --exclude diverged=1",
    )
    fit.add_argument("--json", action="store_true", help="print one JSON document instead")
    fit.add_argument(
        "--interval",
        type=_coverage,
        metavar="COVERAGE",
        help=(
            "also report each parameter's standard error and intervals of the "
            "predictions of this coverage, e.g. 0.9, with the fraction of rows inside"
        ),
    )
    fit.add_argument(
        "--plot",
        metavar="OUT.png",
        help="save a plot of the fitted law(s), one panel per group (needs matplotlib)",
    )

    fit_options = _add_estimator_options(fit)
    fit.set_defaults(fit_options=fit_options)
    parser.commands = {"demo": demo, "fit": fit, "laws": laws, "plan": _add_plan_parser(commands)}
    return parser


# Options of the command itself, not of a subcommand.
TOP_LEVEL_OPTIONS = ("-h", "--help", "--version")


def _subcommand_first(argv, commands):
    """Move the options written before the subcommand (``--law x fit DATA``) after it."""
    for index, token in enumerate(argv):
        if token == "--":
            break
        if token in commands:
            before = argv[:index]
            top = [t for t in before if t in TOP_LEVEL_OPTIONS]
            rest = [t for t in before if t not in TOP_LEVEL_OPTIONS]
            return [*top, token, *rest, *argv[index + 1 :]]
    return argv


def _parse_args(parser, argv):
    """Parse ``argv``, accepting options anywhere: before the subcommand, and before
    DATA even after ``--features`` (whose list of columns would otherwise swallow it)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(_subcommand_first(argv, parser.commands))
    if args.command != "fit":
        return args
    fit = parser.commands["fit"]
    if args.law == AUTO:
        return _parse_auto_args(fit, args)
    try:
        args.law = _resolve_law(args.law)
    except CommandError as exc:
        fit.error(f"argument {exc}")
    words = args.features
    if words is not None:
        args.features = _split_columns(words)
    if args.data is None:
        n_needed = LAWS[args.law].n_features
        if words is not None and "," not in words[-1] and len(args.features) == n_needed + 1:
            # --features took every word up to the next option, DATA included.
            args.data = args.features.pop()
        elif words is not None:
            fit.error(
                "the following arguments are required: DATA (--features takes every word "
                "up to the next option: put DATA before --features)"
            )
        else:
            fit.error("the following arguments are required: DATA")
    return args


# --------------------------------------------------------------------------- demo


def _demo(args):
    # Warnings are one line each after the output, as for fit, not Python's two lines.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _demo_fits(args)
    _warn((None, warning) for warning in caught)
    return 0


def _demo_fits(args):
    X, y, true = make_double_descent(
        n_samples=150, noise=0.02, random_state=args.random_state, return_params=True
    )
    reg = DoubleDescentRegressor(random_state=args.random_state).fit(X, y)
    print(f"DoubleDescentRegressor on {len(y)} runs: train R^2 {reg.score(X, y):.3f}")
    _print_fitted_and_true(reg.params_, double_descent_shape(true))
    grid = np.linspace(X.min(), X.max(), 400)
    true_curve = double_descent(grid, true)
    gap = np.max(np.abs(reg.predict(grid[:, None]) - true_curve))
    print(
        f"  peak at log10 compute {reg.peak_['log_compute']:.2f} (true "
        f"{grid[np.argmax(true_curve)]:.2f}), height {reg.peak_['value']:.3f} (true "
        f"{true_curve.max():.3f})\n"
        f"  largest gap to the true curve over the data: {gap:.3f} (noise 0.02)\n"
        "  (overlapping sigmoids trade amplitude for centre, so A_up, A_dn, c1 and c2 are\n"
        "   weakly identified; the curve is not)"
    )
    X, y, true = make_lr_bsz_sweep(
        n_samples=400, random_state=args.random_state, return_params=True
    )
    reg = LogPowerHyperparamRegressor(random_state=args.random_state).fit(X, y)
    print(f"LogPowerHyperparamRegressor on {len(y)} runs: train R^2 {reg.score(X, y):.3f}")
    _print_fitted_and_true(reg.params_, dict(zip(LOG_POWER_PARAMS, true, strict=True)))
    print(
        "  (the size and batch terms of this law nearly trade off, so a, b, c, e and the\n"
        "   exponents are weakly identified; the curve and lr_opt are what the data fix)"
    )
    X, y, true = make_chinchilla(random_state=args.random_state, return_params=True)
    reg = ScalingLawRegressor("chinchilla", target_space="log", random_state=args.random_state).fit(
        X, y
    )
    print(
        f"ScalingLawRegressor(law='chinchilla') on {len(y)} runs: train R^2 {reg.score(X, y):.3f}"
    )
    _print_fitted_and_true(reg.params_, true)
    print(
        "  (any law of 'sklearn-scaling laws' fits the same way: "
        "sklearn-scaling fit --law NAME ...)"
    )


def _print_fitted_and_true(fitted, true):
    print(f"  {'':>12s}   {'fitted':>10s}   {'true':>10s}")
    for name, value in fitted.items():
        print(f"  {name:>12s} = {value: 10.4g}   {float(true[name]): 10.4g}")


# --------------------------------------------------------------------------- laws


def _law_entry(name):
    """What ``laws`` says of the registered law ``name``."""
    law = get_law(name)
    seed = next((s for s in SEED_LAWS.values() if s.registered == name), None)
    if seed is None:
        fit = f"--law {name}: ScalingLawRegressor(law={name!r})"
    else:
        fit = (
            f"--law {seed.name}: {seed.estimator.__name__}, with its own parameters and "
            "options (see 'sklearn-scaling fit --help')"
        )
    return {
        "name": name,
        "description": law.description,
        "features": list(law.features),
        "parameters": list(law.parameters),
        "formula": law.formula,
        "reference": law.reference,
        "fit": fit,
    }


def _laws(args):
    entries = [_law_entry(name) for name in available_laws(n_features=args.n_features)]
    if args.json:
        print(json.dumps({"laws": entries}, indent=2))
        return 0
    if not entries:
        print(f"no registered law takes {args.n_features} feature(s)")
        return 0
    keys = ("features", "parameters", "formula", "reference", "fit")
    width = max(map(len, keys))
    blocks = []
    for entry in entries:
        head = ": ".join(filter(None, (entry["name"], entry["description"])))
        lines = textwrap.wrap(head, TABLE_WIDTH, subsequent_indent="    ")
        for key in keys:
            value = entry[key]
            lines += textwrap.wrap(
                (", ".join(value) if isinstance(value, list) else value) or "-",
                TABLE_WIDTH,
                initial_indent=f"  {key.ljust(width)}  ",
                subsequent_indent=" " * (width + 4),
            )
        blocks.append("\n".join(lines))
    print("\n\n".join(blocks))
    return 0


# ------------------------------------------------------------------ estimator options
#
# The fitting options are not restated here: each is derived from the parameters the
# estimators declare (``_parameter_constraints``, the ``__init__`` defaults and the
# numpydoc "Parameters" text), so a parameter an estimator gains is an option at once.
# Values are checked by scikit-learn's own validation (InvalidParameterError), which
# the command reports as one line naming the option.

#: The estimator of each kind of law, whose parameters are ``fit``'s options.
ESTIMATORS = {
    REGISTRY: ScalingLawRegressor,
    "double-descent": DoubleDescentRegressor,
    "log-power": LogPowerHyperparamRegressor,
}

#: Parameters the command line sets in its own way rather than through an option of
#: their name: the law and the group column are arguments of the command, and a
#: parameter of a Python type a word cannot spell (a dict or a pair) has its form here.
OWN_FORMS = {
    "law": "--law NAME",
    "group": "--group COL",
    "bounds": "--bound NAME LOW HIGH (repeatable)",
    "shared": "--shared NAME[,NAME...]",
    "fixed": "--fixed NAME=VALUE (repeatable)",
    "b0_bounds": "--b0-bounds LOW HIGH",
    "prediction_bounds": "--prediction-bounds LOW HIGH",
}

#: Checks the estimators' constraints lack and the command keeps: ``n_jobs`` is declared
#: as any integer, but joblib refuses 0 (and only at the first parallel fit).
EXTRA_CHECKS = {"n_jobs": (lambda value: value != 0, "must not be 0 (-1 uses every core)")}


def _flag(name):
    """The option of constructor parameter ``name``: ``--kebab-case`` (``bounds``, one
    bound per use, is ``--bound``)."""
    return "--bound" if name == "bounds" else "--" + name.replace("_", "-")


def _kinds_text(kinds):
    """Who takes an option, for the error that refuses it and for --help."""
    laws = [f"--law {kind}" for kind in kinds if kind != REGISTRY]
    if REGISTRY in kinds:
        laws.append("the laws of the registry (see 'sklearn-scaling laws')")
    return " and ".join(laws)


def _docstring_parameters(estimator):
    """``{name: first sentence}`` of the numpydoc "Parameters" section of a class (none
    when Python runs without docstrings, ``-OO``)."""
    text = textwrap.dedent((estimator.__doc__ or "\n").split("\n", 1)[1])
    section = re.search(r"^Parameters\n-+\n(.*?)(?=^\S[^\n]*\n-+\n|\Z)", text, re.M | re.S)
    section = "" if section is None else section.group(1)
    described = {}
    for match in re.finditer(r"^(\w+) : [^\n]*\n((?:[ \t]+[^\n]*\n?)*)", section, re.M):
        words = " ".join(match.group(2).replace("``", "").split())
        # The first sentence: a period before a capital ("et al. used" goes on).
        described[match.group(1)] = re.split(r"(?<=\.)\s(?=[A-Z])", words, maxsplit=1)[0]
    return described


@dataclass(frozen=True)
class _Option:
    """One constructor parameter as an option of ``fit``: the kinds of law whose
    estimator takes it, and for each its docstring's first sentence and default."""

    name: str
    kinds: tuple
    texts: tuple

    @property
    def flag(self):
        return _flag(self.name)

    def help(self, kinds, defaults):
        """The --help text for the laws of ``kinds``, with ``defaults`` overriding."""
        texts = {}
        for kind, text in zip(self.kinds, self.texts, strict=True):
            if kind in kinds:
                if self.name in defaults:
                    text = f"{text.rsplit(' (default: ', 1)[0]} (default: {defaults[self.name]})"
                texts.setdefault(text, []).append("other laws" if kind == REGISTRY else kind)
        if len(texts) == 1:
            return next(iter(texts)).replace("%", "%%")
        return "; ".join(f"{'/'.join(k)}: {t}" for t, k in texts.items()).replace("%", "%%")


def _number_type(constraints):
    """int, float or None: the number a parameter's constraints accept."""
    types = set()
    for constraint in constraints:
        kind = getattr(constraint, "type", constraint)  # an Interval, or a bare type
        if constraint == "random_state" or kind is numbers.Integral:
            types.add(int)
        elif kind is numbers.Real:
            types.add(float)
    return None if not types else (int if types == {int} else float)


def _string_options(constraints):
    return sorted({o for c in constraints if isinstance(c, StrOptions) for o in c.options})


def _value_type(name, words, number):
    """An argparse type: one of ``words``, else a ``number``."""
    kind = "an integer" if number is int else "a number"
    expected = " or ".join([*map(repr, words), kind])

    def parse(text):
        if text in words:
            return text
        try:
            value = number(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if number is float and math.isnan(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    parse.__name__ = name  # argparse names the type in some messages
    return parse


def _derived_options():
    """Every parameter of the estimators as an :class:`_Option`, in declaration order,
    but ``law`` and ``group``: the command's own --law NAME and --group COL."""
    found = {}
    for kind, estimator in ESTIMATORS.items():
        described = _docstring_parameters(estimator)
        defaults = inspect.signature(estimator.__init__).parameters
        for name in estimator._parameter_constraints:
            if name in ("law", "group"):
                continue
            text = f"{described.get(name, '').rstrip('.')} (default: {defaults[name].default})"
            found.setdefault(name, []).append((kind, text))
    return [_Option(name, *map(tuple, zip(*pairs, strict=True))) for name, pairs in found.items()]


OPTIONS = _derived_options()


def _constraints(name, kinds):
    return [c for kind in kinds for c in ESTIMATORS[kind]._parameter_constraints.get(name, ())]


def _add_estimator_options(parser, kinds=tuple(ESTIMATORS), defaults=None, skip=()):
    """Add an option for every parameter of the estimators of ``kinds`` to ``parser``.

    Returns the options added. ``defaults`` overrides an estimator's default (``plan``
    fits in log space); ``skip`` names parameters left out.
    """
    defaults = defaults or {}
    added = []
    groups = {}
    for option in OPTIONS:
        taken = tuple(kind for kind in option.kinds if kind in kinds)
        if not taken or option.name in skip:
            continue
        title = (
            "fitting options (every law; default: the estimator's)"
            if len(taken) == len(kinds)
            else f"options of {_kinds_text(taken)}"
        )
        group = groups.setdefault(title, parser.add_argument_group(title))
        constraints = _constraints(option.name, taken)
        spec = dict(help=option.help(taken, defaults), default=defaults.get(option.name))
        words, number = _string_options(constraints), _number_type(constraints)
        if option.name == "bounds":
            spec.update(action="append", nargs=3, metavar=("NAME", "LOW", "HIGH"))
            group.add_argument(option.flag, dest="bounds", **spec)
        elif option.name in ("b0_bounds", "prediction_bounds"):
            group.add_argument(option.flag, nargs=2, type=_float, metavar=("LOW", "HIGH"), **spec)
        elif option.name == "shared":
            spec.update(action="extend", metavar="NAME[,NAME...]")
            group.add_argument("--shared", type=_names, **spec)
        elif option.name == "fixed":
            spec.update(action="append", metavar="NAME=VALUE")
            group.add_argument("--fixed", type=_fixed_value, **spec)
        elif "boolean" in constraints:
            group.add_argument(option.flag, action=argparse.BooleanOptionalAction, **spec)
        elif words and number is None:
            group.add_argument(option.flag, choices=words, **spec)
        elif number is not None:
            metavar = "{" + ",".join([*words, "NUMBER"]) + "}" if words else number.__name__.upper()
            spec["metavar"] = metavar
            group.add_argument(option.flag, type=_value_type(option.name, words, number), **spec)
        else:
            continue  # a Python object a word cannot spell (none today: see OWN_FORMS)
        added.append(option)
    return added


def _names(text):
    names = _split_columns([text])
    if not names:
        raise argparse.ArgumentTypeError(f"expected NAME[,NAME...], got {text!r}")
    return names


def _fixed_value(text):
    name, value = _key_value(text)
    try:
        return name, _float(value)
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(f"{name}: {exc}") from None


def _pair(flag, pair):
    low, high = pair
    if not low < high:
        raise CommandError(f"{flag}: LOW must be below HIGH, got {low:g} {high:g}")
    return (low, high)


def _cli_form(name, value, law):
    """An option's value as the constructor takes it (pairs, dicts), checked."""
    if name in ("b0_bounds", "prediction_bounds"):
        return _pair(_flag(name), value)
    if name == "bounds":
        bounds = {}
        for parameter, low, high in value:
            try:
                pair = _float(low), _float(high)
            except argparse.ArgumentTypeError as exc:
                raise CommandError(f"--bound {parameter}: {exc}") from None
            bounds[parameter] = _pair(f"--bound {parameter}", pair)
        value = bounds
    if name == "fixed":
        value = dict(value)
    if name in ("bounds", "fixed", "shared") and law.law is not None:
        flag = _flag(name)
        for parameter in value:
            if parameter not in law.law.parameters:
                raise CommandError(
                    f"{flag} {parameter}: --law {law.name} has no parameter {parameter!r}; "
                    f"its parameters are {', '.join(law.law.parameters)}"
                )
    if name in EXTRA_CHECKS and value is not None:
        accept, requirement = EXTRA_CHECKS[name]
        if not accept(value):
            raise CommandError(f"{_flag(name)} {value}: {requirement}")
    return value


def _validated(estimator, given):
    """scikit-learn's own check of the parameters, its error as one line naming the option."""
    try:
        estimator._validate_params()
    except InvalidParameterError as exc:
        message = str(exc)
        pattern = r"The '(\w+)' parameter of (\w+) (must be .*?)\.? Got (.*) instead"
        match = re.match(pattern, message)
        if match is None:
            raise CommandError(message) from None
        name, owner, requirement, _ = match.groups()
        flag = _flag(name)
        shown = given.get(name)
        shown = " ".join(map(str, shown)) if isinstance(shown, tuple | list) else shown
        raise CommandError(f"{flag} {shown}: {owner}'s {name} {requirement}") from None
    return estimator


def _estimator_options(args, law=None, options=None):
    """Constructor parameters the user gave, checked against the chosen law."""
    law = LAWS[args.law] if law is None else law
    given = {}
    for option in options or OPTIONS:
        value = getattr(args, option.name, None)
        if value is None:
            continue
        if law.kind not in option.kinds:
            flag = option.flag
            if value is False:  # written --no-NAME
                flag = "--no-" + flag[2:]
            raise CommandError(
                f"{flag} applies to {_kinds_text(option.kinds)} only, not to --law {law.name}"
            )
        given[option.name] = _cli_form(option.name, value, law)
    _validated(law.build(given), given)
    return given


def _build_estimator(args):
    """The estimator ``fit`` would use for these parsed arguments (before fitting)."""
    return LAWS[args.law].build(_estimator_options(args))


# --------------------------------------------------------------------------- data


@dataclass
class _Rows:
    """The used rows of a CSV file: features, target, group, split and file line."""

    X: np.ndarray
    y: np.ndarray
    group: np.ndarray
    train: np.ndarray
    line: np.ndarray
    #: The 'diverged' column when the file has one and no --exclude names it; which used
    #: rows it marks diverged, and the most frequent marker ('1'): see _diverged_note.
    diverged_column: str | None = None
    diverged: np.ndarray | None = None
    diverged_marker: str | None = None


def _matches(text, value):
    if text == value:
        return True
    # Numbers compare by value, so that --exclude diverged=1 also drops '1.0'.
    try:
        return float(text) == float(value)
    except ValueError:
        return False


#: A column that marks runs that blew up (the lr_bsz format); see _diverged_note.
DIVERGED = "diverged"


def _marks_diverged(text):
    """Whether a 'diverged' field says the run diverged: a nonzero number, or true/yes."""
    try:
        value = float(text)
    except ValueError:
        return text.lower() in ("true", "yes", "t", "y")
    return value != 0 and not math.isnan(value)


def _read_table(path, needed):
    """The file through the package's one CSV reader (whose CSVError the command reports
    like its own errors), or a CommandError when it cannot be read."""
    try:
        table = read_csv(path)
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CommandError(f"{path}: is a directory, not a CSV file") from None
    except OSError as exc:
        raise CommandError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    table.require(needed)
    return table


def _read_rows(path, features, target, group=None, split=None, exclude=()):
    """Read the rows ``fit`` and ``plan`` use from a CSV file; errors name line and column."""
    needed = [*features, target, *(c for c in (group, split) if c is not None)]
    table = _read_table(path, [*needed, *(column for column, _ in exclude)])
    used = np.ones(len(table.rows), dtype=bool)
    for column, value in exclude:
        used &= [not _matches(text, value) for text in table.column(column)]
    texts = ["train"] * len(used) if split is None else table.column(split)
    roles = np.array([text.lower() for text in texts], dtype=object)
    # Only rows that are used must hold numbers: ignored rows may hold anything.
    used &= (roles == "train") | (roles == "test")
    if not (used & (roles == "train")).any():
        where = "" if split is None else f" has 'train' in column {split!r}"
        dropped = " after --exclude" if exclude else ""
        raise CommandError(f"{path}: no row{where}{dropped}: nothing to fit")
    X = np.column_stack([table.numbers(name, used) for name in features])
    y = table.numbers(target, used)
    groups = [None] * len(y) if group is None else table.column(group, used)
    # Runs marked diverged are fitted like any other unless an --exclude names the column.
    header = table.header
    diverged_column = next((name for name in header if name.lower() == DIVERGED), None)
    if diverged_column is not None and (
        header.count(diverged_column) > 1 or any(c == diverged_column for c, _ in exclude)
    ):
        diverged_column = None
    diverged, marker = None, None
    if diverged_column is not None:
        markers = table.column(diverged_column, used)
        diverged = np.array([_marks_diverged(text) for text in markers], dtype=bool)
        counts = {}
        for text, marked in zip(markers, diverged, strict=True):
            if marked:
                counts[text] = counts.get(text, 0) + 1
        # The most frequent marker, for the --exclude the note suggests.
        marker = max(counts, key=counts.get) if counts else None
    return _Rows(
        X=X.reshape(len(y), len(features)),
        y=y,
        group=np.array(groups, dtype=object),
        train=roles[used] == "train",
        line=table.lines[used],
        diverged_column=diverged_column,
        diverged=diverged,
        diverged_marker=marker,
    )


def _diverged_note(path, rows):
    """A note that runs marked diverged are fitted, and how to drop them; or None.

    Blown-up runs of a learning-rate sweep (the lr_bsz format) sit far above the loss
    surface and drag any law fitted through them: on the real lr_bsz.csv, keeping its
    167 diverged runs brings the test R^2 of the log-power law from 0.59 to 0.22.
    """
    if rows.diverged_column is None or not rows.diverged.any():
        return None
    n_train = int((rows.diverged & rows.train).sum())
    n_test = int((rows.diverged & ~rows.train).sum())
    counts = f"{n_train} of the {int(rows.train.sum())} train rows"
    if (~rows.train).any():
        counts += f" and {n_test} of the {int((~rows.train).sum())} test rows"
    return (
        f"{path}: {counts} are marked diverged in column {rows.diverged_column!r} and are "
        f"used like the others; add --exclude {rows.diverged_column}={rows.diverged_marker} "
        "to drop them"
    )


# ------------------------------------------------------------------------ progress


def _progress_enabled(stream):
    """Whether to show progress on ``stream``: only on a terminal, never in logs or pipes."""
    isatty = getattr(stream, "isatty", None)
    if isatty is None:
        return False
    try:
        return bool(isatty())
    except (ValueError, OSError):  # a closed or detached stream
        return False


class _Progress:
    """One status line rewritten in place with ``\\r``, and erased when done."""

    def __init__(self, stream):
        self.stream = stream
        self.enabled = _progress_enabled(stream)
        self._width = 0

    def show(self, text):
        if self.enabled:
            self.stream.write("\r" + text.ljust(self._width))
            self.stream.flush()
            self._width = len(text)

    def clear(self):
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


# ------------------------------------------------------------------------- fitting


@contextmanager
def _law_errors(args, group_label, lines, prefix=""):
    """Report an estimator's error (FIT_ERRORS) raised inside as a CommandError: one
    line naming the file and group, and where known the file line and column."""
    try:
        yield
    except FIT_ERRORS as exc:
        message = " ".join(str(exc).split())
        if not isinstance(exc, ValueError):
            # An overflow or a singular system says little by itself: name it and the cure.
            message = (
                f"the fit failed ({type(exc).__name__}: {message or 'no details'}); check "
                "that the options, such as --f-scale and --alpha, suit the scale of the data"
            )
        path, features = args.data, args.features
        where = f"{path}" if group_label is None else f"{path}, group {group_label!r}"
        # The log-power domain check reports "column <j> (...) ... at row <i>" of its X.
        row = re.search(r" at row (\d+)", message)
        column = re.search(r"\bcolumn (\d+) ", message)
        i, j = (int(match.group(1)) if match else -1 for match in (row, column))
        if 0 <= i < len(lines) and 0 <= j < len(features):
            where = f"{path}, line {lines[i]}, column {features[j]!r}"
            message = message.replace(row.group(0), "")
        raise CommandError(f"{prefix}{where}: {message}") from None


def _r2(y, prediction):
    # R^2 needs two rows; one or none gives no number rather than a warning and NaN.
    return float(r2_score(y, prediction)) if len(y) >= 2 else None


def _at_bounds(estimator):
    """Names of the parameters that end on a bound, as a tuple (none if not reported)."""
    names = getattr(estimator, "at_bounds_", ())
    if names is None:
        return ()
    if isinstance(names, str):
        return (names,)
    return tuple(str(name) for name in names)


def _no_intervals(law):
    return CommandError(
        f"--interval: {law.title} (--law {law.name}) has no intervals yet: its estimator "
        "lacks params_std_ and predict_interval; drop --interval"
    )


@dataclass
class _Curve:
    """One group's fitted law as the table reports it: the group's own estimator, or
    (``label`` given) one curve of an estimator fitted on every group at once."""

    estimator: object
    label: object = None

    def X(self, X):
        """Rows as the estimator reads them: a grouped fit's group column first."""
        if self.label is None:
            return X
        return np.column_stack([np.full(len(X), self.label, dtype=object), X])

    def _own(self, value):
        return value if self.label is None else value[self.label]

    @property
    def params(self):
        return {name: float(value) for name, value in self._own(self.estimator.params_).items()}

    @property
    def params_std(self):
        std = getattr(self.estimator, "params_std_", None)
        return None if std is None else {k: float(v) for k, v in self._own(std).items()}

    @property
    def at_bounds(self):
        names = getattr(self.estimator, "at_bounds_", ())
        return list(_at_bounds(self.estimator) if self.label is None else names[self.label])

    def predict(self, X):
        return self.estimator.predict(self.X(X))

    def predict_interval(self, X, **options):
        return self.estimator.predict_interval(self.X(X), **options)


def _intervals(args, law, curve, rows, masks, shown):
    """Standard errors, and the coverage and width of the intervals on each part."""
    std = curve.params_std
    if std is None or not callable(getattr(curve.estimator, "predict_interval", None)):
        raise _no_intervals(law)
    result = {
        "params_std": std,
        "train_coverage": None,
        "test_coverage": None,
        "median_law_width": None,
        "median_observation_width": None,
    }
    inside, widths = {}, {"law": [], "observation": []}
    for part, mask in masks.items():
        if not mask.any():
            continue
        X, y = rows.X[mask], rows.y[mask]
        bands = {}
        with _law_errors(args, shown, rows.line[mask], prefix="--interval: "):
            for kind in widths:
                bands[kind] = [
                    np.asarray(bound, dtype=float)
                    for bound in curve.predict_interval(X, coverage=args.interval, kind=kind)
                ]
        for kind, (low, high) in bands.items():
            widths[kind].append(high - low)
        # Coverage of the observed targets: the interval of a new run, not of the law.
        low, high = bands["observation"]
        inside[part] = (low <= y) & (y <= high)
        result[f"{part}_coverage"] = float(inside[part].mean())
    for kind, values in widths.items():
        values = np.concatenate(values)
        result[f"median_{kind}_width"] = float(np.median(values)) if len(values) else None
    return result, inside.get("test", np.zeros(0, bool))


def _fit_curves(args, law, options, rows, labels, progress):
    """``{label: _Curve}``: one fit of every group for a law of the registry (its
    ``group``, ``shared`` and ``fixed`` tie them), one fit per group for the seed
    estimators, which have no ``group``. Warnings are returned, not shown."""
    together = args.group is not None and law.law is not None
    jobs = [(None, rows.train)]  # (group shown in errors, train rows)
    if args.group is not None and not together:
        jobs = [(label, rows.train & (rows.group == label)) for label in labels]
    curves, caught = {}, []
    for i, (shown, train) in enumerate(jobs):
        if together:
            progress.show(f"fitting {len(labels)} groups together ({int(train.sum())} rows)...")
        elif shown is None:
            progress.show(f"fitting {int(train.sum())} rows...")
        else:
            progress.show(f"fitting group {i + 1}/{len(labels)} ({shown})...")
        estimator = law.build({**options, "group": 0} if together else options)
        X = np.column_stack([rows.group, rows.X]) if together else rows.X
        with warnings.catch_warnings(record=True) as warned:
            warnings.simplefilter("always")
            with _law_errors(args, shown, rows.line[train]):
                estimator.fit(X[train], rows.y[train])
        caught += [(shown, warning) for warning in warned]
        if together:
            curves = {label: _Curve(estimator, label) for label in labels}
        else:
            curves[labels[i] if args.group is not None else None] = _Curve(estimator)
    return curves, caught


def _fit_groups(args, rows, options, progress):
    law = LAWS[args.law]
    if args.interval is not None and not callable(getattr(law.estimator, "predict_interval", None)):
        # Before fitting rather than after: the estimator cannot give intervals at all.
        raise _no_intervals(law)
    labels = list(dict.fromkeys(rows.group))
    for label in labels:
        if args.group is not None and not (rows.train & (rows.group == label)).any():
            raise CommandError(
                f"{args.data}, group {label!r}: no row has 'train' in column "
                f"{args.split_column!r}: nothing to fit"
            )
    curves, caught = _fit_curves(args, law, options, rows, labels, progress)
    results = []
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        for label, curve in curves.items():
            in_group = rows.group == label if args.group is not None else np.ones(len(rows.y), bool)
            train, test = in_group & rows.train, in_group & ~rows.train
            shown = None if args.group is None else label
            predictions = {}
            for part, mask in (("train", train), ("test", test)):
                with _law_errors(args, shown, rows.line[mask]):
                    predictions[part] = curve.predict(rows.X[mask]) if mask.any() else np.empty(0)
            interval, test_inside = None, np.zeros(0, bool)
            if args.interval is not None:
                masks = {"train": train, "test": test}
                interval, test_inside = _intervals(args, law, curve, rows, masks, shown)
            result = {
                "group": shown,
                "n_train": int(train.sum()),
                "n_test": int(test.sum()),
                "train_r2": _r2(rows.y[train], predictions["train"]),
                "test_r2": _r2(rows.y[test], predictions["test"]),
                "params": curve.params,
                "at_bounds": curve.at_bounds,
                "converged": bool(np.all(curve.estimator.converged_)),
                # Kept for the plot and the pooled scores; not part of the JSON output.
                "_curve": curve,
                "_train": train,
                "_test": test,
                "_test_prediction": predictions["test"],
                "_test_inside": test_inside,
            }
            if interval is not None:
                result["params_std"] = interval.pop("params_std")
                # inf: the data do not identify the parameter; nan: it is held on a bound.
                # JSON has neither, so these lists say which a null is.
                result["unidentified"] = [
                    name for name, value in result["params_std"].items() if math.isinf(value)
                ]
                result["interval"] = {"coverage": args.interval, **interval}
            results.append(result)
    return results, [*caught, *((None, warning) for warning in warned)]


def _warn(caught):
    """Warnings as one line each on stderr after the output (a ConvergenceWarning is also
    the 'converged' row), not Python's two lines with a source line; a message that nine
    groups share is one line naming them. ``caught`` holds (group or None, warning)."""
    notes = {}
    for shown, warning in caught:
        groups = notes.setdefault(" ".join(str(warning.message).split()), [])
        if shown is not None and shown not in groups:
            groups.append(shown)
    for message, groups in notes.items():
        if groups:
            message += f" (group{'s' * (len(groups) > 1)} {', '.join(map(repr, groups))})"
        print(f"{PROG}: warning: {message}", file=sys.stderr)


def _pooled_r2(results, rows):
    tests = [r for r in results if r["n_test"]]
    if not tests:
        return None
    y = np.concatenate([rows.y[r["_test"]] for r in tests])
    prediction = np.concatenate([r["_test_prediction"] for r in tests])
    return _r2(y, prediction)


def _pooled_coverage(results):
    """Fraction of all groups' test rows inside their observation interval, or None."""
    inside = np.concatenate([r["_test_inside"] for r in results])
    return float(inside.mean()) if len(inside) else None


# -------------------------------------------------------------------------- output


def _format_value(value, kind):
    if value is None:
        return "-"
    if kind == "r2":
        return f"{value:.3f}"
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "int":
        return str(value)
    return f"{value:.5g}"


#: Marks a parameter that ends on a bound in the text table.
AT_BOUND = "*"


def _format_std(value):
    """Two significant digits, as 120 or 0.0045 rather than 1.2e+02: a standard error
    is not known better than that."""
    if math.isfinite(value) and 1e-4 <= abs(value) < 1e6:
        return f"{float(f'{value:.2g}'):g}"
    return f"{value:.2g}"


def _format_parameter(result, name, marked, fixed):
    cell = _format_value(result["params"][name], "float")
    if "params_std" in result and name not in fixed:
        cell += f" ± {_format_std(result['params_std'][name])}"
    if marked:
        # Every cell gets the mark's width, so that the numbers stay aligned.
        cell += AT_BOUND if name in result["at_bounds"] else " "
    return cell


def _format_table(results, shared=(), fixed=()):
    """Groups as columns, statistics and parameters as rows, folded to TABLE_WIDTH.

    A parameter ``shared`` by the groups, or ``fixed``, says so once, in its row's label.
    """
    names = list(results[0]["params"])
    spec = [
        ("n_train", "n_train", "int"),
        ("n_test", "n_test", "int"),
        ("train R^2", "train_r2", "r2"),
        ("test R^2", "test_r2", "r2"),
        ("converged", "converged", "bool"),
    ]
    interval = results[0].get("interval")
    if interval is not None:
        percent = f"{100 * interval['coverage']:.3g}%"
        spec += [
            (f"train in {percent}", "train_coverage", "r2"),
            (f"test in {percent}", "test_coverage", "r2"),
            (f"{percent} law width", "median_law_width", "float"),
            (f"{percent} obs. width", "median_observation_width", "float"),
        ]
    marked = any(result["at_bounds"] for result in results)
    roles = {**dict.fromkeys(shared, " (shared)"), **dict.fromkeys(fixed, " (fixed)")}
    labels = ["group", *(label for label, _, _ in spec), *(n + roles.get(n, "") for n in names)]
    columns = []
    for result in results:
        cells = ["(all)" if result["group"] is None else str(result["group"])]
        values = {**result, **result.get("interval", {})}
        cells += [_format_value(values[key], kind) for _, key, kind in spec]
        cells += [_format_parameter(result, name, marked, fixed) for name in names]
        columns.append(cells)
    label_width = max(map(len, labels))
    widths = [max(map(len, cells)) for cells in columns]
    blocks, block, used = [], [], label_width
    for index, width in enumerate(widths):
        if block and used + 2 + width > TABLE_WIDTH:
            blocks.append(block)
            block, used = [], label_width
        block.append(index)
        used += 2 + width
    blocks.append(block)
    lines = []
    for block in blocks:
        if lines:
            lines.append("")
        for row, label in enumerate(labels):
            cells = [columns[i][row].rjust(widths[i]) for i in block]
            lines.append("  ".join([label.ljust(label_width), *cells]).rstrip())
    return "\n".join(lines)


def _table_notes(results):
    """Lines that explain the marks of the table, for the marks it holds."""
    notes = []
    if any(result["at_bounds"] for result in results):
        notes.append(f"{AT_BOUND} ends on a bound (the bound, not the data, sets it)")
    if "interval" in results[0]:
        coverage = results[0]["interval"]["coverage"]
        percent = f"{100 * coverage:.3g}%"
        notes.append(
            f"value ± standard error; 'train/test in {percent}': fraction of the rows "
            f"inside their {percent} observation interval; widths: medians over the rows "
            f"of the {percent} intervals of the law and of a new run"
        )
        stds = [value for result in results for value in result["params_std"].values()]
        if any(math.isinf(value) for value in stds):
            notes.append("± inf: the data do not identify the parameter")
        if any(math.isnan(value) for value in stds):
            notes.append("± nan: the parameter is held on its bound (no standard error)")
    return notes


def _print_text(args, results, pooled):
    law = LAWS[args.law]
    title = f"{law.title} on {args.data}: {args.target} ~ {', '.join(args.features)}"
    if args.group is not None:
        title += f", {len(results)} groups of column {args.group!r}"
    print(title)
    print()
    print(_format_table(results, args.shared or (), dict(args.fixed or ())))
    notes = _table_notes(results)
    if notes:
        print()
        for note in notes:
            print(textwrap.fill(note, TABLE_WIDTH, subsequent_indent="  "))
    if args.group is not None:
        n_test = sum(r["n_test"] for r in results)
        print()
        print(
            f"pooled test R^2 over {len(results)} groups ({n_test} test rows): "
            f"{_format_value(pooled, 'r2')}"
        )
        if args.interval is not None and n_test:
            print(
                f"pooled fraction of the test rows inside their {100 * args.interval:.3g}% "
                f"observation interval: {_format_value(_pooled_coverage(results), 'r2')}"
            )


def _print_json(args, options, results, pooled):
    law = LAWS[args.law]
    document = {
        "law": law.name,
        "estimator": law.estimator.__name__,
        "registered_law": law.registered,
        "data": str(args.data),
        "target": args.target,
        "features": list(args.features),
        "group_column": args.group,
        "split_column": args.split_column,
        "options": options,
        # Parameters with one value for every group, and parameters held, not fitted.
        "shared": list(options.get("shared", ())),
        "fixed": dict(options.get("fixed", {})),
        "groups": [{k: v for k, v in r.items() if not k.startswith("_")} for r in results],
        "pooled_test_r2": pooled,
    }
    if args.interval is not None:
        document["interval"] = args.interval
        document["pooled_test_coverage"] = _pooled_coverage(results)
    print(json.dumps(_finite(document), indent=2, allow_nan=False))


def _finite(value):
    """``value`` with every float that is not finite, however nested, made None: JSON has
    no NaN or infinity, so a parameter or score that is not finite becomes null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


# ---------------------------------------------------------------------------- plot


def _writable_or_creatable(path):
    """Whether ``path`` is a writable directory, or could be made one (without making it)."""
    path = Path(path)
    while not path.exists():
        if path.parent == path:
            return False
        path = path.parent
    return path.is_dir() and os.access(path, os.W_OK)


def _keep_matplotlib_cache_out_of_home():
    """Point matplotlib at a temporary folder when its folders in HOME are not writable.

    matplotlib keeps its configuration and font cache under HOME (``~/.config`` and
    ``~/.cache``, or ``~/.matplotlib``). When it cannot write there it makes a
    temporary folder itself and prints a warning about MPLCONFIGDIR on every run: the
    command line does that quietly instead, before matplotlib is first imported, and
    removes the folder on exit. A set MPLCONFIGDIR, or a usable HOME, is left alone.
    """
    if "matplotlib" in sys.modules or os.environ.get("MPLCONFIGDIR"):
        return
    try:
        home = Path.home()
    except (KeyError, RuntimeError):  # no HOME and no password entry
        home = None
    if home is not None:
        if sys.platform.startswith(("linux", "freebsd")):
            folders = [
                Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config", "matplotlib"),
                Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache", "matplotlib"),
            ]
        else:
            folders = [home / ".matplotlib"]
        if all(_writable_or_creatable(folder) for folder in folders):
            return
    folder = tempfile.mkdtemp(prefix="sklearn-scaling-matplotlib-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    os.environ["MPLCONFIGDIR"] = folder


def _check_plot_path(out):
    """The file ``--plot`` names; a directory or a name without a format is an error."""
    if not out:
        raise CommandError("--plot needs the name of the image file to write, e.g. fit.png")
    if out.endswith(("/", os.sep)) or Path(out).is_dir():
        raise CommandError(
            f"--plot {out}: names a directory; name the image file, e.g. {Path(out, 'fit.png')}"
        )
    path = Path(out)
    if not path.suffix[1:]:
        raise CommandError(
            f"--plot {out}: the file name needs a suffix that names its format, e.g. "
            f"{path.with_name(path.name + '.png')} (or .pdf, .svg)"
        )
    return path


def _check_plot(out):
    """Fail before fitting, not after, when the plot cannot be written."""
    out = _check_plot_path(out)
    _keep_matplotlib_cache_out_of_home()
    try:
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError:
        raise CommandError("--plot needs matplotlib: pip install matplotlib") from None
    try:
        from .plotting import ScalingLawDisplay  # noqa: F401
    except ImportError as exc:
        raise CommandError(f"--plot is unavailable: {exc}") from None
    suffix = out.suffix[1:].lower()
    if suffix not in FigureCanvasBase.get_supported_filetypes():
        raise CommandError(f"--plot {out}: matplotlib cannot write .{suffix} files")
    if not out.parent.is_dir():
        raise CommandError(f"--plot {out}: no such directory {str(out.parent)!r}")


def _plot(args, rows, results):
    # Lazy imports: matplotlib is an optional extra, needed only for --plot. A bare
    # Figure (no pyplot) leaves the caller's backend and open figures alone.
    from matplotlib.figure import Figure

    from .plotting import ScalingLawDisplay

    n = len(results)
    n_cols = min(3, n)
    n_rows = math.ceil(n / n_cols)
    size = (6.4, 4.8) if n == 1 else (5.0 * n_cols, 3.8 * n_rows)
    figure = Figure(figsize=size, layout="constrained")
    axes = figure.subplots(n_rows, n_cols, squeeze=False).ravel()
    for ax, result in zip(axes, results, strict=False):
        train, test, curve = result["_train"], result["_test"], result["_curve"]
        has_test = bool(test.any())
        ScalingLawDisplay.from_estimator(
            curve.estimator,
            curve.X(rows.X[train]),
            rows.y[train],
            X_test=curve.X(rows.X[test]) if has_test else None,
            y_test=rows.y[test] if has_test else None,
            # One panel per group: a grouped fit draws the panel's own curve.
            **({} if curve.label is None else {"groups": [curve.label]}),
            ax=ax,
        )
        # The file's own names say more than the display's generic labels.
        ax.set_ylabel(args.target)
        if result["group"] is not None:
            ax.set_title(str(result["group"]))
    for ax in axes[n:]:
        ax.set_visible(False)
    try:
        figure.savefig(args.plot)
    except OSError as exc:
        raise CommandError(f"--plot {args.plot}: {exc.strerror or exc}") from None


# ----------------------------------------------------------------------------- fit


def _fit(args):
    if args.law == AUTO:
        return _fit_auto(args)
    options = _estimator_options(args)
    law = LAWS[args.law]
    if options.get("shared") and args.group is None:
        raise CommandError("--shared ties parameters across groups: give --group COL too")
    if args.plot is not None:
        _check_plot(args.plot)
    defaulted = args.features is None
    args.features = _feature_columns(law, args.features)
    try:
        rows = _read_rows(
            args.data, args.features, args.target, args.group, args.split_column, args.exclude or ()
        )
    except MissingColumn as exc:
        if defaulted and exc.column in args.features and exc.delimiter is None:
            raise CommandError(
                f"{exc} (the default features of --law {args.law}; name yours with --features)"
            ) from None
        raise
    progress = _Progress(sys.stderr)
    try:
        results, notes = _fit_groups(args, rows, options, progress)
    finally:
        progress.clear()
    pooled = _pooled_r2(results, rows)
    if args.json:
        _print_json(args, options, results, pooled)
    else:
        _print_text(args, results, pooled)
    diverged = _diverged_note(args.data, rows)
    if diverged is not None:
        print(f"{PROG}: note: {diverged}", file=sys.stderr)
    _warn(notes)
    if args.plot is not None:
        _plot(args, rows, results)
    return 0


# ---------------------------------------------------------------------------- plan

PLAN_DESCRIPTION = """\
Fit a law with a size and a data feature (chinchilla, data-constrained, or one of your
own) to the rows of a CSV file, and print the compute-optimal run at each budget: the
size and data that minimise the fitted law among the runs costing 6 * size * data FLOPs.

--fix NAME=VALUE holds a feature of the law at a value; --min/--max NAME=VALUE bound the
size or the data. --max on another feature holds it at min(data, VALUE): for the
data-constrained law, '--max U=1e10' is a limit of 1e10 unique tokens (a run of D
tokens uses at most D unique ones). Optima that end on a bound are marked '*'."""

PLAN_EPILOG = """\
examples:
  sklearn-scaling plan runs.csv --target loss --features params,tokens --budget 1e22 1e23
  sklearn-scaling plan data_constrained.csv --law data-constrained --target loss \\
      --features params,unique_tokens,tokens --max U=1e10 --budget 1e23 --interval 0.9"""


def _assignment(text):
    name, value = _key_value(text)
    return name, _positive_float(value)


def _add_plan_parser(commands):
    plan = commands.add_parser(
        "plan",
        help="compute-optimal runs at given budgets, from a law fitted to a CSV file",
        description=PLAN_DESCRIPTION,
        epilog=PLAN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    plan.set_defaults(handler=_plan)
    plan.add_argument("data", metavar="DATA", help="CSV file with a header row")
    plan.add_argument(
        "--law", default="chinchilla", metavar="NAME", help="the law (default: chinchilla)"
    )
    plan.add_argument("--target", required=True, metavar="COL", help="column of the loss")
    plan.add_argument(
        "--features",
        metavar="COLS",
        help="feature columns in the law's order, comma-separated (default: the law's names)",
    )
    plan.add_argument(
        "--budget",
        required=True,
        action="extend",
        nargs="+",
        type=_positive_float,
        metavar="FLOPS",
        help="compute budgets (FLOPs, 6 * size * data), one or more",
    )
    plan.add_argument("--size", default="N", help="the law's size feature (default: N)")
    plan.add_argument(
        "--data-feature", default="D", metavar="NAME", help="the law's data feature (default: D)"
    )
    for flag, meaning in (
        ("--fix", "hold feature NAME at VALUE"),
        ("--min", "lower bound of the size or the data"),
        ("--max", "upper bound of the size or the data; see above for other features"),
    ):
        plan.add_argument(
            flag, action="append", type=_assignment, metavar="NAME=VALUE", help=meaning
        )
    plan.add_argument(
        "--interval", type=_coverage, metavar="COVERAGE", help="also print intervals, e.g. 0.9"
    )
    # The fit's options are ScalingLawRegressor's, in log space by default (Hoffmann et
    # al.'s approach 3); one curve, so no --shared.
    options = _add_estimator_options(plan, (REGISTRY,), {"target_space": "log"}, skip=("shared",))
    plan.set_defaults(fit_options=options)
    plan.add_argument("--json", action="store_true", help="print one JSON document instead")
    return plan


def _plan_constraints(args, law):
    chosen = (args.size, args.data_feature)
    constraints, bounds = {}, {}
    for name, value in args.fix or ():
        constraints[name] = value
    for which, pairs in (("min", args.min), ("max", args.max)):
        for name, value in pairs or ():
            if name not in law.features:
                raise CommandError(
                    f"--{which} {name}: the law {law.name} has features {', '.join(law.features)}"
                )
            if name in chosen:
                low, high = bounds.get(name, (None, None))
                bounds[name] = (value, high) if which == "min" else (low, value)
            elif which == "max":
                data = args.data_feature

                def limited(features, limit=value, data=data):
                    return np.minimum(features[data], limit)

                constraints[name] = limited
            else:
                raise CommandError(
                    f"--min {name}: only the size and the data ({', '.join(chosen)}) take bounds; "
                    f"fix {name} with --fix {name}=VALUE"
                )
    constraints.update(bounds)
    return constraints


def _plan(args):
    from .planning import _roles, optimal_allocation

    name = _resolve_law(args.law)
    entry = LAWS[name]
    if entry.law is None:
        raise CommandError(f"--law {name}: plan needs a law with a size feature and a data feature")
    law = entry.law
    try:
        _roles(law, args.size, args.data_feature, f"plan --law {name}")
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    words = None if args.features is None else args.features.split(",")
    rows = _read_rows(args.data, _feature_columns(entry, words), args.target)
    estimator = entry.build(_estimator_options(args, entry, args.fit_options))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            estimator.fit(rows.X[rows.train], rows.y[rows.train])
            plan = optimal_allocation(
                estimator,
                args.budget,
                constraints=_plan_constraints(args, law),
                return_interval=args.interval is not None,
                coverage=args.interval or 0.9,
                size=args.size,
                data=args.data_feature,
            )
        except ValueError as exc:
            raise CommandError(f"{args.data}: {exc}") from None
    columns = [*law.features, "loss"]
    if args.json:
        document = {
            "law": law.name,
            "data": str(args.data),
            "n_rows": int(rows.train.sum()),
            "params": {k: float(v) for k, v in estimator.params_.items()},
            "coverage": args.interval,
            "allocations": [
                {
                    "budget": float(plan.budget[i]),
                    **{
                        key: float(plan[key][i])
                        for c in columns
                        for key in (c, f"{c}_low", f"{c}_high")
                        if key in plan
                    },
                    "at_constraint": [
                        f for f in (args.size, args.data_feature) if plan.at_constraint[f][i]
                    ],
                }
                for i in range(plan.budget.shape[0])
            ],
        }
        print(json.dumps(document, indent=2))
    else:
        print(f"{law.name} fitted to {int(rows.train.sum())} rows of {args.data}")
        print("  " + ", ".join(f"{k} = {v:.4g}" for k, v in estimator.params_.items()))
        headers = ["budget", *columns]
        table = []
        for i in range(plan.budget.shape[0]):
            cells = [f"{plan.budget[i]:.3g}"]
            for c in columns:
                cell = f"{plan[c][i]:.4g}" if c != "loss" else f"{plan[c][i]:.4f}"
                if f"{c}_low" in plan:
                    cell += f" [{plan[f'{c}_low'][i]:.3g}, {plan[f'{c}_high'][i]:.3g}]"
                held = c in (args.size, args.data_feature) and plan.at_constraint[c][i]
                cells.append(cell + ("*" if held else ""))
            table.append(cells)
        widths = [max(len(h), *(len(r[j]) for r in table)) for j, h in enumerate(headers)]
        print("  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True)))
        for r in table:
            print("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)))
        if args.interval is not None:
            print(f"[low, high]: {100 * args.interval:g}% intervals (delta method)")
    _warn((None, warning) for warning in caught)
    return 0


# ------------------------------------------------------------------ fit --law auto

#: ``fit --law auto``: the law search instead of one law.
AUTO = "auto"


def _parse_auto_args(fit, args):
    """``fit --law auto`` needs its features named: no law gives defaults."""
    if args.features is None:
        fit.error("--law auto needs --features: the columns the laws take, in order")
    args.features = _split_columns(args.features)
    if args.data is None:
        fit.error("the following arguments are required: DATA")
    given = [o.flag for o in OPTIONS if getattr(args, o.name, None) is not None]
    given = [flag for flag in given if flag not in ("--random-state", "--n-jobs")]
    if given:
        fit.error(
            f"--law auto searches the laws at their defaults; {', '.join(given)} "
            "belong(s) to one law (use --law NAME)"
        )
    return args


def _fit_auto(args):
    """Run :class:`~sklearn_scaling.model_selection.LawSearchCV` and print its table."""
    from .metrics import root_mean_squared_log_error
    from .model_selection import LawSearchCV

    rows = _read_rows(
        args.data, args.features, args.target, args.group, args.split_column, args.exclude or ()
    )
    grouped = args.group is not None
    X = np.column_stack([rows.group, rows.X]) if grouped else rows.X
    search = LawSearchCV(
        group=0 if grouped else None,
        random_state=args.random_state,
        n_jobs=args.n_jobs,
    )
    train = rows.train
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            search.fit(X[train], rows.y[train])
        except ValueError as exc:
            raise CommandError(f"{args.data}: {exc}") from None
        test = ~train
        scores = {}
        if test.any():
            prediction = search.predict(X[test])
            y_test = rows.y[test]
            scores["test R^2"] = _r2(y_test, prediction)
            if np.all(y_test > 0) and np.all(prediction > 0):
                scores["test RMSLE"] = root_mean_squared_log_error(y_test, prediction)
            if args.interval is not None:
                low, high = search.predict_interval(X[test], coverage=args.interval)
                scores[f"test rows inside the {args.interval:.0%} interval"] = float(
                    np.mean((y_test >= low) & (y_test <= high))
                )
    chosen = search.best_law_
    if args.json:
        document = {
            "law": "auto",
            "chosen": chosen,
            "scoring": search.scoring or ("neg_rmsle" if search._log_space else "neg_rmse"),
            "cv_results": {k: np.asarray(v).tolist() for k, v in search.cv_results_.items()},
            "scores": scores,
        }
        print(json.dumps(_finite(document), indent=2, default=str))
    else:
        score_name = "-RMSLE" if search._log_space and search.scoring is None else "score"
        print(f"Law search on {args.data} (greater is better; score: {score_name}, "
              f"over extrapolation folds)")  # fmt: skip
        print(search.format_results())
        if isinstance(chosen, dict):
            print("chosen: " + ", ".join(f"{k}: {v}" for k, v in chosen.items()))
        else:
            print(f"chosen: {chosen}")
        for name, value in scores.items():
            print(f"{name}: {value:.4f}")
    _warn((None, warning) for warning in caught)
    return 0


# ---------------------------------------------------------------------------- main


def main(argv=None):
    """Run the ``sklearn-scaling`` command line.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; ``None`` reads ``sys.argv[1:]``.

    Returns
    -------
    status : int
        0 on success, 2 for a usage or data error (reported as one line on stderr),
        130 when interrupted.

    Examples
    --------
    A missing file is one line on stderr and status 2:

    >>> from sklearn_scaling.cli import main
    >>> main(["fit", "--law", "double-descent", "missing.csv", "--target", "score"])
    2
    """
    parser = _build_parser()
    try:
        args = _parse_args(parser, argv)
    except SystemExit as exc:
        # argparse exits for --help and usage errors; return its status instead.
        return exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    np.set_printoptions(precision=4, suppress=True)
    try:
        return args.handler(args)
    except (CommandError, CSVError) as exc:
        print(f"{PROG}: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of a pipe (``| head``) left: stop quietly, and point stdout at
        # devnull so that flushing it at exit does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
