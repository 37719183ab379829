"""The security suite: hostile upstreams, recordings and visitors, mostly over real HTTP.

Run it alone with `./scripts/test tests/security`. Modules start their processes once
(module-scoped fixtures), never per test.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fresh_demo(clean_demo):
    """In-process tests start with a healthy demo API and empty caches."""
    yield
