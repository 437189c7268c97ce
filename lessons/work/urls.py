from django.urls import path

from .views import assignments, classes, exercise, preview, privacy, revision

app_name = "work"

urlpatterns = [
    path("", classes.home, name="home"),
    path("classes/<int:pk>/", classes.classroom, name="classroom"),
    path("classes/<int:pk>/assign/", classes.classroom_assign, name="classroom_assign"),
    path("assignments/<int:pk>/", exercise.assignment, name="assignment"),
    path("assignments/<int:pk>/segments/<int:position>/", exercise.segment, name="segment"),
    path(
        "assignments/<int:pk>/segments/<int:position>/highlights/",
        exercise.highlight_add,
        name="highlight_add",
    ),
    path(
        "assignments/<int:pk>/segments/<int:position>/answers/",
        exercise.answers_save,
        name="answers_save",
    ),
    path(
        "assignments/<int:pk>/highlights/<int:highlight_pk>/",
        exercise.highlight_edit,
        name="highlight_edit",
    ),
    path(
        "assignments/<int:pk>/highlights/<int:highlight_pk>/delete/",
        exercise.highlight_delete,
        name="highlight_delete",
    ),
    path("assignments/<int:pk>/submit/", exercise.submit, name="submit"),
    # A lesson as students work on it, read-only, for teachers ("Preview as a student")
    path(
        "lesson-preview/<int:pk>/passages/<int:position>/",
        preview.preview_segment,
        name="preview_segment",
    ),
    path(
        "assignments/<int:pk>/settings/",
        assignments.assignment_settings,
        name="assignment_settings",
    ),
    path("assignments/<int:pk>/release/", assignments.feedback_release, name="feedback_release"),
    path(
        "assignments/<int:pk>/students/<int:student_pk>/extend/",
        assignments.extend,
        name="extend",
    ),
    path(
        "assignments/<int:pk>/revision/", revision.assignment_revision, name="assignment_revision"
    ),
    path(
        "assignments/<int:pk>/revision/dry-run/",
        revision.assignment_revision_plan,
        name="assignment_revision_plan",
    ),
    # Students' data: export, deletion, the student's own download, the audit log
    path(
        "classes/<int:pk>/students/<int:student_pk>/export/",
        privacy.student_export,
        name="student_export",
    ),
    path(
        "classes/<int:pk>/students/<int:student_pk>/delete/",
        privacy.student_delete,
        name="student_delete",
    ),
    path("my-data/", privacy.my_data, name="my_data"),
    path("school/student-data/", privacy.school_students, name="school_students"),
    path("school/audit-log/", privacy.audit_log, name="audit_log"),
]
