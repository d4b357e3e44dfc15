from django.urls import path

from newsletter import views

app_name = "newsletter"

urlpatterns = [
    path("", views.signup, name="signup"),
    path("check-your-email/", views.check_email, name="check-email"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    # Before the token pattern, which would otherwise take "new-link-sent" for a token.
    path(
        "preferences/new-link-sent/",
        views.preferences_link_sent,
        name="preferences-link-sent",
    ),
    path("preferences/<str:token>/", views.preferences, name="preferences"),
    path(
        "preferences/<str:token>/new-link/",
        views.preferences_new_link,
        name="preferences-new-link",
    ),
]
