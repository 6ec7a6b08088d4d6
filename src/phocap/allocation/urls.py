from django.urls import path

from phocap.allocation import posting_views, views

app_name = "allocation"

urlpatterns = [
    path("", views.rounds, name="rounds"),
    path("niem-yet/", posting_views.posting_page, name="postings"),
    path("niem-yet/<int:posting_id>.pdf", posting_views.posting_pdf, name="posting_pdf"),
]
