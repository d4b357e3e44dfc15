"""Setting up two-factor sign-in (inside the admin), and the staff password reset pages."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django_otp import login as otp_login

from accounts import two_factor
from accounts.events import Kind, record_request
from accounts.forms import ConfirmDeviceForm, StaffPasswordResetForm
from accounts.tasks import send_password_reset
from hub.ratelimit import is_rate_limited

PASSWORD_RESETS_PER_WINDOW = 5
PASSWORD_RESET_WINDOW_SECONDS = 900


def two_factor_setup(request):
    """Admin → Two-factor sign-in: set up an authenticator (scan, confirm with a first code,
    then see ten recovery codes once), or, once set up, replace it or get new codes."""
    user = request.user
    context = {**admin.site.each_context(request), "title": "Two-factor sign-in"}
    if two_factor.is_enrolled(user) and request.method == "POST" and "new_codes" in request.POST:
        return render_recovery_codes(request, two_factor.issue_recovery_codes(user))
    replacing = "replace" in request.GET or "replace" in request.POST
    if two_factor.is_enrolled(user) and not replacing:
        context.update(
            authenticator=two_factor.authenticator_of(user),
            recovery_codes_left=two_factor.recovery_codes_left(user),
        )
        return render(request, "admin/accounts/two_factor_status.html", context)

    device = two_factor.pending_authenticator(user)
    form = ConfirmDeviceForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        device.refresh_from_db()
        otp_login(request, device)
        user._hub_two_factor_enrolled = True
        record_request(Kind.ENROLLED, request, username=user.get_username(),
                       detail="replaced the authenticator" if replacing else "")  # fmt: skip
        return render_recovery_codes(request, two_factor.issue_recovery_codes(user))
    context.update(
        form=form,
        replacing=replacing,
        must_enrol=two_factor.must_enrol(user),
        qr_code=two_factor.qr_code_svg(device),
        secret=two_factor.secret_of(device),
    )
    return render(request, "admin/accounts/two_factor_setup.html", context)


# Reachable by staff who must set up a second factor before anything else in the admin.
two_factor_setup.open_while_enrolling = True


def render_recovery_codes(request, codes):
    """The new recovery codes, shown this once (admin pages are never cached)."""
    context = {**admin.site.each_context(request), "title": "Your recovery codes", "codes": codes}
    return render(request, "admin/accounts/recovery_codes.html", context)


class AdminStyled:
    """Gives Django's admin-styled registration templates the hub's admin header."""

    def get_context_data(self, **kwargs):
        return {**admin.site.each_context(self.request), **super().get_context_data(**kwargs)}


class PasswordResetView(AdminStyled, auth_views.PasswordResetView):
    """Ask for a reset link: the same page and the same work whether or not an account has
    that address (the task decides, in the worker, whether to mail anyone)."""

    form_class = StaffPasswordResetForm

    def post(self, request, *args, **kwargs):
        if is_rate_limited(request, "password-reset", PASSWORD_RESETS_PER_WINDOW,
                           PASSWORD_RESET_WINDOW_SECONDS):  # fmt: skip
            minutes = PASSWORD_RESET_WINDOW_SECONDS // 60
            return render(request, "429.html", {"retry_minutes": minutes}, status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        send_password_reset.enqueue(email=form.cleaned_data["email"])
        return redirect(self.get_success_url())


class PasswordResetDoneView(AdminStyled, auth_views.PasswordResetDoneView):
    pass


class PasswordResetConfirmView(AdminStyled, auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        record_request(Kind.PASSWORD_RESET, self.request, username=form.user.get_username(),
                       detail="new password set from an emailed link")  # fmt: skip
        return response


class PasswordResetCompleteView(AdminStyled, auth_views.PasswordResetCompleteView):
    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "login_url": reverse("admin:login")}
