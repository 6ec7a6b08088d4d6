from django.urls import path

from phocap.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("xa/<str:commune_code>/", views.dashboard, name="commune"),
    path("bao-cao/", views.document, name="document"),
]
