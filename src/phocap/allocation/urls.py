from django.urls import path

from phocap.allocation import views

app_name = "allocation"

urlpatterns = [path("", views.rounds, name="rounds")]
