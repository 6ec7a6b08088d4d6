from django.urls import path

from phocap.devices import views

app_name = "devices"

urlpatterns = [
    path("", views.stock, name="stock"),
    path("chuyen/", views.transfers, name="transfers"),
]
