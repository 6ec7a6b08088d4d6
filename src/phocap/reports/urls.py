from django.urls import path

from phocap.reports import public, views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("xa/<str:commune_code>/", views.dashboard, name="commune"),
    path("bao-cao/", views.document, name="document"),
]

public_urlpatterns = [
    path("<slug:code>/", public.public_statement, name="public"),
    path("<slug:code>/danh-sach.<str:fmt>", public.public_download, name="public_download"),
]
