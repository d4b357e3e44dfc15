"""The last check of each published entry's link, by `manage.py check_links`.

Kept in its own table, not on the entry, so that checking writes no history version of the
entry and starts no new catalogue version (resources/cache.py): no signal listens to it.
"""

from django.db import models
from django.utils import timezone


class LinkState(models.TextChoices):
    OK = "ok", "OK"
    MOVED = "moved", "Moved"
    BROKEN = "broken", "Broken"


class LinkCheck(models.Model):
    """What the link checker last found at one entry's link (`Entry.link`)."""

    entry = models.OneToOneField(
        "resources.Entry", on_delete=models.CASCADE, related_name="link_check"
    )
    url = models.URLField("checked link", max_length=500)
    state = models.CharField(max_length=10, choices=LinkState.choices)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    final_url = models.URLField(
        max_length=2000, blank=True, help_text="Where the redirects, if any, ended."
    )
    error = models.CharField(max_length=500, blank=True)
    last_checked = models.DateTimeField(db_index=True)
    first_failed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the link began failing, in its current run of failures.",
    )

    class Meta:
        verbose_name = "link check"
        indexes = [
            # Broken and moved links, counted by kind (the dashboard) or listed (the admin's
            # link check filter), from the index alone.
            models.Index(fields=["state", "entry"], name="linkcheck_state_entry_idx"),
        ]

    def __str__(self):
        return f"{self.url}: {self.get_state_display()}"

    def describe(self):
        """The result in one line for curators: state, status, where it ends, any error."""
        parts = [self.get_state_display()]
        if self.status_code:
            parts.append(f"HTTP {self.status_code}")
        if self.final_url and self.final_url != self.url:
            parts.append(f"now at {self.final_url}")
        if self.error:
            parts.append(self.error)
        if self.first_failed_at:
            parts.append(f"failing since {timezone.localtime(self.first_failed_at):%Y-%m-%d}")
        parts.append(f"checked {timezone.localtime(self.last_checked):%Y-%m-%d %H:%M}")
        return " · ".join(parts)
