import pytest


@pytest.fixture(autouse=True)
def _fresh_demo(clean_demo):
    """Every test here starts with a healthy demo API and empty caches."""
    yield
