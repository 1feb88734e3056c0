"""scikit-learn's estimator checks, for every estimator of the package.

``ScalingLawRegressor`` runs them on the one-column ``double_descent`` law (whose
domain, unlike a power law's, takes negative values), and ``BootstrapRegressor`` around
it; both fail exactly the double-descent estimator's column-count checks, except the
multi-output check, which they (single-output) skip.

The generic checks draw ``X`` with whatever number of columns suits them (2, 3, 10,
...). A scaling law takes a fixed set of columns: one (log10 compute) for the
double-descent law, four (learning rate, batch size, data size, parameters) for the
log-power law, and the log-power law needs ``lr > 0``, ``batch size >= 1`` and sizes
above 1. Every check whose data breaks those rules fails by design with a ValueError
that names the problem; those checks, and only those, are listed below with the
exact reason. ``tests/test_estimators.py`` covers what they would have tested, on
valid data.
"""

import re
import warnings

import pytest
from sklearn.utils.estimator_checks import (
    check_estimator,
    check_param_validation,
    parametrize_with_checks,
)

from sklearn_scaling import DoubleDescentRegressor, LogPowerHyperparamRegressor, ScalingLawRegressor
from sklearn_scaling.model_selection import LawSearchCV
from sklearn_scaling.uncertainty import BootstrapRegressor

# Checks whose data has another column count than the law takes, with the column count
# of the data they fit on. Found by running every check and reading each failure's
# traceback; test_expected_failures_are_column_count_or_domain confirms it.
_COLUMN_COUNT_CHECKS = {
    "check_all_zero_sample_weights_error": "20",
    "check_dict_unchanged": "3",
    "check_dont_overwrite_parameters": "3",
    "check_dtype_object": "10",
    "check_estimators_dtypes": "5",
    "check_estimators_fit_returns_self": "2",
    "check_estimators_nan_inf": "3",
    "check_estimators_overwrite_params": "2",
    "check_estimators_pickle": "3",
    "check_f_contiguous_array_estimator": "3",
    "check_fit2d_1sample": "10",
    "check_fit2d_predict1d": "3",
    "check_fit_check_is_fitted": "2",
    "check_fit_idempotent": "2",
    "check_fit_score_takes_y": "3",
    "check_methods_sample_order_invariance": "3",
    "check_methods_subset_invariance": "3",
    "check_n_features_in": "2",
    "check_pipeline_consistency": "3",
    "check_readonly_memmap_input": "2",
    "check_regressor_data_not_an_array": "10",
    "check_regressors_int": "10",
    "check_regressors_train": "10",
    "check_sample_weight_equivalence_on_dense_data": "30",
    "check_sample_weights_list": "3",
    "check_sample_weights_not_an_array": "2",
    "check_sample_weights_not_overwritten": "2",
    "check_sample_weights_pandas_series": "2",
    "check_sample_weights_shape": "2",
    "check_supervised_y_2d": "3",
}

# Checks that fail on the column count for the double-descent law only: their data has
# 4 columns (right for the log-power law), or they only run for multi-output estimators.
_DOUBLE_DESCENT_ONLY_CHECKS = {
    "check_n_features_in_after_fitting": "4",
    "check_positive_only_tag_during_fit": "4",
    "check_regressor_multioutput": "10",
    "check_regressors_no_decision_function": "4",
}


# Checks of sample_weight, which LawSearchCV's fit does not take.
_SAMPLE_WEIGHT_CHECKS = (
    "check_all_zero_sample_weights_error",
    "check_sample_weight_equivalence_on_dense_data",
    "check_sample_weights_list",
    "check_sample_weights_not_an_array",
    "check_sample_weights_not_overwritten",
    "check_sample_weights_pandas_series",
    "check_sample_weights_shape",
)

_COLUMN_MESSAGE = {
    DoubleDescentRegressor: (1, "log10 compute"),
    ScalingLawRegressor: (1, "log10_compute"),
    BootstrapRegressor: (1, "log10_compute"),
    LawSearchCV: (1, "log10_compute"),
    LogPowerHyperparamRegressor: (4, "learning rate, batch size, data size, parameters"),
}
_OUT_OF_DOMAIN = "out of domain"


def _grouped(estimator):
    return isinstance(estimator, ScalingLawRegressor) and estimator.group is not None


def _expected_failures(estimator):
    """``{check name: column count of its data, or _OUT_OF_DOMAIN}``."""
    if _grouped(estimator):
        # One of X's columns names the curve: the checks whose data has 2 columns (a
        # group and the law's one feature) pass, the others fail on the count of the
        # columns besides the group; 1 column leaves the law no feature at all.
        failures = {**_COLUMN_COUNT_CHECKS, **_DOUBLE_DESCENT_ONLY_CHECKS}
        del failures["check_regressor_multioutput"]
        failures = {check: str(int(n) - 1) for check, n in failures.items() if n != "2"}
        return {**failures, "check_fit2d_1feature": "0"}
    failures = dict(_COLUMN_COUNT_CHECKS)
    if isinstance(estimator, DoubleDescentRegressor):
        # The one-column checks (check_fit2d_1feature, check_fit1d, ...) must pass.
        failures.update(_DOUBLE_DESCENT_ONLY_CHECKS)
    elif isinstance(estimator, ScalingLawRegressor | BootstrapRegressor | LawSearchCV):
        failures.update(_DOUBLE_DESCENT_ONLY_CHECKS)
        # Single-output: scikit-learn skips the multi-output check.
        del failures["check_regressor_multioutput"]
        if isinstance(estimator, LawSearchCV):
            # LawSearchCV.fit takes no sample_weight: scikit-learn skips these checks.
            for check in _SAMPLE_WEIGHT_CHECKS:
                del failures[check]
    else:
        failures["check_fit2d_1feature"] = "1"
        # With 4 columns, positive_only data is X - X.min(): an exact zero learning rate
        # and batch, data and parameter sizes below 1, outside the law's domain.
        failures["check_n_features_in_after_fitting"] = _OUT_OF_DOMAIN
        failures["check_regressors_no_decision_function"] = _OUT_OF_DOMAIN
    return failures


def expected_failed_checks(estimator):
    needed, names = _COLUMN_MESSAGE[type(estimator)]
    reasons = {}
    for check, n_columns in _expected_failures(estimator).items():
        if n_columns == _OUT_OF_DOMAIN:
            reasons[check] = (
                "the check's positive_only data X - X.min() holds an exact zero learning "
                "rate, batch sizes < 1 and data/parameter sizes <= 1, where the law (log lr, "
                "log(batch) ** gamma, log(D) ** alpha, log(N) ** beta) is undefined, so fit "
                "raises ValueError naming the column"
            )
        elif _grouped(estimator):
            reasons[check] = (
                f"the check's X has {n_columns} column(s) besides the group column; the law "
                f"takes exactly {needed} ({names}), so fit raises ValueError on the count"
            )
        else:
            reasons[check] = (
                f"the check's X has {n_columns} column(s); the law takes exactly {needed} "
                f"({names}), so fit raises ValueError on the column count"
            )
    return reasons


_ONE_COLUMN_LAW = ScalingLawRegressor("double_descent", n_starts=1, max_nfev=200, random_state=0)

ESTIMATORS = [
    DoubleDescentRegressor(n_starts=2, max_nfev=200, random_state=0),
    LogPowerHyperparamRegressor(n_starts=2, max_nfev=200, random_state=0),
    _ONE_COLUMN_LAW,
    BootstrapRegressor(_ONE_COLUMN_LAW, n_resamples=5, random_state=0),
    # The search over the same one-column law: its explicit candidate refuses another
    # column count with the law's own error, before any fold is fitted.
    LawSearchCV([_ONE_COLUMN_LAW], random_state=0),
    # Many curves: the first column names each row's curve. Every parameter shared, so
    # any labels the checks draw (one row per label, unseen labels at predict) are valid.
    ScalingLawRegressor(
        "double_descent",
        group=0,
        shared=["b0", "A_up", "A_dn", "c0", "s_raw", "k_raw"],
        n_starts=1,
        max_nfev=200,
        random_state=0,
    ),
    # A parameter held fixed: a reduced law, the same one column.
    ScalingLawRegressor(
        "double_descent", fixed={"k_raw": 0.0}, n_starts=1, max_nfev=200, random_state=0
    ),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda est: type(est).__name__)
def test_sklearn_param_validation(estimator):
    # scikit-learn 1.9's parametrize_with_checks does not yield check_param_validation
    # (scikit-learn runs it from its own test suite), so it runs here: every option has
    # a constraint, and a bad type or value raises InvalidParameterError before any data
    # is looked at (its 5-column X never reaches the column check).
    check_param_validation(type(estimator).__name__, estimator)


def _root_cause(exc):
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__
    return exc


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda est: type(est).__name__)
def test_expected_failures_are_column_count_or_domain(estimator):
    # An xfail passes on any exception; make sure each listed check fails for its
    # stated reason (and no other check fails).
    results = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_estimator(
            estimator,
            on_fail=None,
            on_skip=None,
            callback=lambda **result: results.append(result),
        )
    expected = _expected_failures(estimator)
    failed = [result for result in results if result["status"] == "failed"]
    assert {result["check_name"] for result in failed} == set(expected)
    # The column-count error names the estimator, and for ScalingLawRegressor its law.
    name = re.escape(
        "ScalingLawRegressor(law='double_descent', group=0), besides X's group column,"
        if _grouped(estimator)
        else "ScalingLawRegressor(law='double_descent')"
        if isinstance(estimator, ScalingLawRegressor | BootstrapRegressor | LawSearchCV)
        else type(estimator).__name__
    )
    for result in failed:
        root = _root_cause(result["exception"])
        assert isinstance(root, ValueError), (result["check_name"], root)
        n_columns = expected[result["check_name"]]
        if n_columns == "0":
            # scikit-learn's own message: nothing is left once the group column is out.
            pattern = r"0 feature\(s\) \(shape=\(\d+, 0\)\) while a minimum of 1 is required"
        elif n_columns == _OUT_OF_DOMAIN:
            pattern = r"column [0-3] \([a-z -]+\) must be (> 0|>= 1|> 1); got "
        else:
            pattern = rf"{name} needs exactly {_COLUMN_MESSAGE[type(estimator)][0]} column\(s\) "
            pattern += rf"of X .*; got {n_columns}\.$"
        assert re.search(pattern, str(root)), (result["check_name"], str(root))
