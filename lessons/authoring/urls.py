from django.urls import path

from .views import corpus, lessons, passages

app_name = "authoring"

urlpatterns = [
    path("lessons/<slug:slug>/edit/", lessons.lesson_edit, name="lesson_edit"),
    path("author/", lessons.author_home, name="author_home"),
    path("author/new/", lessons.author_new, name="author_new"),
    path("author/import/", lessons.author_import, name="author_import"),
    path(
        "author/import/corpus/",
        corpus.author_import_corpus,
        name="author_import_corpus",
    ),
    path("author/export.zip", lessons.author_export_zip, name="author_export_zip"),
    path("author/lessons/<int:pk>/", lessons.author_lesson, name="author_lesson"),
    path("author/lessons/<int:pk>/details/", lessons.author_meta, name="author_meta"),
    path("author/lessons/<int:pk>/preview/", lessons.author_preview, name="author_preview"),
    path("author/lessons/<int:pk>/publish/", lessons.author_publish, name="author_publish"),
    path("author/lessons/<int:pk>/delete/", lessons.author_delete, name="author_delete"),
    path("author/lessons/<int:pk>/export/", lessons.author_export, name="author_export"),
    path(
        "author/lessons/<int:pk>/segments/add/",
        lessons.author_segment_add,
        name="author_segment_add",
    ),
    path(
        "author/lessons/<int:pk>/segments/<int:position>/split/",
        lessons.author_segment_split,
        name="author_segment_split",
    ),
    path(
        "author/lessons/<int:pk>/segments/<int:position>/merge/",
        lessons.author_segment_merge,
        name="author_segment_merge",
    ),
    path(
        "author/lessons/<int:pk>/segments/<int:position>/move/",
        lessons.author_segment_move,
        name="author_segment_move",
    ),
    path(
        "author/lessons/<int:pk>/segments/<int:position>/delete/",
        lessons.author_segment_delete,
        name="author_segment_delete",
    ),
    path(
        "author/lessons/<int:pk>/segments/<int:position>/",
        passages.segment_edit,
        name="author_segment",
    ),
    path(
        "author/lessons/<int:pk>/segments/<int:position>/prompts/",
        passages.prompt_add,
        name="author_prompt_add",
    ),
    path(
        "author/lessons/<int:pk>/segments/<int:position>/prompts/<int:prompt_pk>/",
        passages.prompt_edit,
        name="author_prompt_edit",
    ),
    path(
        "author/lessons/<int:pk>/segments/<int:position>/prompts/<int:prompt_pk>/delete/",
        passages.prompt_delete,
        name="author_prompt_delete",
    ),
    path(
        "author/lessons/<int:pk>/segments/<int:position>/prompts/<int:prompt_pk>/move/",
        passages.prompt_move,
        name="author_prompt_move",
    ),
    path(
        "author/lessons/<int:pk>/segments/<int:position>/key/",
        passages.key_add,
        name="author_key_add",
    ),
    path(
        "author/lessons/<int:pk>/segments/<int:position>/key/<int:key_pk>/",
        passages.key_edit,
        name="author_key_edit",
    ),
    path(
        "author/lessons/<int:pk>/segments/<int:position>/key/<int:key_pk>/delete/",
        passages.key_delete,
        name="author_key_delete",
    ),
]
