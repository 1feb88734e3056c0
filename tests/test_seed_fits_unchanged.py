"""The seed estimators' fits did not change through the law-library redesign.

``benchmarks/results/seed_fits_90f5d6b.json`` holds the default fits of commit 90f5d6b,
the last before the redesign, written by ``benchmarks/record_seed_fits.py`` run at that
commit; the same script run on today's code must give the same objective (to 1e-6
relative) and parameters on every easy_question group and on lr_bsz with both optima.
"""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
RECORD = ROOT / "benchmarks" / "results" / "seed_fits_90f5d6b.json"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not DATA.is_dir(), reason=f"real data sets not found at {DATA}"),
]


@pytest.fixture(scope="module")
def fits():
    spec = importlib.util.spec_from_file_location(
        "record_seed_fits", ROOT / "benchmarks" / "record_seed_fits.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.seed_fits(DATA), json.loads(RECORD.read_text())


@pytest.mark.parametrize("data_set", ["easy_question", "lr_bsz"])
def test_seed_fits_are_unchanged(fits, data_set):
    today, before = fits
    assert sorted(today[data_set]) == sorted(before[data_set])
    for key, fit in before[data_set].items():
        assert today[data_set][key]["cost"] == pytest.approx(fit["cost"], rel=1e-6), key
        np.testing.assert_allclose(today[data_set][key]["coef"], fit["coef"], rtol=1e-5, atol=1e-8)
