import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate-limit counters and cached facet counts must not leak between tests."""
    cache.clear()
    yield
    cache.clear()
