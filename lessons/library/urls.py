from django.urls import path

from . import views

app_name = "library"

urlpatterns = [
    path("techniques/", views.taxonomies, name="taxonomies"),
    path("techniques/<slug:slug>/", views.taxonomy, name="taxonomy"),
    path("lessons/", views.library, name="library"),
    path("lessons/<slug:slug>/", views.lesson_detail, name="lesson_detail"),
    path("lessons/<slug:slug>/duplicate/", views.lesson_duplicate, name="lesson_duplicate"),
    path("lessons/<slug:slug>/publish/", views.lesson_publish, name="lesson_publish"),
]
