from django.urls import path

from phocap.complaints import views

app_name = "complaints"

urlpatterns = [
    path("", views.complaint_list_page, name="list"),
    path("<int:complaint_id>/", views.complaint_detail_page, name="detail"),
]

public_urlpatterns = [
    path("<slug:code>/tra-cuu/", views.self_check_page, name="self_check"),
    path("<slug:code>/phan-anh/", views.complaint_page, name="complaint"),
]
