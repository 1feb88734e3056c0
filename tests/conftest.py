"""Hypothesis profiles of the fuzz tests (``tests/test_fuzz_*.py``).

``ci``, the default, is bounded so the whole fuzz suite runs in about a minute, and
derandomized so a run is reproducible: the same examples every time. ``long`` draws
many more examples, at random, for a search on demand::

    HYPOTHESIS_PROFILE=long python -m pytest tests -k fuzz

Tests set ``@settings(deadline=None)`` (a fit's time varies with the machine's load)
and leave ``max_examples`` to the profile.
"""

import os

import pytest

try:
    from hypothesis import HealthCheck, settings
except ImportError:  # the fuzz tests skip themselves without hypothesis
    settings = None

if settings is not None:
    # Fits are slow next to hypothesis' expectations, and drawn data sets are large.
    _slow_is_fine = [HealthCheck.too_slow, HealthCheck.data_too_large]
    settings.register_profile(
        "ci",
        max_examples=10,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=_slow_is_fine,
    )
    settings.register_profile(
        "long",
        max_examples=500,
        deadline=None,
        suppress_health_check=_slow_is_fine,
        print_blob=True,
    )
    _profile = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    if _profile not in ("ci", "long"):
        raise pytest.UsageError(
            f"HYPOTHESIS_PROFILE={_profile!r}: the profiles are 'ci' (the default) and 'long'."
        )
    settings.load_profile(_profile)
