"""Administrators' screens: the sign-in trail, and axes' lockouts (delete one to lift it)."""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin

from accounts.lockout import lifting_as
from accounts.models import SignInEvent
from hub.admin import LogAdmin

# The trail is SignInEvent (it also has lifts, enrolments and resets): axes keeps no logs of
# its own here (AXES_DISABLE_ACCESS_LOG), so its two empty log screens are left out.
for model in (AccessLog, AccessFailureLog):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(SignInEvent)
class SignInEventAdmin(LogAdmin):
    """Read-only: what happened, to which username, from which address, when."""

    list_display = ["at", "kind", "username", "address", "detail"]
    list_filter = ["kind", "at"]
    search_fields = ["username", "address"]
    date_hierarchy = "at"


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LockoutAdmin(AccessAttemptAdmin):
    """Axes' access attempts: failed sign-ins per username and address. Deleting rows (one,
    or *Delete selected*) lifts their lockout, recorded in the trail with who lifted it."""

    def delete_model(self, request, obj):
        with lifting_as(request.user.get_username()):
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with lifting_as(request.user.get_username()):
            super().delete_queryset(request, queryset)
