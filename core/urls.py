from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .throttle import limit_failed_logins

app_name = "core"

urlpatterns = [
    # For load balancers (docs/deployment.md): no login, no data.
    path("healthz", views.healthz, name="healthz"),
    # Long work in the worker (core.jobs): its progress and outcome, for whoever started it.
    path("jobs/<uuid:pk>/", views.job, name="job"),
    path("jobs/<uuid:pk>/retry/", views.job_retry, name="job_retry"),
    path("jobs/<uuid:pk>/download/", views.job_download, name="job_download"),
    path("language/", views.language, name="language"),
    path("join/", views.join, name="join"),
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup_sent"),
    path("signup/confirm/<str:token>/", views.signup_confirm, name="signup_confirm"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("school/", views.school, name="school"),
    path("school/invite/", views.school_invite, name="school_invite"),
    path(
        "school/invitations/<int:pk>/withdraw/",
        views.school_invitation_withdraw,
        name="school_invitation_withdraw",
    ),
    path(
        "school/teachers/<int:pk>/approve/",
        views.school_teacher_approve,
        name="school_teacher_approve",
    ),
    path(
        "school/teachers/<int:pk>/refuse/",
        views.school_teacher_refuse,
        name="school_teacher_refuse",
    ),
    path("accounts/login/", limit_failed_logins(views.LoginView.as_view()), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("classes/new/", views.classroom_new, name="classroom_new"),
    path("classes/<int:pk>/welcome/", views.classroom_welcome, name="classroom_welcome"),
    path("classes/<int:pk>/code/", views.classroom_new_code, name="classroom_new_code"),
    path(
        "classes/<int:pk>/students/<int:student_pk>/password/",
        views.classroom_student_password,
        name="classroom_student_password",
    ),
    path(
        "classes/<int:pk>/students/<int:student_pk>/password/new/",
        views.classroom_student_password_shown,
        name="classroom_student_password_shown",
    ),
    path(
        "classes/<int:pk>/students/<int:student_pk>/remove/",
        views.classroom_student_remove,
        name="classroom_student_remove",
    ),
]
