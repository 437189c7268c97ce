from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from core import views as core_views
from lessons.views import common, dashboard, library, review, student, teacher

urlpatterns = [
    path("", core_views.home, name="home"),
    path("join/", core_views.join, name="join"),
    path("signup/", core_views.signup, name="signup"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("classes/new/", core_views.classroom_new, name="classroom_new"),
    path("classes/<int:pk>/", core_views.classroom, name="classroom"),
    path("classes/<int:pk>/welcome/", core_views.classroom_welcome, name="classroom_welcome"),
    path("classes/<int:pk>/code/", core_views.classroom_new_code, name="classroom_new_code"),
    path("classes/<int:pk>/assign/", core_views.classroom_assign, name="classroom_assign"),
    path(
        "classes/<int:pk>/students/<int:student_pk>/password/",
        core_views.classroom_student_password,
        name="classroom_student_password",
    ),
    path(
        "classes/<int:pk>/students/<int:student_pk>/remove/",
        core_views.classroom_student_remove,
        name="classroom_student_remove",
    ),
    path("techniques/", common.taxonomies, name="taxonomies"),
    path("techniques/<slug:slug>/", common.taxonomy, name="taxonomy"),
    path("lessons/", library.library, name="library"),
    path("lessons/<slug:slug>/", library.lesson_detail, name="lesson_detail"),
    path("lessons/<slug:slug>/duplicate/", library.lesson_duplicate, name="lesson_duplicate"),
    path("lessons/<slug:slug>/publish/", library.lesson_publish, name="lesson_publish"),
    path("assignments/<int:pk>/", student.assignment, name="assignment"),
    path("assignments/<int:pk>/segments/<int:position>/", student.segment, name="segment"),
    path(
        "assignments/<int:pk>/segments/<int:position>/highlights/",
        student.highlight_add,
        name="highlight_add",
    ),
    path(
        "assignments/<int:pk>/segments/<int:position>/answers/",
        student.answers_save,
        name="answers_save",
    ),
    path(
        "assignments/<int:pk>/highlights/<int:highlight_pk>/",
        student.highlight_edit,
        name="highlight_edit",
    ),
    path(
        "assignments/<int:pk>/highlights/<int:highlight_pk>/delete/",
        student.highlight_delete,
        name="highlight_delete",
    ),
    path("assignments/<int:pk>/submit/", student.submit, name="submit"),
    path(
        "assignments/<int:pk>/students/<int:student_pk>/",
        teacher.student_work,
        name="student_work",
    ),
    path("assignments/<int:pk>/feedback/", student.feedback, name="feedback"),
    path("assignments/<int:pk>/class-map/", dashboard.class_map, name="class_map"),
    path("assignments/<int:pk>/settings/", teacher.assignment_settings, name="assignment_settings"),
    path("assignments/<int:pk>/release/", teacher.feedback_release, name="feedback_release"),
    path(
        "assignments/<int:pk>/students/<int:student_pk>/extend/",
        teacher.extend,
        name="extend",
    ),
    path("assignments/<int:pk>/dashboard/", dashboard.dashboard, name="dashboard"),
    path(
        "assignments/<int:pk>/export/students.csv",
        dashboard.export_students,
        name="export_students",
    ),
    path(
        "assignments/<int:pk>/export/highlights.csv",
        dashboard.export_highlights,
        name="export_highlights",
    ),
    path("assignments/<int:pk>/review/", review.queue, name="review_queue"),
    path(
        "assignments/<int:pk>/review/prompts/<int:prompt_pk>/",
        review.by_prompt,
        name="review_prompt",
    ),
    path(
        "assignments/<int:pk>/review/key/<int:key_pk>/",
        review.by_key_span,
        name="review_key_span",
    ),
    path(
        "assignments/<int:pk>/review/submissions/<int:submission_pk>/",
        review.save,
        name="review_save",
    ),
    path("admin/", admin.site.urls),
]
