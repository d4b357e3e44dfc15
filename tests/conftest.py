import pytest
from django import test
from django.contrib.auth.models import Group
from django.core.cache import cache
from django_otp import DEVICE_ID_SESSION_KEY

from tests.two_factor import confirmed_authenticator

CURATOR_PASSWORD = "curator-password-for-tests"


class Client(test.Client):
    """Django's test client, whose `force_login` signs staff in as the admin's sign-in form
    does with a code: with a confirmed authenticator that verified the session. Two-factor
    sign-in is required in tests as in production; tests/test_two_factor.py signs in through
    the real form, with and without codes."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        if user.is_staff:
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = confirmed_authenticator(user).persistent_id
            session.save()


@pytest.fixture
def client():
    """pytest-django's `client`, as the `Client` above."""
    return Client()


@pytest.fixture
def admin_client(db, admin_user):
    """pytest-django's `admin_client` (a superuser signed in), as the `Client` above."""
    client = Client()
    client.force_login(admin_user)
    return client


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


@pytest.fixture
def database_tasks(settings):
    """Production's task backend: tasks wait in the database for a worker (run them with
    tests.tasks.run_ready_tasks) instead of running as they are enqueued."""
    from tests.tasks import DATABASE_TASKS

    settings.TASKS = DATABASE_TASKS
