from django.urls import path

from . import views

app_name = "lms"

urlpatterns = [
    # What an LMS calls (docs/lti.md says where each goes in each LMS).
    path("lti/login/", views.login, name="login"),
    path("lti/login/<uuid:registration>/", views.login, name="login_for"),
    path("lti/launch/", views.launch, name="launch"),
    path("lti/jwks.json", views.jwks, name="jwks"),
    # The teacher's pages.
    path("lti/deep-link/", views.deep_link, name="deep_link"),
    path("lti/courses/<int:pk>/", views.course, name="course"),
    path("lti/courses/<int:pk>/roster/", views.course_sync, name="course_sync"),
    path("lti/lessons/<int:pk>/grades/", views.grades_send, name="grades_send"),
    path("lti/lessons/<int:pk>/settings/", views.link_settings, name="link_settings"),
    # The school admin's pages.
    path("school/lms/", views.platforms, name="platforms"),
    path("school/lms/new/", views.platform_add, name="platform_add"),
    path("school/lms/<int:pk>/", views.platform_edit, name="platform_edit"),
]
