from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("join/", views.join, name="join"),
    path("signup/", views.signup, name="signup"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("classes/new/", views.classroom_new, name="classroom_new"),
    path("classes/<int:pk>/welcome/", views.classroom_welcome, name="classroom_welcome"),
    path("classes/<int:pk>/code/", views.classroom_new_code, name="classroom_new_code"),
    path(
        "classes/<int:pk>/students/<int:student_pk>/password/",
        views.classroom_student_password,
        name="classroom_student_password",
    ),
    path(
        "classes/<int:pk>/students/<int:student_pk>/remove/",
        views.classroom_student_remove,
        name="classroom_student_remove",
    ),
]
