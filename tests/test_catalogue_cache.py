"""Figures kept per catalogue version (resources/cache.py): computed once, by one process."""

import threading

import pytest
from django.core.cache import cache

from resources.cache import cached, catalogue_version

pytestmark = pytest.mark.django_db


def test_a_figure_is_computed_once_per_catalogue_version():
    calls = []
    assert cached("answer", lambda: calls.append(1) or 42) == 42
    assert cached("answer", lambda: calls.append(1) or 43) == 42
    assert calls == [1]


def test_a_process_waits_for_the_figure_another_is_computing():
    key = f"catalogue:{catalogue_version()}:ranking"
    cache.set(f"{key}:building", True)  # another process has started
    finisher = threading.Timer(0.2, lambda: cache.set(key, "theirs"))
    finisher.start()
    try:
        assert cached("ranking", lambda: "ours") == "theirs"
    finally:
        finisher.cancel()


def test_a_failed_computation_lets_the_next_process_try_at_once():
    def failing():
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        cached("fragile", failing)
    assert cached("fragile", lambda: "recovered") == "recovered"
