from django.urls import path

from suggestions import views

urlpatterns = [
    path("", views.suggest, name="suggest"),
    path("thanks/", views.thanks, name="suggest-thanks"),
]
