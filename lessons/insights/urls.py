from django.urls import path

from .views import dashboard, feedback, review

app_name = "insights"

urlpatterns = [
    path(
        "assignments/<int:pk>/students/<int:student_pk>/",
        feedback.student_work,
        name="student_work",
    ),
    path("assignments/<int:pk>/feedback/", feedback.feedback, name="feedback"),
    path("scoring/", feedback.scoring_help, name="scoring_help"),
    path("assignments/<int:pk>/class-map/", dashboard.class_map, name="class_map"),
    path("assignments/<int:pk>/dashboard/", dashboard.dashboard, name="dashboard"),
    path(
        "assignments/<int:pk>/export/students.csv",
        dashboard.export_students,
        name="export_students",
    ),
    path(
        "assignments/<int:pk>/export/answers.csv",
        dashboard.export_answers,
        name="export_answers",
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
]
