"""The curators' daily summary of new suggestions (`manage.py send_suggestion_summary`).

Each suggestion is listed in one summary only: those no summary has listed yet are sent and
marked (`summarised_at`) in one transaction, so running the command twice sends once, and
two runs at the same moment wait for each other rather than both sending.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from hub.tasks import send_in_background
from suggestions.emails import summary_email
from suggestions.models import Suggestion, attach_duplicates


@dataclass(frozen=True)
class SummaryResult:
    """How many suggestions were summarised, and for how many curators."""

    suggestions: int
    curators: int


def summary_recipients():
    """Active staff with an email address who may view suggestions (a superuser may)."""
    permission = Permission.objects.filter(
        content_type__app_label="suggestions", codename="view_suggestion"
    ).first()
    may_view = Q(is_superuser=True)
    if permission is not None:
        may_view |= Q(user_permissions=permission) | Q(groups__permissions=permission)
    users = get_user_model().objects.filter(is_active=True, is_staff=True).exclude(email="")
    return users.filter(may_view).distinct().order_by("pk")


@transaction.atomic
def send_summary():
    """Email each curator one list of the suggestions no summary has listed, and mark them.
    Nothing is sent (or marked) when there are none, or when no curator has an address."""
    suggestions = list(Suggestion.objects.not_summarised().select_for_update())
    if not suggestions:
        return SummaryResult(0, 0)
    curators = list(summary_recipients())
    if not curators:
        return SummaryResult(len(suggestions), 0)
    attach_duplicates(suggestions)
    for curator in curators:
        send_in_background(summary_email(curator, suggestions))
    Suggestion.objects.filter(pk__in=[s.pk for s in suggestions]).update(
        summarised_at=timezone.now()
    )
    return SummaryResult(len(suggestions), len(curators))
