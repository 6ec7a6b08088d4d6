from django.urls import path

from phocap.handover import views

app_name = "handover"

urlpatterns = [
    path("", views.events, name="events"),
    path("<int:event_id>/", views.event, name="event"),
    path("<int:event_id>/bien-ban.pdf", views.minutes_pdf, name="minutes"),
    path("<int:event_id>/nhan-hop-may.pdf", views.labels, name="labels"),
    path("xac-nhan/<int:handover_id>.pdf", views.receipt_pdf, name="receipt"),
    path("anh/<int:handover_id>.jpg", views.photo, name="photo"),
]
