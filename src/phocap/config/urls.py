from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from phocap.accounts import signin_views
from phocap.accounts import views as accounts_views
from phocap.complaints.urls import public_urlpatterns as people_urlpatterns
from phocap.config.api import api
from phocap.programmes import views as programme_views
from phocap.reports.urls import public_urlpatterns

urlpatterns = [
    path("", programme_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", signin_views.password_change, name="password_change"),
    path("accounts/2fa/", signin_views.second_factor, name="second_factor"),
    path("accounts/2fa/enrol/", signin_views.second_factor_enrol, name="second_factor_enrol"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("audit/", accounts_views.audit_log, name="audit"),
    path("tasks/", accounts_views.task_list, name="tasks"),
    path("tasks/<int:job_id>/retry/", accounts_views.task_retry, name="task_retry"),
    path("p/<slug:code>/", programme_views.programme_home, name="programme"),
    path("p/<slug:code>/communes/<str:commune_code>/", programme_views.commune_detail, name="commune"),
    path("p/<slug:code>/organisations/", programme_views.organisations, name="organisations"),
    path("p/<slug:code>/organisations/<slug:key>/", programme_views.organisation_edit, name="organisation_edit"),
    path("p/<slug:code>/assignments/", programme_views.assignments, name="assignments"),
    path("p/<slug:code>/nguoi-dung/", accounts_views.team_page, name="team"),
    path(
        "p/<slug:code>/assignments/<int:assignment_id>/end/",
        programme_views.assignment_end,
        name="assignment_end",
    ),
    path("p/<slug:code>/quyen-gop/", include("phocap.fundraising.urls")),
    path("p/<slug:code>/danh-sach/", include("phocap.registry.urls")),
    path("p/<slug:code>/phan-bo/", include("phocap.allocation.urls")),
    path("p/<slug:code>/may/", include("phocap.devices.urls")),
    path("p/<slug:code>/trao/", include("phocap.handover.urls")),
    path("p/<slug:code>/huong-dan/", include("phocap.onboarding.urls")),
    path("p/<slug:code>/chi-so/", include("phocap.reports.urls")),
    path("p/<slug:code>/phan-anh/", include("phocap.complaints.urls")),
    path("p/<slug:code>/tin-nhan/", include("phocap.notifications.urls")),
    path("cong-khai/", include((public_urlpatterns, "public"))),
    path("cong-khai/", include((people_urlpatterns, "people"))),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler400 = "phocap.core.errorpages.bad_request"
handler403 = "phocap.core.errorpages.permission_denied"
handler404 = "phocap.core.errorpages.not_found"
handler500 = "phocap.core.errorpages.server_error"
