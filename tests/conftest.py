import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache

CURATOR_PASSWORD = "curator-password-for-tests"


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate-limit counters and cached facet counts must not leak between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def curator(django_user_model):
    """A member of staff in the Curators group (made by migration 0003), as curators are made."""
    user = django_user_model.objects.create_user(
        "curator", "curator@example.org", CURATOR_PASSWORD, is_staff=True
    )
    user.groups.add(Group.objects.get(name="Curators"))
    return user
