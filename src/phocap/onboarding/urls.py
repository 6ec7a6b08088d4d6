from django.urls import path

from phocap.onboarding import views

app_name = "onboarding"

urlpatterns = [
    path("", views.checklist, name="checklist"),
    path("to/", views.teams, name="teams"),
    path("buoi/", views.sessions, name="sessions"),
    path("kiem-chung/", views.verification, name="verification"),
]
