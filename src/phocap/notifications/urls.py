from django.urls import path

from phocap.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.outbox, name="outbox"),
    path("nguoi/<int:resident_id>/", views.person_messages, name="person"),
]
