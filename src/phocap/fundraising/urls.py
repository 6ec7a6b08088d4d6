from django.urls import path

from phocap.fundraising import books_views, cash_views, receipts_views, review_views, views

app_name = "fundraising"

urlpatterns = [
    path("", views.home, name="home"),
    path("cam-ket/", views.pledges, name="pledges"),
    path("cam-ket/<str:reference>/", views.pledge, name="pledge"),
    path("cam-ket/<str:reference>/huy/", views.pledge_cancel, name="pledge_cancel"),
    path("qr/<str:reference>.png", views.qr_png, name="qr_png"),
    path("ung-ho/", views.donations, name="donations"),
    path("ung-ho/hien-vat/", views.in_kind, name="in_kind"),
    path("nha-tai-tro/", views.donors, name="donors"),
    path("ung-ho/<int:donation_id>/huy/", views.donation_reverse, name="donation_reverse"),
    path("ung-ho/<int:donation_id>/giay-chung-nhan.pdf", views.receipt_pdf, name="receipt"),
    path("sao-ke/", views.statement_upload, name="statements"),
    path("cho-xu-ly/", review_views.review, name="review"),
    path("tien-mat/", cash_views.cash, name="cash"),
    path("so-sach/", books_views.books_page, name="books"),
    path("giay-chung-nhan/", receipts_views.receipts_page, name="receipts"),
]
