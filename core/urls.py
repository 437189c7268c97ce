from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from core import views as core_views
from lessons.views import (
    author_segment,
    authoring,
    common,
    corpus_import,
    dashboard,
    library,
    review,
    revision,
    student,
    teacher,
)

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
    path("lessons/<slug:slug>/edit/", authoring.lesson_edit, name="lesson_edit"),
    # Authoring: lessons/views/authoring.py (the lesson) and author_segment.py (a passage).
    path("author/", authoring.author_home, name="author_home"),
    path("author/new/", authoring.author_new, name="author_new"),
    path("author/import/", authoring.author_import, name="author_import"),
    path(
        "author/import/corpus/",
        corpus_import.author_import_corpus,
        name="author_import_corpus",
    ),
    path("author/export.zip", authoring.author_export_zip, name="author_export_zip"),
    path("author/lessons/<int:pk>/", authoring.author_lesson, name="author_lesson"),
    path("author/lessons/<int:pk>/details/", authoring.author_meta, name="author_meta"),
    path("author/lessons/<int:pk>/preview/", authoring.author_preview, name="author_preview"),
    path("author/lessons/<int:pk>/publish/", authoring.author_publish, name="author_publish"),
    path("author/lessons/<int:pk>/delete/", authoring.author_delete, name="author_delete"),
    path("author/lessons/<int:pk>/export/", authoring.author_export, name="author_export"),
    path(
        "author/lessons/<int:pk>/segments/add/",
        authoring.author_segment_add,
        name="author_segment_add",
    ),
    path(
        "author/lessons/<int:pk>/segments/<int:position>/split/",
        authoring.author_segment_split,
        name="author_segment_split",
    ),
    path(
        "author/lessons/<int:pk>/segments/<int:position>/merge/",
        authoring.author_segment_merge,
        name="author_segment_merge",
    ),
    path(
        "author/lessons/<int:pk>/segments/<int:position>/move/",
        authoring.author_segment_move,
        name="author_segment_move",
    ),
    path(
        "author/lessons/<int:pk>/segments/<int:position>/delete/",
        authoring.author_segment_delete,
        name="author_segment_delete",
    ),
    path(
        "author/lessons/<int:pk>/segments/<int:position>/",
        author_segment.segment_edit,
        name="author_segment",
    ),
    path(
        "author/lessons/<int:pk>/segments/<int:position>/prompts/",
        author_segment.prompt_add,
        name="author_prompt_add",
    ),
    path(
        "author/lessons/<int:pk>/segments/<int:position>/prompts/<int:prompt_pk>/",
        author_segment.prompt_edit,
        name="author_prompt_edit",
    ),
    path(
        "author/lessons/<int:pk>/segments/<int:position>/prompts/<int:prompt_pk>/delete/",
        author_segment.prompt_delete,
        name="author_prompt_delete",
    ),
    path(
        "author/lessons/<int:pk>/segments/<int:position>/prompts/<int:prompt_pk>/move/",
        author_segment.prompt_move,
        name="author_prompt_move",
    ),
    path(
        "author/lessons/<int:pk>/segments/<int:position>/key/",
        author_segment.key_add,
        name="author_key_add",
    ),
    path(
        "author/lessons/<int:pk>/segments/<int:position>/key/<int:key_pk>/",
        author_segment.key_edit,
        name="author_key_edit",
    ),
    path(
        "author/lessons/<int:pk>/segments/<int:position>/key/<int:key_pk>/delete/",
        author_segment.key_delete,
        name="author_key_delete",
    ),
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
    path(
        "assignments/<int:pk>/revision/", revision.assignment_revision, name="assignment_revision"
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
