"""Record the seed estimators' default fits on the real data, to pin them across refactors.

Run at any checkout; the law-library redesign promised that these fits do not change:
``tests/test_seed_fits_unchanged.py`` compares today's fits with the file this wrote at
commit 90f5d6b, the last commit before the redesign::

    git worktree add /tmp/before 90f5d6b
    PYTHONPATH=/tmp/before python benchmarks/record_seed_fits.py \\
        benchmarks/results/seed_fits_90f5d6b.json

The fits are those of every easy_question group (``DoubleDescentRegressor``) and of
lr_bsz with both optima (``LogPowerHyperparamRegressor``), on the train rows (diverged
runs dropped), at default options with ``random_state=0``.
"""

import argparse
import json
import os
import warnings
from pathlib import Path

from sklearn_scaling import DoubleDescentRegressor, LogPowerHyperparamRegressor
from sklearn_scaling.datasets import load_easy_question, load_lr_bsz

DATA = Path(os.environ.get("SKLEARN_SCALING_DATA", Path(__file__).parents[2] / "shared" / "data"))


def seed_fits(data=DATA):
    """``{'easy_question': {group: fit}, 'lr_bsz': {optimum: fit}}`` with cost and coef."""
    fits = {"easy_question": {}, "lr_bsz": {}}
    easy = load_easy_question(Path(data) / "easy_question.csv")
    with warnings.catch_warnings():
        # Fits that end on a bound warn; the record is of the fits, warnings or not.
        warnings.simplefilter("ignore")
        for group in sorted(set(easy.group)):
            rows = (easy.group == group) & (easy.split == "train")
            reg = DoubleDescentRegressor(random_state=0).fit(easy.X[rows], easy.y[rows])
            fits["easy_question"][group] = {"cost": float(reg.cost_), "coef": reg.coef_.tolist()}
        sweep = load_lr_bsz(Path(data) / "lr_bsz.csv")
        rows = sweep.split == "train"
        for optimum in ("fixed", "scaling"):
            reg = LogPowerHyperparamRegressor(optimum=optimum, random_state=0)
            reg.fit(sweep.X[rows], sweep.y[rows])
            fits["lr_bsz"][optimum] = {"cost": float(reg.cost_), "coef": reg.coef_.tolist()}
    return fits


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="JSON file to write")
    args = parser.parse_args()
    args.out.write_text(json.dumps(seed_fits(), indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
