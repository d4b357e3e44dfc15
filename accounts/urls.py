"""Staff password reset under /admin/, with the URL names Django's admin and emails expect."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("password_reset/", views.PasswordResetView.as_view(), name="admin_password_reset"),
    path("password_reset/done/", views.PasswordResetDoneView.as_view(),
         name="password_reset_done"),
    path("reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("reset/done/", views.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
]  # fmt: skip
