"""The pure laws: parity with the seed reference programs and exact Jacobians."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from sklearn_scaling import laws

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"


def _load_reference(name):
    path = REFERENCE / name
    if not path.exists():
        pytest.skip(f"{path} is absent")
    spec = importlib.util.spec_from_file_location(name.removesuffix(".py"), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _relative_difference(ours, theirs):
    return np.max(np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1e-300))


def _hyperparameter_inputs(rng, n=200):
    # Inside the seed's input clamps, where the seed law and ours must agree.
    return np.column_stack(
        [
            10 ** rng.uniform(-4.9, -0.1, n),
            rng.integers(1, 9999, n),
            10 ** rng.uniform(8.1, 11.9, n),
            10 ** rng.uniform(7.1, 9.9, n),
        ]
    ).astype(float)


def _seed_bounded_log_power_params(rng):
    # Inside the seed's parameter clips, and with predictions inside its (1.5, 4.5) clip.
    return np.array(
        [
            rng.uniform(2.7, 3.3),
            rng.uniform(-0.005, 0.0),
            rng.uniform(0.5, 1.0),
            rng.uniform(-0.005, 0.0),
            rng.uniform(0.5, 1.0),
            rng.uniform(0.0, 0.005),
            10 ** rng.uniform(-3.9, -1.1),
            rng.uniform(-0.01, 0.01),
            rng.uniform(0.1, 1.0),
            rng.uniform(-0.0002, 0.0002),
        ]
    )


@pytest.mark.parametrize("seed", range(5))
def test_double_descent_matches_seed(seed):
    reference = _load_reference("seed_double_descent.py")
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.5, 3.5, size=(100, 1))
    params = rng.normal(0.0, 2.0, size=6)
    assert (
        _relative_difference(laws.double_descent(X, params), reference.scaling_law_func(X, params))
        < 1e-12
    )
    several = rng.normal(0.0, 2.0, size=(3, 6))
    assert (
        _relative_difference(
            laws.double_descent(X, several), reference.scaling_law_func(X, several)
        )
        < 1e-12
    )


@pytest.mark.parametrize("seed", range(5))
def test_log_power_matches_seed_inside_its_clamps(seed):
    reference = _load_reference("seed_log_power.py")
    rng = np.random.default_rng(seed)
    X = _hyperparameter_inputs(rng)
    params = _seed_bounded_log_power_params(rng)
    theirs = reference.scaling_law_func(X, params)
    ours = laws.log_power(X, params)
    inside = (theirs > 1.5) & (theirs < 4.5)
    assert inside.mean() > 0.9
    assert _relative_difference(ours[inside], theirs[inside]) < 1e-12
    # With the seed's output clip asked for explicitly, every row agrees.
    assert _relative_difference(laws.log_power(X, params, (1.5, 4.5)), theirs) < 1e-12


def test_log_power_does_not_clamp_large_runs():
    """The seed froze the law beyond 1e12 tokens; ours keeps improving with data."""
    params = [3.5, -0.01, 1.2, -0.02, 1.0, 0.05, 3e-3, 0.02, 0.8, 0.0]
    X = np.array([[3e-3, 256, 1e12, 1e9], [3e-3, 256, 1e13, 1e9], [3e-3, 256, 1e13, 1e11]])
    pred = laws.log_power(X, params)
    assert pred[1] < pred[0]
    assert pred[2] < pred[1]


def test_log_power_clips_only_when_asked():
    params = [10.0, 0.0, 1.0, 0.0, 1.0, 0.0, 3e-3, 0.0, 1.0, 0.0]
    X = np.array([[3e-3, 256, 1e10, 1e8]])
    assert laws.log_power(X, params)[0] == pytest.approx(10.0)
    assert laws.log_power(X, params, prediction_bounds=(1.5, 4.5))[0] == 4.5


def _finite_difference(function, X, params, step=1e-6):
    columns = []
    for j in range(len(params)):
        h = step * max(1.0, abs(params[j]))
        up, down = params.copy(), params.copy()
        up[j] += h
        down[j] -= h
        columns.append((function(X, up) - function(X, down)) / (2 * h))
    return np.column_stack(columns)


@pytest.mark.parametrize("seed", range(4))
def test_double_descent_jacobian(seed):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 3.0, size=(60, 1))
    params = rng.normal(0.0, 1.0, size=6)
    expected = _finite_difference(laws.double_descent, X, params)
    np.testing.assert_allclose(laws.double_descent_jacobian(X, params), expected, atol=1e-7)


@pytest.mark.parametrize("shape", ["bump", "dip"])
def test_double_descent_jacobian_returns_the_law_value_on_request(shape):
    rng = np.random.default_rng(1)
    X = rng.uniform(-1.0, 3.0, size=(30, 1))
    params = rng.normal(0.0, 1.0, size=6)
    value, jac = laws.double_descent_jacobian(X, params, shape, return_value=True)
    np.testing.assert_allclose(value, laws.double_descent(X, params, shape), rtol=1e-14)
    np.testing.assert_array_equal(jac, laws.double_descent_jacobian(X, params, shape))


@pytest.mark.parametrize(
    ("law", "jacobian", "make_params"),
    [
        (laws.log_power, laws.log_power_jacobian, _seed_bounded_log_power_params),
        (
            laws.log_power_scaling,
            laws.log_power_scaling_jacobian,
            lambda rng: np.r_[
                rng.uniform(2, 4), rng.normal(0, 0.1, 7), np.log(3e-3), rng.normal(0, 0.3, 5)
            ],
        ),
        (
            laws.log_power_scaling,
            laws.log_power_scaling_jacobian,
            lambda rng: np.r_[
                rng.uniform(2, 4),
                rng.normal(0, 0.1, 7),
                np.log(3e-3),
                rng.normal(0, 0.3, 5),
                rng.normal(0, 0.01, 2),
            ],
        ),
    ],
)
@pytest.mark.parametrize("seed", range(3))
def test_log_power_jacobians(law, jacobian, make_params, seed):
    rng = np.random.default_rng(seed)
    X = _hyperparameter_inputs(rng, n=50)
    params = make_params(rng)
    expected = _finite_difference(law, X, params, step=1e-7)
    np.testing.assert_allclose(jacobian(X, params), expected, rtol=1e-4, atol=1e-7)


def test_log_power_jacobian_is_finite_at_batch_size_one():
    X = np.array([[1e-3, 1.0, 1e10, 1e8]])
    params = [3.5, -0.01, 1.2, -0.02, 1.0, 0.05, 3e-3, 0.02, 0.8, 0.01]
    assert np.all(np.isfinite(laws.log_power_jacobian(X, params)))


def test_double_descent_shape_orders_centres_and_decodes_amplitudes():
    rng = np.random.default_rng(0)
    params = rng.normal(0, 2, size=(50, 6))
    shape = laws.double_descent_shape(params)
    assert np.all(shape["c1"] < shape["c2"])
    assert np.all(shape["A_up"] >= 0) and np.all(shape["A_dn"] >= 0)
    up, dn = laws.double_descent_sigmoids(np.linspace(-2, 4, 30), params)
    rebuilt = shape["b0"] + shape["A_up"] * up - shape["A_dn"] * dn
    np.testing.assert_allclose(rebuilt, laws.double_descent(np.linspace(-2, 4, 30), params))


def test_softplus_inverse_round_trip():
    v = np.logspace(-6, 2, 50)
    np.testing.assert_allclose(laws.softplus(laws.inverse_softplus(v)), v, rtol=1e-10)


def test_log_power_rejects_wrong_column_count():
    with pytest.raises(ValueError, match="4 columns"):
        laws.log_power(np.ones((3, 3)), np.ones(10))


def test_dip_is_the_bump_mirrored_about_b0():
    rng = np.random.default_rng(0)
    x = np.linspace(-1, 3, 40)
    params = rng.normal(0, 1, size=6)
    np.testing.assert_allclose(
        laws.double_descent(x, params, "dip"), 2 * params[0] - laws.double_descent(x, params)
    )
    expected = _finite_difference(lambda X, p: laws.double_descent(X, p, "dip"), x, params)
    np.testing.assert_allclose(laws.double_descent_jacobian(x, params, "dip"), expected, atol=1e-7)
    with pytest.raises(ValueError, match="shape"):
        laws.double_descent(x, params, "peak")
