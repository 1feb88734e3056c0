"""Command line: ``sklearn-scaling demo`` fits both laws on built-in synthetic data."""

import argparse
import sys

import numpy as np

from . import DoubleDescentRegressor, LogPowerHyperparamRegressor
from .datasets import make_double_descent, make_lr_bsz_sweep


def _demo(args):
    X, y = make_double_descent(n_samples=150, noise=0.02, random_state=args.random_state)
    reg = DoubleDescentRegressor(random_state=args.random_state).fit(X, y)
    print(f"DoubleDescentRegressor on {len(y)} runs: train R^2 {reg.score(X, y):.3f}")
    for name, value in reg.params_.items():
        print(f"  {name:>12s} = {value: .4f}")
    X, y = make_lr_bsz_sweep(n_samples=400, random_state=args.random_state)
    reg = LogPowerHyperparamRegressor(random_state=args.random_state).fit(X, y)
    print(f"LogPowerHyperparamRegressor on {len(y)} runs: train R^2 {reg.score(X, y):.3f}")
    for name, value in reg.params_.items():
        print(f"  {name:>12s} = {value: .5g}")
    return 0


def main(argv=None):
    """Entry point of the ``sklearn-scaling`` console script."""
    parser = argparse.ArgumentParser(prog="sklearn-scaling", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="fit both laws on built-in synthetic data")
    demo.add_argument("--random-state", type=int, default=0)
    demo.set_defaults(handler=_demo)
    args = parser.parse_args(argv)
    np.set_printoptions(precision=4, suppress=True)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
