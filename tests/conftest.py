"""Shared test set-up: Hypothesis profiles.

* ``dev`` (default on a workstation): quick, for the edit-test loop.
* ``ci`` (automatic when CI=true): more examples, no deadline (shared machines are noisy),
  derandomized so a red run can be reproduced.
* ``thorough``: many examples, for a long local run: ``HYPOTHESIS_PROFILE=thorough make test``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# No deadline and no too_slow health check: on a loaded 2-core machine generation slows down,
# and a test that fails for the machine's load says nothing about the code.
settings.register_profile(
    "dev", max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", max_examples=5000, deadline=None)

_default = "ci" if os.environ.get("CI", "").lower() in ("1", "true", "yes") else "dev"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", _default))
