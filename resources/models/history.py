"""Entry history (django-simple-history), recorded for kind proxies too, and pausable."""

import contextvars
from contextlib import contextmanager

from django.db import models
from simple_history.models import HistoricalRecords

_history_paused = contextvars.ContextVar("history_paused", default=False)


@contextmanager
def history_paused():
    """Record no versions from signals meanwhile: resources.services writes them itself (one
    per save, terms included) or, for synthetic load-test rows, none at all."""
    token = _history_paused.set(True)
    try:
        yield
    finally:
        _history_paused.reset(token)


class HistoricalRecordsWithProxies(HistoricalRecords):
    """History that also records changes made through proxies of the model (Evidence, …), and
    that can be paused (`history_paused()`).

    Django sends a proxy instance's save and delete signals with the proxy as sender, and
    simple-history listens to the concrete model only: without this, every save on the
    Resources, Tools and Evidence admin screens would go unrecorded.
    """

    def post_save(self, instance, created, using=None, **kwargs):
        if not _history_paused.get():
            super().post_save(instance, created, using=using, **kwargs)

    def pre_delete(self, instance, **kwargs):
        if not _history_paused.get():
            super().pre_delete(instance, **kwargs)

    def post_delete(self, instance, using=None, **kwargs):
        if not _history_paused.get():
            super().post_delete(instance, using=using, **kwargs)

    def m2m_changed(self, instance, action, attr, pk_set, reverse, **kwargs):
        if not _history_paused.get():
            super().m2m_changed(instance, action, attr, pk_set, reverse, **kwargs)

    def finalize(self, sender, **kwargs):
        if sender is not self.cls and sender._meta.proxy and issubclass(sender, self.cls):
            models.signals.post_save.connect(self.post_save, sender=sender, weak=False)
            models.signals.pre_delete.connect(self.pre_delete, sender=sender, weak=False)
            models.signals.post_delete.connect(self.post_delete, sender=sender, weak=False)
            sender._meta.simple_history_manager_attribute = self.manager_name
            return
        super().finalize(sender, **kwargs)
        # So that resources.services can write one version, terms included, when it chooses.
        sender.history_records = self
