from django.urls import path

from phocap.registry import views

app_name = "registry"

urlpatterns = [
    path("", views.residents, name="residents"),
    path("nhap/", views.import_file, name="import"),
    path("nhap/<str:token>/kiem-tra.xlsx", views.problems_workbook, name="problems"),
    path("mau.xlsx", views.template, name="template"),
    path("trung/", views.duplicates, name="duplicates"),
    path("<int:resident_id>/", views.resident, name="resident"),
]
